/**
 * The paging, sorting and filtering parameters of list operations, as KFP reads them:
 * `page_size` (default 20, at most 200), `sort_by` ("field", "field asc" or "field desc",
 * default created_at ascending), `filter`, and an opaque `page_token`. The token carries the sort
 * and filter of the first request, so later pages need only the token; if sort_by or filter are
 * given with a token they must match it.
 */
import { InvalidArgumentError } from '../errors';
import type { Cursor, FieldMap, ListQuery, Page, Predicate } from '../store/list-query';
import { parseFilter } from './filter';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

interface TokenBody {
  v: 1;
  r: string;
  s: string;
  d: boolean;
  p: Predicate[];
  a: Cursor;
}

function parsePageSize(raw: string | null): number {
  if (raw === null || raw.trim() === '') return DEFAULT_PAGE_SIZE;
  if (!/^-?\d+$/.test(raw.trim())) {
    throw new InvalidArgumentError(`page_size must be an integer; got "${raw}".`, {
      field: 'page_size',
    });
  }
  const size = Number(raw.trim());
  if (size < 0) {
    throw new InvalidArgumentError(`page_size must not be negative; got ${size}.`, {
      field: 'page_size',
    });
  }
  return size === 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
}

function parseSortBy(raw: string, fields: FieldMap): { sortKey: string; desc: boolean } {
  const words = raw
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length > 2 || (words.length === 2 && words[1] !== 'asc' && words[1] !== 'desc')) {
    throw new InvalidArgumentError(
      `invalid sort_by "${raw}"; use "field_name", "field_name asc" or "field_name desc".`,
      { field: 'sort_by' },
    );
  }
  const sortKey = words[0] ?? 'created_at';
  if (fields[sortKey] === undefined) {
    throw new InvalidArgumentError(
      `cannot sort on field "${sortKey}"; fields: ${Object.keys(fields).join(', ')}.`,
      { field: 'sort_by' },
    );
  }
  return { sortKey, desc: words[1] === 'desc' };
}

function decodeToken(raw: string, resource: string): TokenBody {
  const invalid = (): never => {
    throw new InvalidArgumentError(
      'invalid page_token; pass the next_page_token of a previous list response.',
      {
        field: 'page_token',
      },
    );
  };
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
  } catch {
    invalid();
  }
  const t = body as Partial<TokenBody> | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    t.v !== 1 ||
    t.r !== resource ||
    typeof t.s !== 'string' ||
    typeof t.d !== 'boolean' ||
    !Array.isArray(t.p) ||
    typeof t.a !== 'object' ||
    t.a === null ||
    typeof t.a.seq !== 'number'
  ) {
    return invalid();
  }
  return t as TokenBody;
}

/**
 * Reads the list parameters of a request.
 *
 * @param params - The query string.
 * @param fields - The fields of the resource that can be filtered and sorted on.
 * @param resource - The resource listed (a page token is only valid for it).
 * @throws {@link InvalidArgumentError} naming the bad parameter.
 */
export function parseListQuery(
  params: URLSearchParams,
  fields: FieldMap,
  resource: string,
): ListQuery {
  const pageSize = parsePageSize(params.get('page_size'));
  const sortRaw = params.get('sort_by') ?? '';
  const filterRaw = params.get('filter') ?? '';
  const tokenRaw = params.get('page_token') ?? '';
  const sort = parseSortBy(sortRaw, fields);
  const predicates = parseFilter(filterRaw, fields);
  if (tokenRaw === '') return { predicates, ...sort, pageSize };

  const token = decodeToken(tokenRaw, resource);
  if (fields[token.s] === undefined) {
    throw new InvalidArgumentError('invalid page_token: it names an unknown sort field.', {
      field: 'page_token',
    });
  }
  const sortGiven = sortRaw.trim() !== '';
  const filterGiven = filterRaw.trim() !== '';
  if (
    (sortGiven && (sort.sortKey !== token.s || sort.desc !== token.d)) ||
    (filterGiven && JSON.stringify(predicates) !== JSON.stringify(token.p))
  ) {
    throw new InvalidArgumentError(
      'page_token does not match the supplied sort_by and/or filter; pass the same criteria or leave them empty when a page token is given.',
      { field: 'page_token' },
    );
  }
  return { predicates: token.p, sortKey: token.s, desc: token.d, pageSize, after: token.a };
}

/** The next_page_token of a page, or undefined on the last page. */
export function nextPageToken(
  query: ListQuery,
  page: Page<unknown>,
  resource: string,
): string | undefined {
  if (page.next === undefined) return undefined;
  const body: TokenBody = {
    v: 1,
    r: resource,
    s: query.sortKey,
    d: query.desc,
    p: [...query.predicates],
    a: page.next,
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}
