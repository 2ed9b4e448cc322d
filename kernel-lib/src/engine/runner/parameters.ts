/**
 * Parameter values at run time: checking them against their declared `parameterType`, reading
 * them from output files, and writing them into command lines.
 */
import type { InputsSpec } from '../../compiler/spec';
import {
  describeType,
  isJsonValue,
  matchesType,
  type JsonValue,
  type ParameterType,
} from '../../dsl/types';
import { RunParameterError } from './errors';

const KNOWN_TYPES: ReadonlySet<string> = new Set<ParameterType>([
  'STRING',
  'NUMBER_INTEGER',
  'NUMBER_DOUBLE',
  'BOOLEAN',
  'LIST',
  'STRUCT',
]);

/**
 * Whether `value` is a valid value of `type`, by the DSL's own rule (an integer is also a valid
 * NUMBER_DOUBLE); for a type the DSL does not know (a spec from elsewhere), any JSON value.
 */
export function isParameterValue(type: ParameterType, value: unknown): value is JsonValue {
  return KNOWN_TYPES.has(type) ? matchesType(type, value) : isJsonValue(value);
}

/** `'an integer'`, `'a list (array)'`... for messages. */
export function describeParameterType(type: ParameterType): string {
  return KNOWN_TYPES.has(type) ? describeType(type) : String(type);
}

/** A value for a message: JSON, cut short. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Reads an output parameter file's text as its declared type: STRING as is (a trailing newline
 * included), the others as JSON (booleans also as `True`/`False`).
 * @returns the value, or an error message
 */
export function parseParameterText(
  type: ParameterType,
  text: string,
): { value: JsonValue } | { error: string } {
  if (type === 'STRING') return { value: text };
  const trimmed = text.trim();
  if (type === 'BOOLEAN' && /^(true|false)$/i.test(trimmed)) {
    return { value: trimmed.toLowerCase() === 'true' };
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return {
      error: `expected ${describeParameterType(type)}, but the file holds ${showValue(text)}`,
    };
  }
  if (!isParameterValue(type, value)) {
    return {
      error: `expected ${describeParameterType(type)}, but the file holds ${showValue(text)}`,
    };
  }
  return { value };
}

/**
 * A parameter value as a command-line argument: strings raw, everything else as JSON text (so
 * an integer 7 is `7`, a list `["a","b"]`).
 */
export function formatParameter(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Checks the runtime parameters of a run against `root.inputDefinitions` and applies defaults.
 * Throws {@link RunParameterError} naming the parameter that is unknown, missing or of the wrong
 * type.
 */
export function resolveRunParameters(
  pipelineName: string,
  definitions: InputsSpec | undefined,
  given: Record<string, unknown>,
): Record<string, JsonValue> {
  const declared = definitions?.parameters ?? {};
  const names = Object.keys(declared);
  const context = { pipeline: pipelineName };
  for (const name of Object.keys(given)) {
    if (!(name in declared) && given[name] !== undefined) {
      throw new RunParameterError(
        `pipeline '${pipelineName}' has no parameter '${name}'; its parameters are ` +
          `${names.length ? names.join(', ') : 'none'}.`,
        name,
        context,
      );
    }
  }
  const values: Record<string, JsonValue> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name];
    if (value === undefined) {
      if (spec.defaultValue !== undefined) values[name] = spec.defaultValue;
      else if (!spec.isOptional) {
        throw new RunParameterError(
          `pipeline '${pipelineName}' needs a value for its parameter '${name}' ` +
            `(${describeParameterType(spec.parameterType)}); it has no default.`,
          name,
          context,
        );
      }
      continue;
    }
    if (!isParameterValue(spec.parameterType, value)) {
      throw new RunParameterError(
        `parameter '${name}' of pipeline '${pipelineName}' must be ` +
          `${describeParameterType(spec.parameterType)} (${spec.parameterType}); got ${showValue(value)}.`,
        name,
        context,
      );
    }
    values[name] = value;
  }
  for (const [name, spec] of Object.entries(definitions?.artifacts ?? {})) {
    if (!spec.isOptional) {
      throw new RunParameterError(
        `pipeline '${pipelineName}' takes the artifact input '${name}', which the local runner ` +
          `cannot supply yet.`,
        name,
        context,
      );
    }
  }
  return values;
}
