/**
 * Paging, sorting and filtering of list operations, shared by every sub-client: the options
 * become KFP's `page_token`, `page_size`, `sort_by` and `filter` query parameters,
 * {@link getPage} reads one page, and {@link pages} follows `next_page_token` until the last page.
 */
import { ClientOptionsError } from './errors';
import { encodeFilter, type FilterInput } from './filter';
import type { Connection, Query } from './connection';

/** Options of every list operation. */
export interface ListOptions {
  /** Which items to list: a filter built with `filter.*`, its predicates, or filter JSON. @default all */
  filter?: FilterInput;
  /**
   * The sort order: a field name, optionally followed by `asc` or `desc`, e.g. `'created_at desc'`.
   * @default the server's (KFP: created_at ascending)
   */
  sortBy?: string;
  /** Items per page. @default the server's (KFP: 20) */
  pageSize?: number;
  /** The `nextPageToken` of a previous page, to get the page after it. @default the first page */
  pageToken?: string;
  /** Cancels the request. @default none */
  signal?: AbortSignal;
}

/** Options of the async iterators over all pages. */
export interface IterateOptions extends Omit<ListOptions, 'pageToken'> {
  /** Stop after this many items. @default no limit */
  limit?: number;
}

/** One page of a list. */
export interface Page<T> {
  readonly items: T[];
  /** The token of the next page; undefined on the last page. */
  readonly nextPageToken: string | undefined;
  /** How many items match in all, when the server says. */
  readonly totalSize: number | undefined;
}

/** The query parameters of a list request. */
export function listQuery(options: ListOptions, where: string): Query {
  const { pageSize, pageToken, sortBy } = options;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize <= 0)) {
    throw new ClientOptionsError(
      `${where}.pageSize`,
      `${where}: pageSize must be a positive integer; got ${String(pageSize)}.`,
    );
  }
  if (sortBy !== undefined && !/^\s*[A-Za-z_.]+(\s+(asc|desc))?\s*$/i.test(sortBy)) {
    throw new ClientOptionsError(
      `${where}.sortBy`,
      `${where}: sortBy must be a field name, optionally followed by asc or desc; got '${sortBy}'.`,
    );
  }
  return {
    page_token: pageToken === '' ? undefined : pageToken,
    page_size: pageSize,
    sort_by: sortBy?.trim(),
    filter: encodeFilter(options.filter),
  };
}

/** One page of a list operation: `GET path` with `query`, its items read by `itemsOf`. */
export async function getPage<R extends { next_page_token?: string; total_size?: number }, T>(
  connection: Connection,
  request: { path: string; query: Query; signal: AbortSignal | undefined },
  itemsOf: (response: R) => T[] | undefined,
): Promise<Page<T>> {
  const response = await connection.json<R>({ method: 'GET', ...request });
  const token = response.next_page_token;
  return {
    items: itemsOf(response) ?? [],
    nextPageToken: token === undefined || token === '' ? undefined : token,
    totalSize: response.total_size,
  };
}

/**
 * Every page, starting from the first, by calling `list` with each next page token. `list` gets
 * the options as given (whatever else they hold), plus the token.
 */
export async function* pages<T>(
  list: (options: ListOptions) => Promise<Page<T>>,
  options: ListOptions,
): AsyncGenerator<Page<T>, void, undefined> {
  let pageToken = options.pageToken;
  const seen = new Set<string>();
  for (;;) {
    const page = await list({ ...options, ...(pageToken !== undefined ? { pageToken } : {}) });
    yield page;
    pageToken = page.nextPageToken;
    if (pageToken === undefined) return;
    // A server that hands out the same token twice would keep us here forever.
    if (seen.has(pageToken)) return;
    seen.add(pageToken);
  }
}

/** Every item of every page, up to `limit`; `list` gets the other options, as {@link pages} does. */
export async function* items<T>(
  list: (options: ListOptions) => Promise<Page<T>>,
  options: IterateOptions,
): AsyncGenerator<T, void, undefined> {
  const { limit, ...rest } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new ClientOptionsError(
      'limit',
      `limit must be a non-negative integer; got ${String(limit)}.`,
    );
  }
  if (limit === 0) return;
  let count = 0;
  for await (const page of pages(list, rest)) {
    for (const item of page.items) {
      yield item;
      count += 1;
      if (limit !== undefined && count >= limit) return;
    }
  }
}
