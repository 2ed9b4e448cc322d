/**
 * Strict validation of KFP IR (PipelineSpec, schemaVersion 2.1.0) in its ProtoJSON form against
 * `kfp/proto/pipeline_spec.proto` from the shared folder, using protobufjs reflection.
 *
 * protobufjs' own `fromObject` silently drops unknown keys and does not understand the ProtoJSON
 * mapping of well-known types, so this module walks the reflected schema itself and reports every
 * problem with the JSON path that caused it, e.g.
 *   `root.dag.tasks.fit.cachingOptions.enableCach: unknown field in ml_pipelines.PipelineTaskSpec.CachingOptions`
 *
 * Rules (ProtoJSON, https://protobuf.dev/programming-guides/json/):
 * - keys are the lowerCamel JSON name or the field name as written in the .proto;
 *   the same field given twice (under both names) is an error;
 * - `null` for a field means "unset" (except google.protobuf.Value / NullValue, where it is a value);
 *   `null` inside a list or as a map value is an error; an `undefined` property is treated as absent;
 * - at most one member of a oneof may be present (a `null` member counts, as in the Python parser);
 * - enums are value names, or numbers — numbers must name a defined value (stricter than
 *   ProtoJSON, which accepts any int32 for open enums);
 * - 32-bit integers are integral numbers or decimal strings; 64-bit integers likewise, but numbers
 *   beyond 2^53 are rejected (they lose precision; write them as strings);
 * - double/float are finite numbers or numeric strings, or "NaN" / "Infinity" / "-Infinity";
 * - bytes are base64 (standard or URL-safe) strings;
 * - google.protobuf.Value is any JSON value, Struct any JSON object, ListValue any JSON array,
 *   Duration a string like "10s" / "1.5s", Timestamp an RFC 3339 string, FieldMask a string,
 *   wrapper types their bare scalar, Any an object with "@type" naming a type in the Root.
 *
 * `deploymentSpec` is a google.protobuf.Struct in PipelineSpec; it is validated a second time as
 * `ml_pipelines.PipelineDeploymentConfig`, which is what KFP backends decode it into.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { expectedSharedDir, SHARED_ENV, sharedDir } from './shared';

/** Location of the KFP proto inside the shared folder. */
export const PIPELINE_SPEC_PROTO: readonly string[] = ['kfp', 'proto', 'pipeline_spec.proto'];

const PIPELINE_SPEC = 'ml_pipelines.PipelineSpec';
const DEPLOYMENT_CONFIG = 'ml_pipelines.PipelineDeploymentConfig';
const PLATFORM_SPEC = 'ml_pipelines.PlatformSpec';
const RPC_STATUS_IMPORT = 'google/rpc/status.proto';
const MAX_REPORTED_ISSUES = 25;

/** Options for `Type.toObject` that give the closest thing to ProtoJSON values. */
const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  json: true,
};

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

let cachedRoot: protobuf.Root | undefined;

/** Adds a minimal google.rpc.Status (code, message, details) to `root` via reflection. */
function defineRpcStatus(root: protobuf.Root): void {
  const status = new protobuf.Type('Status')
    .add(new protobuf.Field('code', 1, 'int32'))
    .add(new protobuf.Field('message', 2, 'string'))
    .add(new protobuf.Field('details', 3, 'google.protobuf.Any', 'repeated'));
  root.define('google.rpc').add(status);
}

/**
 * The protobufjs Root for `pipeline_spec.proto` (plus google.protobuf.Any and a minimal
 * google.rpc.Status), loaded once and cached. Throws when the shared folder is missing.
 */
export function loadProtoRoot(): protobuf.Root {
  if (cachedRoot !== undefined) return cachedRoot;
  const dir = sharedDir();
  if (dir === undefined) {
    throw new Error(
      `[pipelab] cannot load pipeline_spec.proto: ../shared not found at ${expectedSharedDir()} ` +
        `(set ${SHARED_ENV} to its path)`,
    );
  }
  const file = path.join(dir, ...PIPELINE_SPEC_PROTO);
  if (!fs.existsSync(file)) throw new Error(`[pipelab] ${file} does not exist`);

  const root = new protobuf.Root();
  // google/rpc/status.proto is not bundled with protobufjs: skip the import and define the
  // message ourselves. google/protobuf/* imports are served from protobufjs' bundled copies.
  root.resolvePath = (origin: string, target: string): string | null =>
    target === RPC_STATUS_IMPORT
      ? null
      : protobuf.Root.prototype.resolvePath.call(root, origin, target);
  defineRpcStatus(root);
  root.loadSync([file, 'google/protobuf/any.proto']);
  root.resolveAll();
  cachedRoot = root;
  return root;
}

function lookupMessage(typeName: string): protobuf.Type {
  return loadProtoRoot().lookupType(typeName);
}

// ---------------------------------------------------------------------------------------------
// Errors and paths
// ---------------------------------------------------------------------------------------------

/** One problem found while validating, `path` being a JSON path like `root.dag.tasks.fit`. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown by the validators; the message lists `path: problem` lines. */
export class ProtoValidationError extends Error {
  readonly issues: readonly ValidationIssue[];

  constructor(typeName: string, issues: readonly ValidationIssue[]) {
    const lines = issues.slice(0, MAX_REPORTED_ISSUES).map(formatIssue);
    if (issues.length > MAX_REPORTED_ISSUES) {
      lines.push(`... and ${issues.length - MAX_REPORTED_ISSUES} more`);
    }
    super(
      issues.length === 1
        ? (lines[0] ?? '')
        : `${issues.length} problems validating ${typeName}:\n  ${lines.join('\n  ')}`,
    );
    this.name = 'ProtoValidationError';
    this.issues = issues;
  }
}

function formatIssue(issue: ValidationIssue): string {
  return `${issue.path === '' ? '(top level)' : issue.path}: ${issue.message}`;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

function childPath(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

class Issues {
  readonly list: ValidationIssue[] = [];
  private readonly seen = new Set<string>();

  add(path: string, message: string): undefined {
    const key = `${path}\u0000${message}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.list.push({ path, message });
    }
    return undefined;
  }

  throwIfAny(typeName: string): void {
    if (this.list.length > 0) throw new ProtoValidationError(typeName, this.list);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Short description of a JSON value's kind, for messages. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') {
    if (isPlainObject(value)) return 'object';
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return `non-JSON object (${typeof ctor?.name === 'string' ? ctor.name : 'unknown'})`;
  }
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

function typeName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

function editDistance(a: string, b: string): number {
  const row: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function suggestField(type: protobuf.Type, key: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const field of type.fieldsArray) {
    const d = editDistance(key.toLowerCase(), field.jsonName.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = field.jsonName;
    }
  }
  const limit = Math.max(1, Math.floor(key.length / 3));
  return best !== undefined && bestDistance <= limit ? ` (did you mean "${best}"?)` : '';
}

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const JSON_INTEGER = /^-?(?:0|[1-9]\d*)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const BASE64_URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const FLOAT_MAX = 3.4028234663852886e38;

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function is64Bit(kind: string): boolean {
  return kind.endsWith('64') && kind !== 'double';
}

/** Returns the integer for fromObject (number for 32-bit, decimal string for 64-bit). */
function checkInteger(kind: string, value: unknown, path: string, issues: Issues): unknown {
  const range = INT_RANGES[kind];
  if (range === undefined) return issues.add(path, `unsupported scalar type ${kind}`);
  let asBig: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      return issues.add(path, `expected ${kind} integer, got ${kindOf(value)}`);
    if (is64Bit(kind) && !Number.isSafeInteger(value)) {
      return issues.add(
        path,
        `${kind} ${value} exceeds 2^53 and loses precision; write it as a decimal string`,
      );
    }
    asBig = BigInt(value);
  } else if (typeof value === 'string') {
    if (JSON_INTEGER.test(value)) {
      asBig = BigInt(value);
    } else if (JSON_NUMBER.test(value) && Number.isSafeInteger(Number(value))) {
      asBig = BigInt(Number(value));
    } else {
      return issues.add(path, `expected ${kind} integer, got ${kindOf(value)}`);
    }
  } else {
    return issues.add(
      path,
      `expected ${kind} integer (number or decimal string), got ${kindOf(value)}`,
    );
  }
  if (asBig < range[0] || asBig > range[1]) {
    return issues.add(path, `${kind} value ${asBig} out of range [${range[0]}, ${range[1]}]`);
  }
  return is64Bit(kind) ? asBig.toString() : Number(asBig);
}

function checkFloat(kind: string, value: unknown, path: string, issues: Issues): unknown {
  let n: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      return issues.add(
        path,
        `${kind} ${value} is not valid JSON; use "NaN", "Infinity" or "-Infinity"`,
      );
    }
    n = value;
  } else if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (!JSON_NUMBER.test(value)) return issues.add(path, `expected ${kind}, got ${kindOf(value)}`);
    n = Number(value);
    if (!Number.isFinite(n)) return issues.add(path, `${kind} value ${value} out of range`);
  } else {
    return issues.add(path, `expected ${kind} (number), got ${kindOf(value)}`);
  }
  if (kind === 'float' && Math.abs(n) > FLOAT_MAX) {
    return issues.add(path, `float value ${n} out of range`);
  }
  return n;
}

function checkScalar(kind: string, value: unknown, path: string, issues: Issues): unknown {
  switch (kind) {
    case 'string':
      return typeof value === 'string'
        ? value
        : issues.add(path, `expected string, got ${kindOf(value)}`);
    case 'bool':
      return typeof value === 'boolean'
        ? value
        : issues.add(path, `expected boolean, got ${kindOf(value)}`);
    case 'double':
    case 'float':
      return checkFloat(kind, value, path, issues);
    case 'bytes':
      if (typeof value !== 'string')
        return issues.add(path, `expected base64 string, got ${kindOf(value)}`);
      if (BASE64.test(value)) return value;
      if (BASE64_URL.test(value)) {
        const std = value.replace(/-/g, '+').replace(/_/g, '/');
        return std.padEnd(Math.ceil(std.length / 4) * 4, '=');
      }
      return issues.add(path, `expected base64 string, got ${kindOf(value)}`);
    default:
      return checkInteger(kind, value, path, issues);
  }
}

function checkEnum(en: protobuf.Enum, value: unknown, path: string, issues: Issues): unknown {
  const name = typeName(en);
  if (name === 'google.protobuf.NullValue' && value === null) return 0;
  if (typeof value === 'string') {
    if (Object.prototype.hasOwnProperty.call(en.values, value)) return value;
    const names = Object.keys(en.values);
    return issues.add(
      path,
      `unknown enum value ${JSON.stringify(value)} for ${name} (expected one of ${names.join(', ')})`,
    );
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && en.valuesById[value] !== undefined) return value;
    return issues.add(path, `unknown enum number ${value} for ${name}`);
  }
  return issues.add(path, `expected ${name} enum name (string), got ${kindOf(value)}`);
}

// ---------------------------------------------------------------------------------------------
// Well-known types
// ---------------------------------------------------------------------------------------------

const WRAPPERS = new Set(
  [
    'DoubleValue',
    'FloatValue',
    'Int64Value',
    'UInt64Value',
    'Int32Value',
    'UInt32Value',
    'BoolValue',
    'StringValue',
    'BytesValue',
  ].map((n) => `google.protobuf.${n}`),
);

/** Well-known types whose JSON form is not a plain object of their fields. */
const SPECIAL_JSON = new Set([
  'google.protobuf.Value',
  'google.protobuf.Struct',
  'google.protobuf.ListValue',
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Any',
  ...WRAPPERS,
]);

const MAX_DURATION_SECONDS = 315_576_000_000n;
const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** google.protobuf.Value from any JSON value, as a protobufjs object. */
function checkJsonValue(value: unknown, path: string, issues: Issues): unknown {
  if (value === null) return { nullValue: 0 };
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return Number.isFinite(value)
        ? { numberValue: value }
        : issues.add(path, `${value} is not a valid JSON number`);
    default:
      break;
  }
  if (Array.isArray(value)) {
    const list = checkJsonList(value, path, issues);
    return list === undefined ? undefined : { listValue: list };
  }
  if (isPlainObject(value)) {
    const struct = checkJsonStruct(value, path, issues);
    return struct === undefined ? undefined : { structValue: struct };
  }
  return issues.add(path, `expected a JSON value, got ${kindOf(value)}`);
}

function checkJsonStruct(value: JsonObject, path: string, issues: Issues): unknown {
  const fields: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    fields[key] = checkJsonValue(item, childPath(path, key), issues);
  }
  return { fields };
}

function checkJsonList(value: unknown[], path: string, issues: Issues): unknown {
  const values: unknown[] = [];
  value.forEach((item, i) => {
    values.push(
      item === undefined
        ? issues.add(indexPath(path, i), 'undefined is not a JSON value')
        : checkJsonValue(item, indexPath(path, i), issues),
    );
  });
  return { values };
}

function checkDuration(value: unknown, path: string, issues: Issues): unknown {
  const m = typeof value === 'string' ? DURATION.exec(value) : null;
  if (m === null) {
    return issues.add(
      path,
      `expected google.protobuf.Duration string like "10s" or "1.5s", got ${kindOf(value)}`,
    );
  }
  const negative = m[1] === '-';
  const seconds = BigInt(m[2] ?? '0');
  if (seconds > MAX_DURATION_SECONDS)
    return issues.add(path, `duration ${String(value)} out of range`);
  const nanos = Number((m[3] ?? '').padEnd(9, '0'));
  return {
    seconds: (negative ? -seconds : seconds).toString(),
    nanos: negative ? -nanos : nanos,
  };
}

function checkTimestamp(value: unknown, path: string, issues: Issues): unknown {
  const m = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  const millis = m === null ? NaN : Date.parse(String(value).replace(/\.\d+/, ''));
  if (m === null || Number.isNaN(millis)) {
    return issues.add(path, `expected RFC 3339 timestamp string, got ${kindOf(value)}`);
  }
  const year = Number(m[1]);
  if (year < 1 || year > 9999) return issues.add(path, `timestamp ${String(value)} out of range`);
  return {
    seconds: Math.floor(millis / 1000).toString(),
    nanos: Number((m[7] ?? '').padEnd(9, '0')),
  };
}

function checkFieldMask(value: unknown, path: string, issues: Issues): unknown {
  if (typeof value !== 'string') {
    return issues.add(path, `expected google.protobuf.FieldMask string, got ${kindOf(value)}`);
  }
  const paths = value === '' ? [] : value.split(',');
  for (const p of paths) {
    if (!/^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*$/.test(p)) {
      return issues.add(path, `invalid FieldMask path ${JSON.stringify(p)}`);
    }
  }
  return { paths: paths.map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) };
}

function checkAny(type: protobuf.Type, value: unknown, path: string, issues: Issues): unknown {
  if (!isPlainObject(value)) {
    return issues.add(path, `expected object for google.protobuf.Any, got ${kindOf(value)}`);
  }
  const typeUrl = value['@type'];
  if (typeUrl === undefined && Object.keys(value).length === 0) return {};
  if (typeof typeUrl !== 'string' || typeUrl === '') {
    return issues.add(childPath(path, '@type'), 'google.protobuf.Any needs a string "@type"');
  }
  const inner = type.root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!(inner instanceof protobuf.Type)) {
    return issues.add(
      childPath(path, '@type'),
      `cannot resolve Any type ${JSON.stringify(typeUrl)}`,
    );
  }
  let content: unknown;
  if (SPECIAL_JSON.has(typeName(inner))) {
    for (const key of Object.keys(value)) {
      if (key !== '@type' && key !== 'value') {
        issues.add(
          childPath(path, key),
          `unknown field in google.protobuf.Any of ${typeName(inner)}`,
        );
      }
    }
    content = checkMessage(inner, value.value, childPath(path, 'value'), issues);
  } else {
    const rest: JsonObject = { ...value };
    delete rest['@type'];
    content = checkMessage(inner, rest, path, issues);
  }
  if (content === undefined) return undefined;
  return {
    type_url: typeUrl,
    value: inner.encode(inner.fromObject(content as JsonObject)).finish(),
  };
}

function checkSpecial(
  type: protobuf.Type,
  name: string,
  value: unknown,
  path: string,
  issues: Issues,
): unknown {
  switch (name) {
    case 'google.protobuf.Value':
      return value === undefined
        ? issues.add(path, 'undefined is not a JSON value')
        : checkJsonValue(value, path, issues);
    case 'google.protobuf.Struct':
      return isPlainObject(value)
        ? checkJsonStruct(value, path, issues)
        : issues.add(path, `expected object for google.protobuf.Struct, got ${kindOf(value)}`);
    case 'google.protobuf.ListValue':
      return Array.isArray(value)
        ? checkJsonList(value, path, issues)
        : issues.add(path, `expected array for google.protobuf.ListValue, got ${kindOf(value)}`);
    case 'google.protobuf.Duration':
      return checkDuration(value, path, issues);
    case 'google.protobuf.Timestamp':
      return checkTimestamp(value, path, issues);
    case 'google.protobuf.FieldMask':
      return checkFieldMask(value, path, issues);
    case 'google.protobuf.Any':
      return checkAny(type, value, path, issues);
    default: {
      // wrapper types: the JSON form is the wrapped scalar
      const inner = type.fields.value;
      if (inner === undefined) return issues.add(path, `unsupported well-known type ${name}`);
      const scalar = checkScalar(inner.type, value, path, issues);
      return scalar === undefined ? undefined : { value: scalar };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

const fieldIndexes = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** JSON keys accepted for each field: the JSON name and the name as written in the .proto. */
function fieldIndex(type: protobuf.Type): Map<string, protobuf.Field> {
  let index = fieldIndexes.get(type);
  if (index === undefined) {
    index = new Map();
    for (const field of type.fieldsArray) {
      field.resolve();
      index.set(field.jsonName, field);
      index.set(field.protoName, field);
    }
    fieldIndexes.set(type, index);
  }
  return index;
}

function isNullValueType(field: protobuf.Field): boolean {
  const t = field.resolvedType;
  if (t === null) return false;
  const name = typeName(t);
  return name === 'google.protobuf.Value' || name === 'google.protobuf.NullValue';
}

function describeFieldType(field: protobuf.Field): string {
  return field.resolvedType !== null ? typeName(field.resolvedType) : field.type;
}

function checkSingle(field: protobuf.Field, value: unknown, path: string, issues: Issues): unknown {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) return checkMessage(t, value, path, issues);
  if (t instanceof protobuf.Enum) return checkEnum(t, value, path, issues);
  return checkScalar(field.type, value, path, issues);
}

function checkMapKey(keyType: string, key: string, path: string, issues: Issues): void {
  if (keyType === 'string') return;
  if (keyType === 'bool') {
    if (key !== 'true' && key !== 'false') issues.add(path, `map key must be "true" or "false"`);
    return;
  }
  if (!JSON_INTEGER.test(key)) {
    issues.add(path, `map key ${JSON.stringify(key)} is not a ${keyType}`);
    return;
  }
  checkInteger(keyType, key, path, issues);
}

function checkField(field: protobuf.Field, value: unknown, path: string, issues: Issues): unknown {
  const elementType = describeFieldType(field);
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) {
      return issues.add(
        path,
        `expected object for map<${field.keyType}, ${elementType}>, got ${kindOf(value)}`,
      );
    }
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const itemPath = childPath(path, key);
      checkMapKey(field.keyType, key, itemPath, issues);
      out[key] =
        item === null && !isNullValueType(field)
          ? issues.add(itemPath, `map value must not be null (expected ${elementType})`)
          : checkSingle(field, item, itemPath, issues);
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      return issues.add(
        path,
        `expected array for repeated field (${elementType}), got ${kindOf(value)}`,
      );
    }
    return value.map((item: unknown, i) => {
      const itemPath = indexPath(path, i);
      if (item === undefined || (item === null && !isNullValueType(field))) {
        return issues.add(
          itemPath,
          `list element must not be ${String(item)} (expected ${elementType})`,
        );
      }
      return checkSingle(field, item, itemPath, issues);
    });
  }
  return checkSingle(field, value, path, issues);
}

/**
 * Validates `value` as message `type` and returns the equivalent protobufjs plain object
 * (for `Type.fromObject`), or undefined where the value was invalid. Problems go to `issues`.
 */
function checkMessage(type: protobuf.Type, value: unknown, path: string, issues: Issues): unknown {
  const name = typeName(type);
  if (SPECIAL_JSON.has(name)) return checkSpecial(type, name, value, path, issues);
  if (!isPlainObject(value)) {
    return issues.add(path, `expected object for message ${name}, got ${kindOf(value)}`);
  }
  const index = fieldIndex(type);
  const out: JsonObject = {};
  const keyOfField = new Map<protobuf.Field, string>();
  const keyOfOneof = new Map<protobuf.OneOf, string>();
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const itemPath = childPath(path, key);
    const field = index.get(key);
    if (field === undefined) {
      issues.add(itemPath, `unknown field in ${name}${suggestField(type, key)}`);
      continue;
    }
    const previous = keyOfField.get(field);
    if (previous !== undefined) {
      issues.add(
        itemPath,
        `field ${field.protoName} of ${name} is set twice ("${previous}" and "${key}")`,
      );
      continue;
    }
    keyOfField.set(field, key);
    const oneof = field.partOf;
    if (oneof !== null) {
      const other = keyOfOneof.get(oneof);
      if (other !== undefined) {
        issues.add(itemPath, `oneof "${oneof.name}" of ${name} is already set by "${other}"`);
        continue;
      }
      keyOfOneof.set(oneof, key);
    }
    // null means unset, except for a singular google.protobuf.Value / NullValue
    if (item === null && (field.map || field.repeated || !isNullValueType(field))) continue;
    out[field.name] = checkField(field, item, itemPath, issues);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Back from protobufjs objects to ProtoJSON
// ---------------------------------------------------------------------------------------------

function formatFraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

function fromObjectValue(v: JsonObject): unknown {
  if ('nullValue' in v) return null;
  if ('numberValue' in v) return v.numberValue;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if (isPlainObject(v.structValue)) return fromObjectStruct(v.structValue);
  if (isPlainObject(v.listValue)) return fromObjectList(v.listValue);
  return null;
}

function fromObjectStruct(v: JsonObject): JsonObject {
  const fields = isPlainObject(v.fields) ? v.fields : {};
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(fields)) {
    out[key] = isPlainObject(item) ? fromObjectValue(item) : null;
  }
  return out;
}

function fromObjectList(v: JsonObject): unknown[] {
  const values = Array.isArray(v.values) ? (v.values as unknown[]) : [];
  return values.map((item) => (isPlainObject(item) ? fromObjectValue(item) : null));
}

function fromObjectSpecial(type: protobuf.Type, name: string, v: JsonObject): unknown {
  switch (name) {
    case 'google.protobuf.Value':
      return fromObjectValue(v);
    case 'google.protobuf.Struct':
      return fromObjectStruct(v);
    case 'google.protobuf.ListValue':
      return fromObjectList(v);
    case 'google.protobuf.Duration': {
      const seconds = BigInt(String(v.seconds ?? '0'));
      const nanos = Number(v.nanos ?? 0);
      const sign = seconds < 0n || nanos < 0 ? '-' : '';
      const abs = seconds < 0n ? -seconds : seconds;
      return `${sign}${abs}${formatFraction(Math.abs(nanos))}s`;
    }
    case 'google.protobuf.Timestamp': {
      const iso = new Date(Number(v.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
      return `${iso}${formatFraction(Number(v.nanos ?? 0))}Z`;
    }
    case 'google.protobuf.FieldMask': {
      const paths = Array.isArray(v.paths) ? (v.paths as unknown[]) : [];
      return paths
        .map((p) => String(p).replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()))
        .join(',');
    }
    case 'google.protobuf.Any': {
      const typeUrl = v['@type'];
      if (typeof typeUrl !== 'string') return {};
      const inner = type.root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
      if (!(inner instanceof protobuf.Type)) return { '@type': typeUrl };
      const rest: JsonObject = { ...v };
      delete rest['@type'];
      const content = fromObjectMessage(inner, rest);
      return SPECIAL_JSON.has(typeName(inner))
        ? { '@type': typeUrl, value: content }
        : { '@type': typeUrl, ...(content as JsonObject) };
    }
    default:
      return v.value;
  }
}

function fromObjectMessage(type: protobuf.Type, v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  const name = typeName(type);
  if (SPECIAL_JSON.has(name)) return fromObjectSpecial(type, name, v);
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const item = v[field.name];
    if (item === undefined || item === null) continue;
    const elementType = field.resolvedType;
    const convert = (x: unknown): unknown =>
      elementType instanceof protobuf.Type ? fromObjectMessage(elementType, x) : x;
    if (field instanceof protobuf.MapField && isPlainObject(item)) {
      out[field.jsonName] = Object.fromEntries(
        Object.entries(item).map(([key, x]) => [key, convert(x)]),
      );
    } else if (field.repeated && Array.isArray(item)) {
      out[field.jsonName] = item.map(convert);
    } else {
      out[field.jsonName] = convert(item);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Validates `value` (ProtoJSON form) as the message `messageType`, e.g. `ml_pipelines.PlatformSpec`. */
export function validateMessage(messageType: string, value: unknown): void {
  const issues = new Issues();
  checkMessage(lookupMessage(messageType), value, '', issues);
  issues.throwIfAny(messageType);
}

/** The deploymentSpec member of a PipelineSpec object, with the key it was found under. */
function deploymentSpecOf(spec: unknown): [string, unknown] | undefined {
  if (!isPlainObject(spec)) return undefined;
  for (const key of ['deploymentSpec', 'deployment_spec']) {
    if (spec[key] !== undefined && spec[key] !== null) return [key, spec[key]];
  }
  return undefined;
}

function checkPipelineSpec(spec: unknown, issues: Issues): unknown {
  const out = checkMessage(lookupMessage(PIPELINE_SPEC), spec, '', issues);
  const deployment = deploymentSpecOf(spec);
  if (deployment !== undefined && isPlainObject(deployment[1])) {
    checkMessage(lookupMessage(DEPLOYMENT_CONFIG), deployment[1], deployment[0], issues);
  }
  return out;
}

/**
 * Strictly validates a PipelineSpec in its JSON form (as parsed from the compiled YAML) against
 * pipeline_spec.proto; `deploymentSpec` is also checked as ml_pipelines.PipelineDeploymentConfig.
 * Throws {@link ProtoValidationError} naming the JSON path of each problem.
 */
export function validatePipelineSpec(spec: unknown): void {
  const issues = new Issues();
  checkPipelineSpec(spec, issues);
  issues.throwIfAny(PIPELINE_SPEC);
}

/** Validates the optional second YAML document of a compiled pipeline (`platforms: ...`). */
export function validatePlatformSpec(platformSpec: unknown): void {
  validateMessage(PLATFORM_SPEC, platformSpec);
}

function encodeDecode(type: protobuf.Type, object: unknown): JsonObject {
  const message = type.fromObject(object as JsonObject);
  const bytes = type.encode(message).finish();
  return type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS);
}

/**
 * Validates `spec`, then encodes it to the protobuf wire format and back with protobufjs
 * (fromObject → encode → decode → toObject) and returns the decoded spec in ProtoJSON form.
 * `deploymentSpec` is additionally encoded as ml_pipelines.PipelineDeploymentConfig to prove it
 * encodes; the returned copy keeps it as the Struct that PipelineSpec declares.
 * Fields holding proto3 default values ("" / 0 / false) are dropped, as in ProtoJSON output.
 */
export function roundTrip(spec: unknown): Record<string, unknown> {
  const issues = new Issues();
  const object = checkPipelineSpec(spec, issues);
  issues.throwIfAny(PIPELINE_SPEC);
  const type = lookupMessage(PIPELINE_SPEC);
  const decoded = encodeDecode(type, object);

  const deployment = deploymentSpecOf(spec);
  if (deployment !== undefined) {
    const configType = lookupMessage(DEPLOYMENT_CONFIG);
    encodeDecode(configType, checkMessage(configType, deployment[1], deployment[0], issues));
  }
  return fromObjectMessage(type, decoded) as Record<string, unknown>;
}
