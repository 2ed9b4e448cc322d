/**
 * The paging, sorting and filtering parameters of list operations, as KFP reads them:
 * `page_size` (default 20, at most 200), `sort_by` ("field", "field asc" or "field desc",
 * default created_at ascending), `filter`, and an opaque `page_token`. The token carries the sort
 * and filter of the first request, so later pages need only the token; if sort_by or filter are
 * given with a token they must match it.
 *
 * Tokens are signed (HMAC-SHA256 with a key kept in the database), and name the list they page
 * through — the resource and its scope, such as the experiment of a run list — so a token that
 * was altered, or comes from another list, is refused instead of silently paging something else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import type { Cursor, FieldMap, ListQuery, Page, Predicate } from '../store/list-query';
import { parseFilter } from './filter';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

interface TokenBody {
  v: 2;
  /** The resource listed. */
  r: string;
  /** The scope of the list, e.g. `experiment_id=<id>`; `''` for all. */
  q: string;
  s: string;
  d: boolean;
  p: Predicate[];
  a: Cursor;
}

/** Which list a request pages through. */
export interface ListTarget {
  /** The resource listed: `runs`, `experiments`... */
  readonly resource: string;
  /** What narrows it besides the filter, e.g. `experiment_id=<id>`. @default '' */
  readonly scope?: string;
}

/** The length of a token's signature, in bytes. */
const SIGNATURE_BYTES = 16;

/** Signs page tokens and checks the ones clients send back. */
export class PageTokens {
  constructor(private readonly key: Buffer) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.key)
      .update(payload)
      .digest()
      .subarray(0, SIGNATURE_BYTES)
      .toString('base64url');
  }

  encode(body: TokenBody): string {
    const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The body of a token this engine issued, unaltered; `undefined` for anything else. */
  verify(raw: string): unknown {
    const [payload, signature, ...rest] = raw.split('.');
    if (payload === undefined || signature === undefined || rest.length > 0) return undefined;
    const given = Buffer.from(signature, 'base64url');
    const expected = Buffer.from(this.sign(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }
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

function describeList(resource: string, scope: string): string {
  return scope === '' ? `all ${resource}` : `${resource} with ${scope}`;
}

function decodeToken(raw: string, target: ListTarget, tokens: PageTokens): TokenBody {
  const invalid = (): never => {
    throw new InvalidArgumentError(
      'invalid page_token: it is not a next_page_token this engine issued, or it was altered; pass the next_page_token of a previous list response unchanged.',
      { field: 'page_token' },
    );
  };
  const t = tokens.verify(raw) as Partial<TokenBody> | null | undefined;
  if (t === undefined || t === null || typeof t !== 'object' || t.v !== 2) return invalid();
  const scope = target.scope ?? '';
  if (t.r !== target.resource || t.q !== scope) {
    throw new InvalidArgumentError(
      `page_token belongs to another list (${describeList(String(t.r), String(t.q ?? ''))}), not to this one (${describeList(target.resource, scope)}); send the same list parameters as for the first page, or start again without a token.`,
      { field: 'page_token' },
    );
  }
  if (
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
 * @param target - The list (a page token is only valid for the list that issued it).
 * @param tokens - Checks page tokens.
 * @throws {@link InvalidArgumentError} naming the bad parameter.
 */
export function parseListQuery(
  params: URLSearchParams,
  fields: FieldMap,
  target: ListTarget,
  tokens: PageTokens,
): ListQuery {
  const pageSize = parsePageSize(params.get('page_size'));
  const sortRaw = params.get('sort_by') ?? '';
  const filterRaw = params.get('filter') ?? '';
  const tokenRaw = params.get('page_token') ?? '';
  const sort = parseSortBy(sortRaw, fields);
  const predicates = parseFilter(filterRaw, fields);
  if (tokenRaw === '') return { predicates, ...sort, pageSize };

  const token = decodeToken(tokenRaw, target, tokens);
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
  target: ListTarget,
  tokens: PageTokens,
): string | undefined {
  if (page.next === undefined) return undefined;
  return tokens.encode({
    v: 2,
    r: target.resource,
    q: target.scope ?? '',
    s: query.sortKey,
    d: query.desc,
    p: [...query.predicates],
    a: page.next,
  });
}
