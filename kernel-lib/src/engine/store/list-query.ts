/**
 * Listing rows the way KFP's list API does: AND-ed filter predicates on the fields a resource
 * allows, one sort field (ascending or descending), and keyset paging. Ties on the sort field
 * are broken by insertion order (`seq`, the rowid), so a cursor stays valid while rows are added.
 *
 * The sort and the cursor compare the column itself (row values `(column, seq) < (?, ?)`), so an
 * index on `(scope column, sort column)` — which ends with the rowid — serves a page without
 * sorting: the cost of a page does not grow with the table. Only nullable columns are sorted
 * through `COALESCE`.
 */
import { statement, type Db } from './database';

/** How a field compares: as text, as an enum name, or as a time in seconds. */
export type FieldKind = 'string' | 'enum' | 'time';

/** The column behind an API field. */
export interface FieldColumn {
  readonly column: string;
  readonly kind: FieldKind;
  /** True when the column may be NULL (it then sorts first, as the empty value). */
  readonly nullable?: boolean;
}

/** The fields of a resource that can be filtered and sorted on, by API name. */
export type FieldMap = Readonly<Record<string, FieldColumn>>;

export type PredicateOp =
  | 'EQUALS'
  | 'NOT_EQUALS'
  | 'GREATER_THAN'
  | 'GREATER_THAN_EQUALS'
  | 'LESS_THAN'
  | 'LESS_THAN_EQUALS'
  | 'IN'
  | 'IS_SUBSTRING';

/** A value compared with: a string, or seconds since the epoch for time fields. */
export type Scalar = string | number;

/** One filter condition on an API field; values are already normalized for the field's kind. */
export interface Predicate {
  readonly key: string;
  readonly op: PredicateOp;
  readonly value: Scalar | readonly Scalar[];
}

/** Where the next page starts: after the row with this sort value and seq. */
export interface Cursor {
  readonly value: Scalar;
  readonly seq: number;
}

/** What to list. */
export interface ListQuery {
  readonly predicates: readonly Predicate[];
  readonly sortKey: string;
  readonly desc: boolean;
  readonly pageSize: number;
  readonly after?: Cursor;
}

/** A fixed condition of a listing, such as `experiment_id = ?`. */
export interface Scope {
  readonly sql: string;
  readonly params: readonly Scalar[];
}

/**
 * What narrows a list of runs or recurring runs besides its filter: the experiment, when one is
 * given.
 */
export function experimentScopes(experimentId?: string): Scope[] {
  return experimentId === undefined ? [] : [{ sql: 'experiment_id = ?', params: [experimentId] }];
}

/** One page of rows. */
export interface Page<Row> {
  readonly rows: Row[];
  /** How many rows match the scope and filter, on all pages. */
  readonly total: number;
  /** Where the next page starts; absent on the last page. */
  readonly next?: Cursor;
}

const COMPARATORS: Record<Exclude<PredicateOp, 'IN' | 'IS_SUBSTRING'>, string> = {
  EQUALS: '=',
  NOT_EQUALS: '!=',
  GREATER_THAN: '>',
  GREATER_THAN_EQUALS: '>=',
  LESS_THAN: '<',
  LESS_THAN_EQUALS: '<=',
};

function sortExpression(field: FieldColumn): string {
  if (!field.nullable) return field.column;
  return field.kind === 'time' ? `COALESCE(${field.column}, -1)` : `COALESCE(${field.column}, '')`;
}

function operand(field: FieldColumn): string {
  return field.kind === 'time' ? `(${field.column} / 1000)` : field.column;
}

function predicateSql(field: FieldColumn, predicate: Predicate, params: Scalar[]): string {
  const target = operand(field);
  const value = predicate.value;
  if (predicate.op === 'IN') {
    const values = Array.isArray(value) ? value : [value as Scalar];
    if (values.length === 0) return '0';
    params.push(...values);
    return `${target} IN (${values.map(() => '?').join(', ')})`;
  }
  const scalar = (Array.isArray(value) ? value[0] : value) as Scalar;
  if (predicate.op === 'IS_SUBSTRING') {
    params.push(`%${String(scalar).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return `${field.column} LIKE ? ESCAPE '\\'`;
  }
  params.push(scalar);
  return `${target} ${COMPARATORS[predicate.op]} ?`;
}

/** The two statements of a page: the count of all matches, and the rows of the page. */
export interface ListStatements {
  readonly countSql: string;
  readonly countParams: Scalar[];
  readonly pageSql: string;
  /** The parameters of `pageSql`, its LIMIT (page size + 1, to see whether more follow) last. */
  readonly pageParams: Scalar[];
}

/**
 * The SQL of one page of `table`. The caller has validated the predicates and sort key against
 * `fields`; an unknown key here is a programming error.
 */
export function listStatements(
  table: string,
  fields: FieldMap,
  scopes: readonly Scope[],
  query: ListQuery,
): ListStatements {
  const where: string[] = [];
  const params: Scalar[] = [];
  for (const scope of scopes) {
    where.push(scope.sql);
    params.push(...scope.params);
  }
  for (const predicate of query.predicates) {
    const field = fields[predicate.key];
    if (field === undefined) throw new Error(`no field ${predicate.key} on ${table}`);
    where.push(predicateSql(field, predicate, params));
  }
  const whereSql = (conditions: string[]): string =>
    conditions.length > 0 ? `WHERE ${conditions.map((w) => `(${w})`).join(' AND ')}` : '';

  const sortField = fields[query.sortKey];
  if (sortField === undefined) throw new Error(`no sort field ${query.sortKey} on ${table}`);
  const sort = sortExpression(sortField);
  const pageWhere = [...where];
  const pageParams = [...params];
  if (query.after !== undefined) {
    pageWhere.push(`(${sort}, seq) ${query.desc ? '<' : '>'} (?, ?)`);
    pageParams.push(query.after.value, query.after.seq);
  }
  const direction = query.desc ? 'DESC' : 'ASC';
  return {
    countSql: `SELECT COUNT(*) AS n FROM ${table} ${whereSql(where)}`,
    countParams: params,
    pageSql: `SELECT *, ${sort} AS __sort FROM ${table} ${whereSql(pageWhere)} ORDER BY ${sort} ${direction}, seq ${direction} LIMIT ?`,
    pageParams: [...pageParams, query.pageSize + 1],
  };
}

/** How many counts are remembered per database. */
const COUNT_CACHE_LIMIT = 128;

const countCache = new WeakMap<Db, Map<string, { version: string; total: number }>>();

/**
 * Where the database is in its history: it changes with every write, by this connection
 * (`total_changes()`) or another one (`data_version`).
 */
function writeVersion(db: Db): string {
  const own = statement(db, 'SELECT total_changes() AS n').get() as { n: number };
  const others = statement(db, 'PRAGMA data_version').get() as { data_version: number };
  return `${own.n}:${others.data_version}`;
}

/**
 * `total_size`: the number of matches, counted again only after a write. Counting walks every
 * matching index entry, which a UI polling the first page would otherwise pay on each poll.
 */
function countMatches(db: Db, sql: string, params: readonly Scalar[]): number {
  let cache = countCache.get(db);
  if (cache === undefined) {
    cache = new Map();
    countCache.set(db, cache);
  }
  const key = `${sql}\u0000${JSON.stringify(params)}`;
  const version = writeVersion(db);
  const known = cache.get(key);
  if (known !== undefined && known.version === version) return known.total;
  const row = statement(db, sql).get(...params) as { n: number } | undefined;
  const total = row?.n ?? 0;
  if (cache.size >= COUNT_CACHE_LIMIT) cache.clear();
  cache.set(key, { version, total });
  return total;
}

/** Lists one page of `table` (see {@link listStatements}). */
export function listPage<Row extends { seq: number }>(
  db: Db,
  table: string,
  fields: FieldMap,
  scopes: readonly Scope[],
  query: ListQuery,
): Page<Row> {
  const sql = listStatements(table, fields, scopes, query);
  const total = countMatches(db, sql.countSql, sql.countParams);
  const rows = statement(db, sql.pageSql).all(...sql.pageParams) as (Row & { __sort: Scalar })[];
  const more = rows.length > query.pageSize;
  const page = more ? rows.slice(0, query.pageSize) : rows;
  const last = page[page.length - 1];
  return {
    rows: page,
    total,
    ...(more && last !== undefined ? { next: { value: last.__sort, seq: last.seq } } : {}),
  };
}
