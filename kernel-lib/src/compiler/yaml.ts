/**
 * The text of a compiled pipeline as the KFP SDK writes it: the `# PIPELINE DEFINITION` header
 * comment, then the PipelineSpec with mapping keys sorted at every level. Numbers that the IR
 * holds as doubles (protobuf `Value`s such as defaults and constants, the `deploymentSpec`
 * Struct, `backoffFactor`) are written the way Python writes floats, so `7` becomes `7.0`.
 */
import { Document, isPair, isScalar, visit, type Pair, type Scalar, type Tags } from 'yaml';
import { PipelineDefinitionError } from '../errors';
import type { PipelineSpec } from './spec';
import { jsonPath } from './validate';

type PathSegment = string | number;

const INT_TAG = 'tag:yaml.org,2002:int';
const FLOAT_TAG = 'tag:yaml.org,2002:float';
const STR_TAG = 'tag:yaml.org,2002:str';

/** KFP's names for parameter types in the header (`type_utils.IR_TYPE_TO_COMMENT_TYPE_STRING`). */
const HEADER_TYPE_NAMES: Record<string, string> = {
  STRING: 'str',
  NUMBER_INTEGER: 'int',
  NUMBER_DOUBLE: 'float',
  BOOLEAN: 'bool',
  LIST: 'list',
  STRUCT: 'dict',
  TASK_FINAL_STATUS: 'PipelineTaskFinalStatus',
};

/** What Python's `str.splitlines()` splits on. */
// eslint-disable-next-line no-control-regex -- these control characters are line breaks to Python
const PYTHON_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Characters that may not appear in a YAML comment, or would end it. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_IN_COMMENT = /[\x00-\x08\n-\x1f\x7f-\x9f\u2028\u2029\ufeff]/g;

/** Characters Python's `str.isprintable()` rejects (the space is printable). */
const PYTHON_UNPRINTABLE = /^(?! )[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** Orders strings by code point, as Python's `sorted` does (JS `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * Whether a number at this position is a double in the IR: inside a protobuf `Value`/`Struct`
 * (parameter defaults and literals, runtime constants, artifact metadata, the whole
 * `deploymentSpec`) or a `double` field. Only mapping keys are given, list indices left out.
 */
function isDoubleContext(keys: readonly string[]): boolean {
  if (keys[0] === 'deploymentSpec') return true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if ((key === 'defaultValue' || key === 'literals') && keys[i - 2] === 'parameters') return true;
    if (key === 'constant' && keys[i - 1] === 'runtimeValue') return true;
    if (key === 'backoffFactor' && keys[i - 1] === 'retryPolicy') return true;
    if (key === 'metadata' && keys[i - 2] === 'artifacts') return true;
    if (key === 'doubleValue' && i === keys.length - 1) return true;
  }
  return false;
}

/** Python's `repr(float)`: shortest round-trip digits, `7.0`, `1e-05`, `1e+16`, `inf`. */
function pythonFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exp = '0'] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exp);
  const sign = n < 0 ? '-' : '';
  const point = exponent + 1; // digits before the decimal point
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  const e = Math.abs(exponent).toString().padStart(2, '0');
  return `${sign}${digits[0] ?? ''}${fraction}e${exponent < 0 ? '-' : '+'}${e}`;
}

/** How PyYAML writes a float: `repr` lower-cased, with `.0` added before a bare exponent. */
function pyyamlFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const text = pythonFloatRepr(n);
  return text.includes('.') ? text : text.replace('e', '.0e');
}

/** Python's `repr(str)`. */
function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || PYTHON_UNPRINTABLE.test(ch)) {
      if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
      else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += `\\U${code.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/**
 * Python's `repr` of a default value as KFP reads it back from the IR, where every number is a
 * float: `7.0`, `'text'`, `True`, `['a', 'b']`, `{'x': 1.0}`. Mapping keys are sorted so the
 * header does not depend on the order the spec was built in.
 */
function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonFloatRepr(value);
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareCodePoints(a, b))
      .map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return pythonStringRepr(String(value));
}

/** Keeps a header line a single, valid YAML comment line. */
function commentText(text: string): string {
  return text.replace(NOT_IN_COMMENT, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

interface HeaderEntry {
  name: string;
  type: string;
  default?: unknown;
  hasDefault: boolean;
}

function signatureLines(heading: string, definitions: unknown): string[] {
  if (typeof definitions !== 'object' || definitions === null) return [];
  const { parameters, artifacts } = definitions as {
    parameters?: Record<string, { parameterType?: unknown; defaultValue?: unknown }>;
    artifacts?: Record<string, { artifactType?: { schemaTitle?: unknown } }>;
  };
  const entries: HeaderEntry[] = [];
  for (const [name, spec] of Object.entries(parameters ?? {})) {
    const type = String(spec?.parameterType ?? '');
    entries.push({
      name,
      type: HEADER_TYPE_NAMES[type] ?? type,
      default: spec?.defaultValue,
      hasDefault: spec?.defaultValue !== undefined,
    });
  }
  for (const [name, spec] of Object.entries(artifacts ?? {})) {
    entries.push({ name, type: String(spec?.artifactType?.schemaTitle ?? ''), hasDefault: false });
  }
  if (entries.length === 0) return [];
  entries.sort((a, b) => compareCodePoints(a.name, b.name));
  return [
    heading,
    ...entries.map((entry) => {
      const base = `#    ${commentText(entry.name)}: ${commentText(entry.type)}`;
      return entry.hasDefault
        ? `${base} [Default: ${commentText(pythonRepr(entry.default))}]`
        : base;
    }),
  ];
}

/**
 * The `# PIPELINE DEFINITION` comment KFP puts at the top of a compiled pipeline: name,
 * description, and the pipeline's inputs and outputs sorted by name, with their defaults.
 *
 * @param spec - The compiled pipeline.
 * @returns The comment lines, each ending with a newline.
 */
export function pipelineHeader(spec: PipelineSpec): string {
  const lines = [
    '# PIPELINE DEFINITION',
    `# Name: ${commentText(String(spec.pipelineInfo?.name ?? ''))}`,
  ];
  const description = spec.pipelineInfo?.description;
  if (typeof description === 'string' && description !== '') {
    const descriptionLines = description.split(PYTHON_LINE_BREAK);
    if (descriptionLines.length > 1 && descriptionLines[descriptionLines.length - 1] === '') {
      descriptionLines.pop();
    }
    lines.push(`# Description: ${descriptionLines.map(commentText).join('\n#              ')}`);
  }
  lines.push(...signatureLines('# Inputs:', spec.root?.inputDefinitions));
  lines.push(...signatureLines('# Outputs:', spec.root?.outputDefinitions));
  return `${lines.join('\n')}\n`;
}

function describeBadValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'bigint':
      return `a bigint (${value}n)`;
    case 'symbol':
    case 'function':
      return `a ${typeof value}`;
    case 'number':
      return Number.isFinite(value) ? undefined : `the number ${value}`;
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto === Object.prototype || proto === null) return undefined;
      const name = (value as { constructor?: { name?: string } }).constructor?.name;
      return `an instance of ${name ?? 'a class'}`;
    }
    default:
      return undefined;
  }
}

/** Throws unless the spec is plain JSON data (finite numbers, no cycles, no class instances). */
function assertSerializable(spec: PipelineSpec): void {
  const ancestors = new Map<object, PathSegment[]>();
  const fail = (path: PathSegment[], problem: string): never => {
    const pipeline = spec?.pipelineInfo?.name;
    throw new PipelineDefinitionError(
      `Cannot serialize the pipeline: ${jsonPath(path)} ${problem}; a compiled pipeline holds only JSON values (strings, finite numbers, booleans, null, lists and plain objects)`,
      typeof pipeline === 'string' ? { pipeline } : {},
    );
  };
  const walk = (value: unknown, path: PathSegment[]): void => {
    const bad = describeBadValue(value);
    if (bad !== undefined) fail(path, `is ${bad}`);
    if (typeof value !== 'object' || value === null) return;
    const seen = ancestors.get(value);
    if (seen !== undefined) fail(path, `refers back to ${jsonPath(seen)} (circular reference)`);
    ancestors.set(value, path);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (value[i] === undefined)
          fail([...path, i], 'is undefined (a hole or undefined in a list)');
        walk(value[i], [...path, i]);
      }
    } else {
      for (const [key, child] of Object.entries(value)) {
        if (child !== undefined) walk(child, [...path, key]);
      }
    }
    ancestors.delete(value);
  };
  walk(spec, []);
}

/**
 * Characters that must be written as escapes, in a double-quoted string: controls other than tab
 * and newline, DEL and the C1 range (not printable in YAML; U+0085 is a line break to YAML 1.1
 * readers such as PyYAML, as are U+2028/U+2029), U+FEFF, non-characters and lone surrogates.
 */
const NEEDS_ESCAPE =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\u{d800}-\u{dfff}]/u;

const ESCAPE_IN_JSON_TOO = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * A double-quoted YAML scalar on one line. JSON string syntax is valid double-quoted YAML (1.1
 * and 1.2); the characters JSON leaves raw but YAML may not are escaped as well.
 */
function doubleQuoted(value: string): string {
  return JSON.stringify(value).replace(
    ESCAPE_IN_JSON_TOO,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The core schema's tags, adjusted to write like the KFP SDK (PyYAML): the number nodes in
 * `doubles` as Python floats, and quoted one-line strings in single quotes (`'it''s'`) where the
 * yaml package would switch to double quotes because the string holds a single quote.
 */
function kfpTags(doubles: WeakSet<Scalar>): (tags: Tags) => Tags {
  return (tags) =>
    tags.map((tag) => {
      if (typeof tag === 'string' || tag.collection !== undefined) return tag;
      const stringify = tag.stringify;
      if (stringify === undefined) return tag;
      if (tag.tag === INT_TAG || tag.tag === FLOAT_TAG) {
        return {
          ...tag,
          stringify(item, ctx, onComment, onChompKeep): string {
            if (typeof item.value === 'number' && doubles.has(item)) return pyyamlFloat(item.value);
            return stringify(item, ctx, onComment, onChompKeep);
          },
        };
      }
      if (tag.tag !== STR_TAG) return tag;
      return {
        ...tag,
        stringify(item, ctx, onComment, onChompKeep): string {
          const value = item.value;
          if (typeof value !== 'string') return stringify(item, ctx, onComment, onChompKeep);
          if (NEEDS_ESCAPE.test(value)) return doubleQuoted(value);
          // PyYAML cannot read a tab in a plain scalar, and reads a plain = or << as special tags
          if ((value.includes('\t') && !value.includes('\n')) || value === '=' || value === '<<') {
            item.type = 'QUOTE_SINGLE';
          }
          const text = stringify(item, ctx, onComment, onChompKeep);
          if (!text.startsWith('"')) return text;
          return value.includes('\n') ? doubleQuoted(value) : `'${value.replace(/'/g, "''")}'`;
        },
      };
    });
}

function pairKey(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/**
 * The YAML text of a compiled pipeline, the way the KFP SDK writes it: the
 * `# PIPELINE DEFINITION` header, then every mapping with its keys sorted (lists keep their
 * order), block style, sequences not indented under their key, double-valued numbers as `7.0`.
 * Strings are never folded: long ones stay on one line and multi-line ones become literal block
 * scalars, so every string reads back exactly. Strings that YAML 1.1 readers (PyYAML, Go) would
 * take for another type (`yes`, `on`, `0o17`, `12:30`) are quoted.
 *
 * @param spec - The compiled pipeline.
 * @returns The YAML text, ending with a newline.
 * @throws {@link PipelineDefinitionError} if the spec holds something that is not JSON data.
 */
export function pipelineToYaml(spec: PipelineSpec): string {
  assertSerializable(spec);
  const doubles = new WeakSet<Scalar>();
  const doc = new Document(spec, {
    aliasDuplicateObjects: false,
    compat: 'yaml-1.1',
    customTags: kfpTags(doubles),
    sortMapEntries: (a, b) => compareCodePoints(pairKey(a), pairKey(b)),
  });
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'number') return;
      const keys = path.filter(isPair).map(pairKey);
      if (isDoubleContext(keys)) doubles.add(node);
    },
  });
  const body = doc.toString({
    blockQuote: 'literal',
    indentSeq: false,
    lineWidth: 0,
    singleQuote: true,
  });
  return pipelineHeader(spec) + body;
}

function writeJson(value: unknown, keys: string[], indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    return isDoubleContext(keys) ? pythonFloatRepr(value) : JSON.stringify(value);
  }
  if (typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => inner + writeJson(item, keys, inner));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareCodePoints(a, b));
  if (entries.length === 0) return '{}';
  const items = entries.map(
    ([k, v]) => `${inner}${JSON.stringify(k)}: ${writeJson(v, [...keys, k], inner)}`,
  );
  return `{\n${items.join(',\n')}\n${indent}}`;
}

/**
 * The JSON text of a compiled pipeline, as the KFP SDK writes a `.json` package
 * (`json.dump(..., indent=2, sort_keys=True)`): 2-space indent, keys sorted, double-valued
 * numbers as `7.0`. No trailing newline.
 *
 * @param spec - The compiled pipeline.
 * @throws {@link PipelineDefinitionError} if the spec holds something that is not JSON data.
 */
export function pipelineToJson(spec: PipelineSpec): string {
  assertSerializable(spec);
  return writeJson(spec, [], '');
}
