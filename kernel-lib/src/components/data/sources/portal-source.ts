/**
 * The City of Chicago's open-data portal (Socrata SODA API), dataset ijzp-q8t2 "Crimes - 2001 to
 * Present" — the same data BigQuery mirrors, with no account needed. The daily totals are asked
 * for in SoQL and read page by page (`$limit` / `$offset`, ordered by day so pages do not
 * overlap). An app token (optional) raises the portal's rate limits.
 */
import type { RawDailyRow } from '../daily-series';
import { SourceError, describeCause } from '../errors';
import type { ProgressLog, SourceResult } from './source';

/** The dataset's SODA endpoint. */
export const CHICAGO_PORTAL_URL = 'https://data.cityofchicago.org/resource/ijzp-q8t2.json';

/** Environment variable holding a Socrata app token. */
export const APP_TOKEN_ENV = 'SOCRATA_APP_TOKEN';

/** The SoQL of the sample's query. */
export const PORTAL_DAILY_SOQL = {
  $select: 'date_trunc_ymd(date) AS day, count(*) AS count',
  $group: 'day',
  $order: 'day',
} as const;

/** Options of {@link queryChicagoPortal}. */
export interface PortalSourceOptions {
  /**
   * The SODA resource URL.
   * @default CHICAGO_PORTAL_URL
   */
  url?: string;
  /** A Socrata app token (sent as `X-App-Token`). @default none */
  appToken?: string;
  /**
   * Rows per page.
   * @default 50000
   */
  pageSize?: number;
  /**
   * Time allowed for each request, in milliseconds.
   * @default 120000
   */
  timeoutMs?: number;
  /**
   * Attempts per page on a network error, HTTP 429 or 5xx.
   * @default 3
   */
  attempts?: number;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Receives progress lines. @default no logging */
  log?: ProgressLog;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pageUrl(base: string, limit: number, offset: number): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(PORTAL_DAILY_SOQL)) url.searchParams.set(k, v);
  url.searchParams.set('$limit', String(limit));
  url.searchParams.set('$offset', String(offset));
  return url.toString();
}

async function fetchPage(url: string, options: PortalSourceOptions): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  const attempts = Math.max(1, options.attempts ?? 3);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.appToken) headers['x-app-token'] = options.appToken;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryable = true;
    try {
      const response = await doFetch(url, {
        headers,
        signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      });
      const text = await response.text();
      if (response.ok) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new SourceError(
            'chicago-portal',
            `the portal answered ${url} with text that is not JSON: ${text.slice(0, 200)}`,
          );
        }
      }
      retryable = response.status === 429 || response.status >= 500;
      lastError = `HTTP ${response.status}: ${text.slice(0, 300)}`;
    } catch (error) {
      if (error instanceof SourceError) throw error;
      lastError = describeCause(error);
    }
    if (!retryable || attempt === attempts) break;
    await sleep(250 * 2 ** (attempt - 1));
  }
  throw new SourceError('chicago-portal', `the portal request ${url} failed: ${lastError}`);
}

/**
 * Reads the daily totals from the portal.
 * @throws SourceError when a page cannot be read or is not a JSON array of objects
 */
export async function queryChicagoPortal(options: PortalSourceOptions = {}): Promise<SourceResult> {
  const base = options.url || CHICAGO_PORTAL_URL;
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? 50_000));
  const log = options.log ?? (() => undefined);
  const rows: RawDailyRow[] = [];
  let pages = 0;
  for (let offset = 0; ; offset += pageSize) {
    const url = pageUrl(base, pageSize, offset);
    const page = await fetchPage(url, options);
    pages++;
    if (!Array.isArray(page)) {
      throw new SourceError(
        'chicago-portal',
        `the portal's answer to ${url} is not a JSON array of rows.`,
      );
    }
    page.forEach((item: unknown, i) => {
      if (typeof item !== 'object' || item === null) {
        throw new SourceError(
          'chicago-portal',
          `row ${offset + i + 1} of the portal's answer is not an object: ${JSON.stringify(item)}`,
        );
      }
      const r = item as Record<string, unknown>;
      rows.push({ row: offset + i + 1, day: r.day, count: r.count });
    });
    log(`chicago-portal: page ${pages}: ${page.length} rows`);
    if (page.length < pageSize) break;
  }
  const soql = Object.entries(PORTAL_DAILY_SOQL).map(([k, v]) => `${k}=${v}`);
  const query = `${base}?${soql.join('&')}`;
  return {
    source: 'chicago-portal',
    rows,
    query,
    details: { url: base, pages, pageSize, appToken: Boolean(options.appToken) },
  };
}
