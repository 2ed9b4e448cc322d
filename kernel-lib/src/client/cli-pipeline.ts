/**
 * Node only: what a command that runs a pipeline (`pipelab run`, `schedule create|update`) reads
 * from its arguments — the pipeline (a compiled file, or a module compiled here), its `--param`
 * values typed by its parameter definitions, and the flags a run and a recurring run share.
 */
import type { ParameterSpec, PipelineSpec } from '../compiler/spec';
import { UsageError } from '../errors';
import { signalOf, type CliIo } from './cli-kit';
import type { JsonValue } from './types';

const MODULE = /\.(c|m)?(t|j)sx?$/i;

/** A `--param` value read as the parameter's IR type. */
function paramValue(key: string, raw: string, spec: ParameterSpec): JsonValue {
  const bad = (expected: string): never => {
    throw new UsageError(
      `--param ${key}: '${raw}' is not ${expected} (the parameter is ${spec.parameterType}).`,
    );
  };
  switch (spec.parameterType) {
    case 'STRING':
      return raw;
    case 'NUMBER_INTEGER':
      return /^[-+]?\d+$/.test(raw.trim()) ? Number(raw) : bad('an integer');
    case 'NUMBER_DOUBLE': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : bad('a number');
    }
    case 'BOOLEAN': {
      const v = raw.trim().toLowerCase();
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      return bad('true or false');
    }
    case 'LIST':
    case 'STRUCT': {
      let value: unknown;
      try {
        value = JSON.parse(raw) as unknown;
      } catch {
        return bad(spec.parameterType === 'LIST' ? 'a JSON list' : 'a JSON object');
      }
      const isList = Array.isArray(value);
      const isObject = typeof value === 'object' && value !== null && !isList;
      if (spec.parameterType === 'LIST' ? !isList : !isObject) {
        return bad(spec.parameterType === 'LIST' ? 'a JSON list' : 'a JSON object');
      }
      return value as JsonValue;
    }
    default:
      try {
        return JSON.parse(raw) as JsonValue;
      } catch {
        return raw;
      }
  }
}

/** `--param k=v` pairs as run parameters, typed by the pipeline's parameter definitions. */
export function parseRunParams(
  pairs: readonly string[],
  spec: PipelineSpec,
): Record<string, JsonValue> {
  const definitions = spec.root.inputDefinitions?.parameters ?? {};
  const result: Record<string, JsonValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects key=value; got '${pair}'.`);
    const key = pair.slice(0, eq);
    const definition = definitions[key];
    if (definition === undefined) {
      const known = Object.keys(definitions);
      throw new UsageError(
        `pipeline '${spec.pipelineInfo.name}' has no parameter '${key}'; ${known.length > 0 ? `its parameters are ${known.join(', ')}` : 'it takes no parameters'}.`,
      );
    }
    result[key] = paramValue(key, pair.slice(eq + 1), definition);
  }
  return result;
}

/** The PipelineSpec of a compiled file, or of a module's pipeline (compiled). */
export async function loadSpec(
  file: string,
  exportName: string | undefined,
): Promise<PipelineSpec> {
  if (MODULE.test(file)) {
    const [{ loadPipelineFromModule }, { compile }] = await Promise.all([
      import('../cli/load-module.js'),
      import('../compiler/build.js'),
    ]);
    return compile(await loadPipelineFromModule(file, exportName));
  }
  if (exportName !== undefined) {
    throw new UsageError(
      '--pipeline chooses an export of a module; a compiled file holds one pipeline.',
    );
  }
  const { loadPipelinePackage } = await import('../compiler/package.js');
  return loadPipelinePackage(file);
}

/** The flags of what makes runs: `pipelab run`, `schedule create` and `schedule update`. */
export const RUN_OPTIONS = {
  param: { type: 'string', multiple: true },
  experiment: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  'pipeline-root': { type: 'string' },
} as const;

/** The options of a run or recurring run that its flags give alike (not its pipeline or parameters). */
export function runOptionsOf(
  values: {
    name?: string;
    experiment?: string;
    description?: string;
    'pipeline-root'?: string;
  },
  io: CliIo,
) {
  return {
    ...(values.name !== undefined ? { displayName: values.name } : {}),
    ...(values.experiment !== undefined ? { experimentName: values.experiment } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...(values['pipeline-root'] !== undefined ? { pipelineRoot: values['pipeline-root'] } : {}),
    ...signalOf(io),
  };
}
