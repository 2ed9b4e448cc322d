/**
 * The `filter` query parameter of list operations: a JSON-encoded v2beta1Filter, as the KFP
 * client sends it (`operation` as a name or a number, values in snake_case or camelCase). Its
 * predicates are checked against the fields the resource allows and normalized for comparison:
 * time fields to seconds since the epoch (KFP compares Unix seconds), enums to their names.
 */
import { InvalidArgumentError } from '../errors';
import type { FieldColumn, FieldMap, Predicate, PredicateOp, Scalar } from '../store/list-query';
import { decodeMessage, parseTimestamp, sub, type Decoded } from './input';
import { FILTER } from './messages';

const SCALAR_VALUES = ['int_value', 'long_value', 'string_value', 'timestamp_value'] as const;
const LIST_VALUES = ['int_values', 'long_values', 'string_values'] as const;

function bad(message: string): never {
  throw new InvalidArgumentError(message, { field: 'filter' });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (first) {
    // Some clients encode the filter twice; KFP unescapes it once more, so accept that too.
    try {
      return JSON.parse(decodeURIComponent(raw)) as unknown;
    } catch {
      bad(
        `filter is not valid JSON (${first instanceof Error ? first.message : String(first)}): ${raw}`,
      );
    }
  }
}

function normalize(field: FieldColumn, key: string, value: unknown): Scalar {
  if (field.kind === 'time') {
    if (value instanceof Date) return Math.floor(value.getTime() / 1000);
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
    if (typeof value === 'string') {
      return Math.floor(parseTimestamp(value, `filter predicate on ${key}`).getTime() / 1000);
    }
    return bad(
      `filter predicate on ${key} needs a time (timestamp_value, seconds, or RFC 3339 string).`,
    );
  }
  const text = value instanceof Date ? value.toISOString() : String(value);
  if (field.kind === 'enum') return text.toUpperCase().replace(/^STORAGESTATE_/, '');
  return text;
}

function toPredicate(raw: Decoded, index: number, fields: FieldMap): Predicate {
  const where = `filter.predicates[${index}]`;
  const key = typeof raw.key === 'string' ? raw.key : '';
  if (key === '') bad(`${where}.key is required.`);
  const field = fields[key];
  if (field === undefined) {
    bad(
      `no support for filtering on unrecognized field "${key}"; fields: ${Object.keys(fields).join(', ')}.`,
    );
  }
  const op = raw.operation;
  if (op === undefined || op === 'OPERATION_UNSPECIFIED') bad(`${where}.operation is required.`);
  const scalars = SCALAR_VALUES.filter((k) => raw[k] !== undefined);
  const lists = LIST_VALUES.filter((k) => raw[k] !== undefined);
  if (scalars.length + lists.length === 0) bad(`no value set for predicate on key "${key}".`);
  if (scalars.length + lists.length > 1) {
    bad(
      `predicate on key "${key}" sets more than one value (${[...scalars, ...lists].join(', ')}).`,
    );
  }
  const operation = op as PredicateOp;
  if (operation === 'IN') {
    const list = lists[0];
    if (list === undefined) bad(`cannot use IN operator with a scalar value on key "${key}".`);
    const values = sub(raw, list)?.values;
    const items = Array.isArray(values) ? values : [];
    return { key, op: operation, value: items.map((v) => normalize(field, key, v)) };
  }
  const scalar = scalars[0];
  if (scalar === undefined)
    bad(`cannot use scalar operator ${operation} on a list value on key "${key}".`);
  if (operation === 'IS_SUBSTRING' && scalar !== 'string_value') {
    bad(`IS_SUBSTRING needs a string_value (key "${key}").`);
  }
  return { key, op: operation, value: normalize(field, key, raw[scalar]) };
}

/**
 * Parses a filter parameter.
 *
 * @param raw - The parameter as received (empty means no filter).
 * @param fields - The fields the resource can be filtered on.
 * @throws {@link InvalidArgumentError} naming `filter`.
 */
export function parseFilter(raw: string, fields: FieldMap): Predicate[] {
  if (raw.trim() === '') return [];
  const filter = decodeMessage(FILTER, parseJson(raw), 'filter');
  const predicates = Array.isArray(filter.predicates) ? (filter.predicates as Decoded[]) : [];
  return predicates.map((p, i) => toPredicate(p, i, fields));
}
