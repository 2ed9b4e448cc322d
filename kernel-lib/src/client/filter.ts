/**
 * A typed builder for KFP's list filters: the `v2beta1Filter` message whose JSON goes in the
 * `filter` query parameter of list operations.
 *
 * ```ts
 * client.runs.list({ filter: filter.eq('display_name', 'nightly') });
 * client.runs.list({
 *   filter: filter.and(filter.eq('state', 'SUCCEEDED'), filter.gt('created_at', new Date('2024-01-01'))),
 * });
 * ```
 *
 * Values map to the predicate's value fields as KFP reads them: a string to `string_value`, an
 * integer to `int_value` (or `long_value` beyond 32 bits, or for a bigint), a Date to
 * `timestamp_value` (compared as Unix seconds by the server).
 */
import { ClientOptionsError } from './errors';
import type { PredicateOperation, V2beta1Filter, V2beta1Predicate } from './types';

/** A value a scalar predicate compares with. */
export type FilterValue = string | number | bigint | Date;

/** A value of an `IN` predicate's list. */
export type FilterListValue = string | number | bigint;

/** What list operations accept as `filter`: a filter, its predicates, or its JSON text. */
export type FilterInput = V2beta1Filter | readonly V2beta1Predicate[] | string;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

function scalarField(key: string, value: FilterValue): Partial<V2beta1Predicate> {
  if (typeof value === 'string') return { string_value: value };
  if (typeof value === 'bigint') return { long_value: value.toString() };
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new ClientOptionsError('filter', `filter on '${key}': the Date is invalid.`);
    }
    return { timestamp_value: value.toISOString() };
  }
  if (typeof value === 'number') {
    if (isInt32(value)) return { int_value: value };
    if (Number.isSafeInteger(value)) return { long_value: String(value) };
  }
  throw new ClientOptionsError(
    'filter',
    `filter on '${key}': ${String(value)} cannot be compared; KFP filters take strings, integers and Dates.`,
  );
}

function listField(key: string, values: readonly FilterListValue[]): Partial<V2beta1Predicate> {
  if (values.every((v) => typeof v === 'string')) {
    return { string_values: { values: [...(values as readonly string[])] } };
  }
  if (values.every((v) => typeof v === 'number' && isInt32(v))) {
    return { int_values: { values: [...(values as readonly number[])] } };
  }
  if (
    values.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)))
  ) {
    return { long_values: { values: values.map((v) => String(v)) } };
  }
  throw new ClientOptionsError(
    'filter',
    `filter on '${key}': IN needs a list of strings or a list of integers, not a mix.`,
  );
}

/** One predicate: `key operation value`. */
export function predicate(
  key: string,
  operation: Exclude<PredicateOperation, 'OPERATION_UNSPECIFIED' | 'IN'>,
  value: FilterValue,
): V2beta1Predicate {
  if (typeof key !== 'string' || key === '') {
    throw new ClientOptionsError(
      'filter',
      'a filter predicate needs a key (a field name such as display_name).',
    );
  }
  return { key, operation, ...scalarField(key, value) };
}

function one(p: V2beta1Predicate): V2beta1Filter {
  return { predicates: [p] };
}

/** Builders for {@link V2beta1Filter}s; combine them with {@link filter.and}. */
export const filter = {
  /** `key == value`. */
  eq: (key: string, value: FilterValue): V2beta1Filter => one(predicate(key, 'EQUALS', value)),
  /** `key != value`. */
  ne: (key: string, value: FilterValue): V2beta1Filter => one(predicate(key, 'NOT_EQUALS', value)),
  /** `key > value`. */
  gt: (key: string, value: FilterValue): V2beta1Filter =>
    one(predicate(key, 'GREATER_THAN', value)),
  /** `key >= value`. */
  gte: (key: string, value: FilterValue): V2beta1Filter =>
    one(predicate(key, 'GREATER_THAN_EQUALS', value)),
  /** `key < value`. */
  lt: (key: string, value: FilterValue): V2beta1Filter => one(predicate(key, 'LESS_THAN', value)),
  /** `key <= value`. */
  lte: (key: string, value: FilterValue): V2beta1Filter =>
    one(predicate(key, 'LESS_THAN_EQUALS', value)),
  /** `key` is one of `values` (all strings, or all integers). */
  in: (key: string, values: readonly FilterListValue[]): V2beta1Filter => {
    if (typeof key !== 'string' || key === '') {
      throw new ClientOptionsError('filter', 'a filter predicate needs a key.');
    }
    return one({ key, operation: 'IN', ...listField(key, values) });
  },
  /** `key` contains `text` (KFP's IS_SUBSTRING). */
  contains: (key: string, text: string): V2beta1Filter => one(predicate(key, 'IS_SUBSTRING', text)),
  /** All predicates of all filters (KFP ANDs the predicates of a filter; there is no OR). */
  and: (...filters: readonly V2beta1Filter[]): V2beta1Filter => ({
    predicates: filters.flatMap((f) => f.predicates ?? []),
  }),
} as const;

/**
 * The text of the `filter` query parameter, or undefined when there is nothing to filter on.
 * A string is taken to be filter JSON already and passed through unchanged.
 */
export function encodeFilter(input: FilterInput | undefined): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') return input.trim() === '' ? undefined : input;
  const predicates = Array.isArray(input)
    ? (input as readonly V2beta1Predicate[])
    : ((input as V2beta1Filter).predicates ?? []);
  if (predicates.length === 0) return undefined;
  return JSON.stringify({ predicates });
}
