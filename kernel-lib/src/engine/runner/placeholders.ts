/**
 * Substitutes the placeholders a KFP compiler writes into a container's command and args:
 * `{{$.inputs.parameters['x']}}`, `{{$.inputs.artifacts['x'].path|uri|metadata}}`,
 * `{{$.outputs.parameters['x'].output_file}}`, `{{$.outputs.artifacts['x'].path|uri|metadata}}`,
 * `{{$}}`, the run-level `{{$.pipeline_*}}` ones, and the structured `{"IfPresent": ...}` and
 * `{"Concat": [...]}` arguments. Placeholders may sit inside a longer string
 * (`--epochs={{$.inputs.parameters['epochs']}}`).
 */
import type { JsonValue } from '../../dsl/types';
import { localPathOfUri } from './artifacts';
import { PlaceholderError } from './errors';
import { formatParameter } from './parameters';
import type { RuntimeArtifactIR } from './types';

/** The run-level values of the `{{$.pipeline_*}}` placeholders. */
export interface RunPlaceholderValues {
  pipelineJobName: string;
  pipelineJobUuid: string;
  pipelineRoot: string;
  /** RFC 3339, UTC. */
  createTimeUtc: string;
  /** RFC 3339, UTC. */
  scheduleTimeUtc: string;
}

/** The task-level values of the `{{$.pipeline_task_*}}` placeholders. */
export interface TaskPlaceholderValues {
  pipelineTaskName: string;
  pipelineTaskUuid: string;
}

/** Everything a task's placeholders can refer to. */
export interface PlaceholderContext {
  run: RunPlaceholderValues;
  task: TaskPlaceholderValues;
  /** Input parameters that have a value (after defaults). */
  parameters: Record<string, JsonValue>;
  inputArtifacts: Record<string, RuntimeArtifactIR>;
  outputParameterFiles: Record<string, string>;
  outputArtifacts: Record<string, RuntimeArtifactIR>;
  /** The ExecutorInput JSON, for `{{$}}`. */
  executorInput: string;
}

const REFERENCE =
  /^\$\.(inputs|outputs)\.(parameters|artifacts)\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\](?:\.([A-Za-z_]+))?$/;

const RUN_LEVEL: Record<string, (run: RunPlaceholderValues) => string> = {
  '$.pipeline_job_name': (r) => r.pipelineJobName,
  '$.pipeline_job_uuid': (r) => r.pipelineJobUuid,
  '$.pipeline_root': (r) => r.pipelineRoot,
  '$.pipeline_job_create_time_utc': (r) => r.createTimeUtc,
  '$.pipeline_job_schedule_time_utc': (r) => r.scheduleTimeUtc,
};

function artifactField(
  artifact: RuntimeArtifactIR,
  field: string | undefined,
  what: string,
): string {
  switch (field) {
    case 'uri':
      return artifact.uri;
    case 'metadata':
      return JSON.stringify(artifact.metadata ?? {});
    case 'path': {
      const local = localPathOfUri(artifact.uri);
      if (local === undefined) {
        throw new PlaceholderError(`${what} has URI ${artifact.uri}, which has no local path`);
      }
      return local;
    }
    default:
      throw new PlaceholderError(
        `${what} has no field '${field ?? ''}' (use path, uri or metadata)`,
      );
  }
}

/** Resolves one placeholder body (`$.inputs.parameters['x']`); `undefined` when it is not one we know. */
function resolveBody(body: string, ctx: PlaceholderContext): string | undefined {
  if (body === '$') return ctx.executorInput;
  const runLevel = RUN_LEVEL[body];
  if (runLevel) return runLevel(ctx.run);
  if (body === '$.pipeline_task_name') return ctx.task.pipelineTaskName;
  if (body === '$.pipeline_task_uuid') return ctx.task.pipelineTaskUuid;
  const match = REFERENCE.exec(body);
  if (!match) return undefined;
  const [, side, kind, single, double, field] = match;
  const name = (single ?? double ?? '').replace(/\\(.)/g, '$1');
  if (side === 'inputs' && kind === 'parameters') {
    if (field !== undefined) return undefined;
    const value = ctx.parameters[name];
    if (value === undefined) {
      throw new PlaceholderError(
        `input parameter '${name}' has no value (it is optional and was not given; ` +
          `wrap it in an IfPresent placeholder)`,
      );
    }
    return formatParameter(value);
  }
  if (side === 'inputs' && kind === 'artifacts') {
    const artifact = ctx.inputArtifacts[name];
    if (!artifact) {
      throw new PlaceholderError(`input artifact '${name}' was not given`);
    }
    return artifactField(artifact, field, `input artifact '${name}'`);
  }
  if (side === 'outputs' && kind === 'parameters') {
    const file = ctx.outputParameterFiles[name];
    if (file === undefined) throw new PlaceholderError(`there is no output parameter '${name}'`);
    if (field !== 'output_file') {
      throw new PlaceholderError(
        `output parameter '${name}' has only 'output_file', not '${field ?? ''}'`,
      );
    }
    return file;
  }
  const artifact = ctx.outputArtifacts[name];
  if (!artifact) throw new PlaceholderError(`there is no output artifact '${name}'`);
  return artifactField(artifact, field, `output artifact '${name}'`);
}

/** Whether a placeholder body we do not know still looks like one KFP would resolve. */
function looksLikeKfp(body: string): boolean {
  return /^\$\.(inputs|outputs|pipeline_)/.test(body);
}

/**
 * Substitutes every placeholder in one string. Text that is not a placeholder, including
 * `{{...}}` of other template languages, stays as it is.
 */
export function substitutePlaceholders(text: string, ctx: PlaceholderContext): string {
  let out = '';
  let i = 0;
  for (;;) {
    const start = text.indexOf('{{$', i);
    if (start < 0) return out + text.slice(i);
    // Find the closing braces, stepping over quoted names that could contain them.
    let j = start + 2;
    let quote: string | undefined;
    let end = -1;
    for (; j < text.length; j++) {
      const c = text.charAt(j);
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '}' && text.charAt(j + 1) === '}') {
        end = j;
        break;
      } else if (c === '{') break;
    }
    if (end < 0) {
      out += text.slice(i, start + 3);
      i = start + 3;
      continue;
    }
    const body = text.slice(start + 2, end);
    const value = resolveBody(body, ctx);
    if (value === undefined && looksLikeKfp(body)) {
      throw new PlaceholderError(`unsupported placeholder {{${body}}}`);
    }
    out += text.slice(i, start) + (value ?? text.slice(start, end + 2));
    i = end + 2;
  }
}

type Structured = { IfPresent: Record<string, unknown> } | { Concat: unknown };

function asStructured(value: unknown): Structured | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  if (keys[0] === 'Concat') return value as Structured;
  if (keys[0] === 'IfPresent') {
    const body = (value as { IfPresent: unknown }).IfPresent;
    return typeof body === 'object' && body !== null ? (value as Structured) : undefined;
  }
  return undefined;
}

/** A command-line string holding a structured placeholder, parsed; otherwise `undefined`. */
function parseStructured(text: string): Structured | undefined {
  const trimmed = text.trim();
  if (!/^\{\s*"(IfPresent|Concat)"/.test(trimmed)) return undefined;
  try {
    return asStructured(JSON.parse(trimmed));
  } catch {
    return undefined;
  }
}

function expand(item: unknown, ctx: PlaceholderContext): string[] {
  if (typeof item === 'string') {
    const structured = parseStructured(item);
    return structured ? expand(structured, ctx) : [substitutePlaceholders(item, ctx)];
  }
  if (typeof item === 'number' || typeof item === 'boolean') return [String(item)];
  const structured = asStructured(item);
  if (!structured) {
    throw new PlaceholderError(`cannot use ${JSON.stringify(item)} as a command-line argument`);
  }
  if ('Concat' in structured) {
    if (!Array.isArray(structured.Concat)) {
      throw new PlaceholderError(`a Concat placeholder needs a list of items`);
    }
    return [structured.Concat.flatMap((part) => expand(part, ctx)).join('')];
  }
  const body = structured.IfPresent;
  const inputName = body.InputName;
  if (typeof inputName !== 'string') {
    throw new PlaceholderError(`an IfPresent placeholder needs an InputName`);
  }
  const present =
    ctx.parameters[inputName] !== undefined || ctx.inputArtifacts[inputName] !== undefined;
  const branch = present ? body.Then : body.Else;
  if (branch === undefined || branch === null) return [];
  return (Array.isArray(branch) ? branch : [branch]).flatMap((part) => expand(part, ctx));
}

/**
 * Resolves a container's command or args: each string may expand to one argument, or (for
 * IfPresent) to any number of them.
 * @throws PlaceholderError naming the placeholder that could not be resolved
 */
export function resolveCommandLine(parts: readonly string[], ctx: PlaceholderContext): string[] {
  return parts.flatMap((part) => expand(part, ctx));
}

/**
 * Substitutes the run-level placeholders (`{{$.pipeline_job_name}}`...) in a task input's
 * `runtimeValue.constant`. The task-level ones take the values of the task that receives it.
 */
export function substituteRunPlaceholders(
  value: JsonValue,
  run: RunPlaceholderValues,
  task: TaskPlaceholderValues,
): JsonValue {
  if (typeof value !== 'string' || !value.includes('{{$.pipeline_')) return value;
  return value.replace(/\{\{(\$\.pipeline_[a-z_]+)\}\}/g, (whole, body: string) => {
    if (body === '$.pipeline_task_name') return task.pipelineTaskName;
    if (body === '$.pipeline_task_uuid') return task.pipelineTaskUuid;
    const resolve = RUN_LEVEL[body];
    return resolve ? resolve(run) : whole;
  });
}
