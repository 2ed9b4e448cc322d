/**
 * The KFP v2beta1 swagger as ajv validators, for the client's contract tests: request bodies the
 * client sends and responses the recording server answers must both be what the swagger allows.
 *
 * The swagger's definitions are used with these changes: documentation keywords and `format`
 * are dropped (ajv would reject the unknown ones), and an object with declared properties and no
 * `additionalProperties` admits no other field, so a misspelled or invented field is an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { requireSharedOrSkip } from '../../support/shared';

type Schema = Record<string, unknown>;

/** One operation of the swagger. */
export interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  /** The schema of the JSON body parameter, when the operation has one. */
  readonly body: Schema | undefined;
  /** The schema of the 200 response. */
  readonly ok: Schema;
}

const DROPPED = new Set(['description', 'title', 'format', 'readOnly', 'default', 'example']);

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v)]));
    } else if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/definitions/', 'kfp#/definitions/');
    } else {
      out[key] = strict(value);
    }
  }
  if (isObject(out.properties) && out.additionalProperties === undefined)
    out.additionalProperties = false;
  // A $ref next to other keywords (grpc-gateway writes `type: object` beside it) means the ref.
  if (typeof out.$ref === 'string') return { $ref: out.$ref };
  return out;
}

function pattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+?' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/** The swagger, compiled. */
export class Swagger {
  readonly operations: Operation[] = [];
  private readonly ajv = new Ajv({ allErrors: true, strict: true });
  private readonly cache = new Map<Schema, ValidateFunction>();

  constructor(file: string) {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Schema;
    const definitions = Object.fromEntries(
      Object.entries(doc.definitions as Schema).map(([k, v]) => [k, strict(v)]),
    );
    this.ajv.addSchema({ $id: 'kfp', definitions }, 'kfp');
    for (const [template, methods] of Object.entries(doc.paths as Record<string, Schema>)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!isObject(op)) continue;
        const parameters = (op.parameters ?? []) as Schema[];
        const bodyParam = parameters.find((p) => p.in === 'body');
        const responses = op.responses as Record<string, Schema>;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern: pattern(template),
          body: bodyParam ? (strict(bodyParam.schema) as Schema) : undefined,
          ok: strict(responses['200']?.schema ?? {}) as Schema,
        });
      }
    }
    // Literal templates before parameterized ones (`/pipelines/upload` is not a pipeline id).
    this.operations.sort(
      (a, b) => (b.template.match(/\{/g) ? 0 : 1) - (a.template.match(/\{/g) ? 0 : 1),
    );
  }

  /** The operation a request path (below the host, without query) is for. */
  operation(method: string, path: string): Operation | undefined {
    return this.operations.find((o) => o.method === method && o.pattern.test(path));
  }

  /** Validation errors of `value` against `schema`, as readable lines (empty when valid). */
  check(schema: Schema, value: unknown): string[] {
    let validate = this.cache.get(schema);
    if (validate === undefined) {
      validate = this.ajv.compile(schema);
      this.cache.set(schema, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    );
  }

  /** Validation errors of `value` against a named definition, e.g. `v2beta1Run`. */
  checkDefinition(name: string, value: unknown): string[] {
    return this.check({ $ref: `kfp#/definitions/${name}` }, value);
  }
}

let cached: Swagger | undefined;

/**
 * The swagger when ../shared is present, for suites that also run without it: there they go on
 * unchecked after a notice, but in CI (or with PIPELAB_REQUIRE_SHARED set) a missing ../shared
 * throws, so the checks cannot be skipped silently.
 */
export function swaggerIfShared(): Swagger | undefined {
  const dir = requireSharedOrSkip('KFP swagger checks of the client tests');
  if (dir === undefined) return undefined;
  cached ??= new Swagger(path.join(dir, 'kfp/swagger_v2beta1/kfp_api_single_file.swagger.json'));
  return cached;
}
