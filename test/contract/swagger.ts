/**
 * The KFP v2beta1 swagger (../shared/kfp/swagger_v2beta1/kfp_api_single_file.swagger.json)
 * compiled to JSON schemas for ajv, to check that every response of the engine is what a KFP
 * server could have sent for that operation.
 *
 * Swagger 2.0 `definitions` are used as they are, with three adjustments: int64/uint64 fields
 * accept a string or an integer (grpc-gateway writes int64 as strings), formats are not checked
 * (date-time strings are checked by the tests that care), and objects with declared properties
 * admit no others — so a misspelled or invented field fails the contract. The only fields added
 * are the few a real KFP server writes beyond its swagger, and Pipelab's documented additions.
 */
import * as fs from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';

type Json = Record<string, unknown>;

/** An operation of the swagger. */
export interface SwaggerOperation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  readonly regex: RegExp;
  /** The schema name ($ref target) of the 200 response, or undefined for an inline schema. */
  readonly okSchema: Json;
}

/**
 * Fields KFP's real server writes although the swagger does not list them: its healthz handler
 * is hand-written and adds `commit_sha` and `tag_name`.
 */
const SERVER_EXTRAS: Record<string, Record<string, Json>> = {
  v2beta1GetHealthzResponse: { commit_sha: { type: 'string' }, tag_name: { type: 'string' } },
};

/**
 * Pipelab's additive fields (kernel-lib/src/engine/API.md, "Additions"): a response may carry
 * these besides the swagger's fields, and nothing else. They never change a KFP field.
 */
export const PIPELAB_ADDITIONS: Record<string, Record<string, Json>> = {
  v2beta1CronSchedule: { time_zone: { type: 'string' } },
  v2beta1RecurringRun: {
    max_consecutive_failures: { type: 'integer', minimum: 1 },
    consecutive_failures: { type: 'integer', minimum: 1 },
    disabled_reason: { type: 'string' },
    next_fire_time: { type: 'string' },
    last_run: {
      type: 'object',
      properties: {
        run_id: { type: 'string' },
        display_name: { type: 'string' },
        state: { $ref: 'kfp#/definitions/v2beta1RuntimeState' },
        scheduled_at: { type: 'string' },
        created_at: { type: 'string' },
        finished_at: { type: 'string' },
      },
      required: ['run_id', 'state', 'scheduled_at'],
      additionalProperties: false,
    },
  },
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rewrites swagger schema nodes into what ajv should check. */
function adapt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adapt);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'format' || key === 'title' || key === 'description' || key === 'readOnly')
      continue;
    out[key] = key === 'properties' && isObject(value) ? mapValues(value, adapt) : adapt(value);
  }
  if (node.format === 'int64' || node.format === 'uint64') {
    delete out.type;
    out.type = ['string', 'integer'];
  }
  if (typeof out.$ref === 'string')
    return { $ref: out.$ref.replace('#/definitions/', 'kfp#/definitions/') };
  if (isObject(out.properties) && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

function mapValues(object: Json, fn: (value: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
}

function templateRegex(template: string): RegExp {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) =>
      part.startsWith('{') ? '([^/]+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`);
}

/** Checks response bodies against the swagger. */
export class SwaggerContract {
  readonly operations: SwaggerOperation[] = [];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(swaggerFile: string) {
    const swagger = JSON.parse(fs.readFileSync(swaggerFile, 'utf8')) as Json;
    const definitions = mapValues(swagger.definitions as Json, adapt) as Record<string, Json>;
    for (const [name, extras] of [
      ...Object.entries(SERVER_EXTRAS),
      ...Object.entries(PIPELAB_ADDITIONS),
    ]) {
      const definition = definitions[name];
      if (definition && isObject(definition.properties))
        Object.assign(definition.properties, extras);
    }
    this.ajv = new Ajv({ strict: false, allErrors: true });
    this.ajv.addSchema({ $id: 'kfp', definitions });
    for (const [template, methods] of Object.entries(swagger.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!isObject(op)) continue;
        const responses = op.responses as Record<string, { schema?: Json }>;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          operationId: String(op.operationId),
          regex: templateRegex(template),
          okSchema: responses['200']?.schema ?? {},
        });
      }
    }
    // Templates with more literal text first: `/runs/{id}:terminate` before `/runs/{id}`.
    const literal = (t: string): number => t.replace(/\{[^}]+\}/g, '').length;
    this.operations.sort((a, b) => literal(b.template) - literal(a.template));
  }

  /** The swagger operation a request is for, if any. */
  operationFor(method: string, path: string): SwaggerOperation | undefined {
    const pathname = path.split('?')[0] ?? path;
    return this.operations.find((op) => op.method === method && op.regex.test(pathname));
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(adapt(schema) as Json);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /**
   * The problems of a response body for an operation: `[]` when it matches the 200 schema (or,
   * for an error status, google.rpc.Status with code, message and details present).
   */
  check(operation: SwaggerOperation, status: number, body: unknown): string[] {
    if (status === 200) {
      const validate = this.validator(`${operation.operationId}:200`, operation.okSchema);
      return validate(body)
        ? []
        : (validate.errors ?? []).map(
            (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
          );
    }
    const validate = this.validator('status', { $ref: '#/definitions/googleRpcStatus' });
    const problems = validate(body)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        );
    for (const field of ['code', 'message', 'details']) {
      if (!isObject(body) || !(field in body)) problems.push(`error body lacks "${field}"`);
    }
    return problems;
  }
}
