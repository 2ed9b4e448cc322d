/**
 * Listing rows the way KFP's list API does: AND-ed filter predicates on the fields a resource
 * allows, one sort field (ascending or descending), and keyset paging. Ties on the sort field
 * are broken by insertion order (`seq`), so a cursor stays valid while rows are added.
 */
import type { Db } from './database';

/** How a field compares: as text, as an enum name, or as a time in seconds. */
export type FieldKind = 'string' | 'enum' | 'time';

/** The column behind an API field. */
export interface FieldColumn {
  readonly column: string;
  readonly kind: FieldKind;
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

/**
 * Lists one page of `table`. The caller has validated the predicates and sort key against
 * `fields`; an unknown key here is a programming error.
 */
export function listPage<Row extends { seq: number }>(
  db: Db,
  table: string,
  fields: FieldMap,
  scopes: readonly Scope[],
  query: ListQuery,
): Page<Row> {
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
  const filterSql = where.length > 0 ? `WHERE ${where.map((w) => `(${w})`).join(' AND ')}` : '';
  const countRow = db.prepare(`SELECT COUNT(*) AS n FROM ${table} ${filterSql}`).get(...params) as
    { n: number } | undefined;
  const total = countRow?.n ?? 0;

  const sortField = fields[query.sortKey];
  if (sortField === undefined) throw new Error(`no sort field ${query.sortKey} on ${table}`);
  const sort = sortExpression(sortField);
  const pageWhere = [...where];
  const pageParams = [...params];
  if (query.after !== undefined) {
    const cmp = query.desc ? '<' : '>';
    pageWhere.push(`${sort} ${cmp} ? OR (${sort} = ? AND seq ${cmp} ?)`);
    pageParams.push(query.after.value, query.after.value, query.after.seq);
  }
  const pageSql =
    pageWhere.length > 0 ? `WHERE ${pageWhere.map((w) => `(${w})`).join(' AND ')}` : '';
  const direction = query.desc ? 'DESC' : 'ASC';
  const rows = db
    .prepare(
      `SELECT *, ${sort} AS __sort FROM ${table} ${pageSql} ORDER BY __sort ${direction}, seq ${direction} LIMIT ?`,
    )
    .all(...pageParams, query.pageSize + 1) as (Row & { __sort: Scalar })[];
  const more = rows.length > query.pageSize;
  const page = more ? rows.slice(0, query.pageSize) : rows;
  const last = page[page.length - 1];
  return {
    rows: page,
    total,
    ...(more && last !== undefined ? { next: { value: last.__sort, seq: last.seq } } : {}),
  };
}
