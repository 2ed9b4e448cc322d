/**
 * The Chicago portal source against a local server impersonating the Socrata SODA API: the
 * daily-totals SoQL, paging with $limit/$offset, the app token header, retries on 5xx.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addDays } from '../../../kernel-lib/src/components/data/days';
import { SourceError } from '../../../kernel-lib/src/components/data/errors';
import { repairDailySeries } from '../../../kernel-lib/src/components/data/repair';
import {
  PORTAL_DAILY_SOQL,
  queryChicagoPortal,
} from '../../../kernel-lib/src/components/data/sources/portal-source';
import {
  startContractServer,
  type ContractServer,
  type RecordedRequest,
} from './support/contract-server';

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Seven days of totals, as Socrata returns them (floating timestamps, counts as text). */
const ROWS = Array.from({ length: 7 }, (_, i) => ({
  day: `${addDays('2001-01-01', i)}T00:00:00.000`,
  count: String(1100 + i),
}));

function soda(options: { failFirst?: number } = {}) {
  let failures = options.failFirst ?? 0;
  return (req: RecordedRequest) => {
    if (req.path !== '/resource/ijzp-q8t2.json')
      return { status: 404, body: { message: 'not found' } };
    if (failures > 0) {
      failures--;
      return { status: 503, body: { code: 'service_unavailable', message: 'try again' } };
    }
    const limit = Number(req.query.get('$limit'));
    const offset = Number(req.query.get('$offset'));
    return { body: ROWS.slice(offset, offset + limit) };
  };
}

describe('the Chicago portal source', () => {
  it('asks for the daily totals in SoQL and reads every page', async () => {
    server = await startContractServer(soda());
    const result = await queryChicagoPortal({
      url: `${server.url}/resource/ijzp-q8t2.json`,
      pageSize: 3,
      appToken: 'my-token',
    });
    expect(server.requests).toHaveLength(3);
    for (const [i, req] of server.requests.entries()) {
      expect(req.query.get('$select')).toBe('date_trunc_ymd(date) AS day, count(*) AS count');
      expect(req.query.get('$group')).toBe('day');
      expect(req.query.get('$order')).toBe('day');
      expect(req.query.get('$limit')).toBe('3');
      expect(req.query.get('$offset')).toBe(String(3 * i));
      expect(req.headers['x-app-token']).toBe('my-token');
    }
    expect(result.rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(result.details).toMatchObject({ pages: 3, pageSize: 3, appToken: true });
    expect(result.query).toBe(
      `${server.url}/resource/ijzp-q8t2.json?$select=${PORTAL_DAILY_SOQL.$select}&$group=day&$order=day`,
    );
    const { series } = repairDailySeries(result.rows, 'chicago-portal', { today: '2001-02-01' });
    expect(series).toEqual(
      ROWS.map((r, i) => ({ day: addDays('2001-01-01', i), count: 1100 + i })),
    );
  });

  it('stops after a full last page with an empty one, and sends no token when there is none', async () => {
    server = await startContractServer(soda());
    const result = await queryChicagoPortal({
      url: `${server.url}/resource/ijzp-q8t2.json`,
      pageSize: 7,
    });
    expect(server.requests.map((r) => r.query.get('$offset'))).toEqual(['0', '7']);
    expect(server.requests[0]?.headers['x-app-token']).toBeUndefined();
    expect(result.rows).toHaveLength(7);
  });

  it('retries a busy portal, then gives up with its answer', async () => {
    server = await startContractServer(soda({ failFirst: 1 }));
    const ok = await queryChicagoPortal({
      url: `${server.url}/resource/ijzp-q8t2.json`,
      attempts: 2,
    });
    expect(ok.rows).toHaveLength(7);
    await server.close();

    server = await startContractServer(soda({ failFirst: 5 }));
    const error = await queryChicagoPortal({
      url: `${server.url}/resource/ijzp-q8t2.json`,
      attempts: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(/failed: HTTP 503: .*try again/);
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a refused request, and checks the answer is rows', async () => {
    server = await startContractServer(() => ({ status: 400, body: { message: 'bad SoQL' } }));
    await expect(queryChicagoPortal({ url: `${server.url}/r.json` })).rejects.toThrow(
      /HTTP 400: .*bad SoQL/,
    );
    expect(server.requests).toHaveLength(1);
    await server.close();

    server = await startContractServer(() => ({ body: { not: 'rows' } }));
    await expect(queryChicagoPortal({ url: `${server.url}/r.json` })).rejects.toThrow(
      /is not a JSON array of rows/,
    );
  });
});
