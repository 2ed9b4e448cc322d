/**
 * Decoding request bodies the way grpc-gateway's protojson does: field names in snake_case or
 * lowerCamelCase, `null` meaning unset, enums as names or numbers, int64 as numbers or decimal
 * strings, timestamps as RFC 3339 strings, and unknown fields refused. Every failure is an
 * {@link InvalidArgumentError} naming the field by its dotted path.
 */
import { InvalidArgumentError } from '../errors';

/** The type of one field of a message. */
export type FieldSpec =
  | 'string'
  | 'bool'
  | 'int32'
  | 'int64'
  | 'timestamp'
  /** google.protobuf.Struct: any JSON object. */
  | 'struct'
  /** google.protobuf.Value: any JSON value. */
  | 'value'
  | { readonly enum: readonly string[] }
  | { readonly message: MessageSpec }
  | { readonly map: FieldSpec }
  | { readonly list: FieldSpec };

/** A message: its fields by proto (snake_case) name. */
export interface MessageSpec {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

/** A decoded message: snake_case keys, unset fields absent. */
export type Decoded = Record<string, unknown>;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`${path} must be ${expected}; got ${describe(value)}.`, {
    field: path,
  });
}

/** Parses an RFC 3339 timestamp, or throws naming `path`. */
export function parseTimestamp(value: unknown, path: string): Date {
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    fail(path, 'an RFC 3339 timestamp such as "2024-01-01T00:00:00Z"', value);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) fail(path, 'a valid RFC 3339 timestamp', value);
  return date;
}

/** Parses an int64 given as a JSON number or a decimal string (within JS's safe range). */
export function parseInt64(value: unknown, path: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value.trim())
        ? Number(value.trim())
        : NaN;
  if (!Number.isSafeInteger(n)) fail(path, 'an integer (a number or a decimal string)', value);
  return n;
}

function decodeField(spec: FieldSpec, value: unknown, path: string): unknown {
  if (typeof spec === 'string') {
    switch (spec) {
      case 'string':
        return typeof value === 'string' ? value : fail(path, 'a string', value);
      case 'bool':
        return typeof value === 'boolean' ? value : fail(path, 'a boolean', value);
      case 'int32': {
        const n = parseInt64(value, path);
        return n >= INT32_MIN && n <= INT32_MAX ? n : fail(path, 'a 32-bit integer', value);
      }
      case 'int64':
        return parseInt64(value, path);
      case 'timestamp':
        return parseTimestamp(value, path);
      case 'struct':
        return isPlainObject(value) ? value : fail(path, 'a JSON object', value);
      case 'value':
        return value;
    }
  }
  if ('enum' in spec) {
    if (typeof value === 'string' && spec.enum.includes(value)) return value;
    if (typeof value === 'number' && Number.isInteger(value) && spec.enum[value] !== undefined) {
      return spec.enum[value];
    }
    return fail(path, `one of ${spec.enum.join(', ')}`, value);
  }
  if ('message' in spec) return decodeMessage(spec.message, value, path);
  if ('map' in spec) {
    if (!isPlainObject(value)) return fail(path, 'a JSON object', value);
    const out: Decoded = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = decodeField(spec.map, item, `${path}.${key}`);
    }
    return out;
  }
  if (!Array.isArray(value)) return fail(path, 'an array', value);
  return value.map((item, i) => decodeField(spec.list, item, `${path}[${i}]`));
}

/**
 * Decodes a JSON object as the message `spec` describes.
 *
 * @param spec - The message.
 * @param value - The parsed JSON.
 * @param path - The name of the message in error messages (`run`, `experiment`...).
 * @throws {@link InvalidArgumentError} naming the first bad field.
 */
export function decodeMessage(spec: MessageSpec, value: unknown, path: string): Decoded {
  if (!isPlainObject(value)) fail(path, `a JSON object (${spec.name})`, value);
  const out: Decoded = {};
  for (const [rawKey, item] of Object.entries(value)) {
    const key = spec.fields[rawKey] !== undefined ? rawKey : snakeCase(rawKey);
    const field = spec.fields[key];
    const where = `${path}.${key}`;
    if (field === undefined) {
      throw new InvalidArgumentError(
        `unknown field "${rawKey}" in ${path} (${spec.name}); known fields: ${Object.keys(spec.fields).join(', ')}.`,
        { field: `${path}.${rawKey}` },
      );
    }
    if (key in out) {
      throw new InvalidArgumentError(`${where} is given twice (as snake_case and camelCase).`, {
        field: where,
      });
    }
    if (item === null) continue;
    out[key] = decodeField(field, item, where);
  }
  return out;
}

/** A decoded string field, or `''` when unset. */
export function str(message: Decoded, key: string): string {
  const value = message[key];
  return typeof value === 'string' ? value : '';
}

/** A decoded sub-message, or `undefined` when unset. */
export function sub(message: Decoded, key: string): Decoded | undefined {
  const value = message[key];
  return isPlainObject(value) ? value : undefined;
}

/** Throws naming `path` when a required string is empty. */
export function requireString(message: Decoded, key: string, path: string): string {
  const value = str(message, key).trim() === '' ? '' : str(message, key);
  if (value === '') {
    throw new InvalidArgumentError(`${path}.${key} is required and must not be empty.`, {
      field: `${path}.${key}`,
    });
  }
  return value;
}
