/**
 * The BigQuery source against a local server impersonating the BigQuery REST API v2: jobs.insert
 * (POST /projects/{p}/jobs) and jobs.getQueryResults (GET /projects/{p}/queries/{jobId}), which
 * answers "not complete yet" once and then pages the rows in BigQuery's JSON shape (`f`/`v`
 * cells, INTEGER as text, TIMESTAMP as int64 microseconds since useInt64Timestamp is set).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BigQueryOptions } from '@google-cloud/bigquery';
import { SourceError } from '../../../kernel-lib/src/components/data/errors';
import { repairDailySeries } from '../../../kernel-lib/src/components/data/repair';
import { queryBigQuery } from '../../../kernel-lib/src/components/data/sources/bigquery-source';
import { SAMPLE_SQL } from '../../../kernel-lib/src/components/data/sql-dialect';
import {
  startContractServer,
  type ContractServer,
  type RecordedRequest,
} from './support/contract-server';

/** Stands in for Application Default Credentials (no token server is reachable here). */
const fakeAuth = {
  getRequestHeaders: async () => new Headers({ authorization: 'Bearer test-token' }),
  getProjectId: async () => 'adc-project',
} as unknown as BigQueryOptions['authClient'];

const DAYS = ['2001-01-01', '2001-01-02', '2001-01-03', '2001-01-04', '2001-01-05'];
const COUNTS = ['1821', '1143', '1151', '1166', '1236'];
const micros = (day: string) => String(Date.parse(`${day}T00:00:00Z`) * 1000);

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function bigQueryServer(options: { failInsert?: boolean } = {}) {
  let polls = 0;
  return (req: RecordedRequest) => {
    if (req.method === 'POST' && req.path === '/bigquery/v2/projects/my-project/jobs') {
      if (options.failInsert) {
        return {
          status: 400,
          body: {
            error: {
              code: 400,
              message: 'Syntax error: Unexpected identifier "SELEC" at [1:1]',
              errors: [
                {
                  reason: 'invalidQuery',
                  message: 'Syntax error: Unexpected identifier "SELEC" at [1:1]',
                },
              ],
              status: 'INVALID_ARGUMENT',
            },
          },
        };
      }
      const body = JSON.parse(req.body.toString()) as { jobReference: { jobId: string } };
      return {
        body: {
          kind: 'bigquery#job',
          id: `my-project:US.${body.jobReference.jobId}`,
          jobReference: { projectId: 'my-project', jobId: body.jobReference.jobId, location: 'US' },
          status: { state: 'RUNNING' },
          configuration: { query: { query: SAMPLE_SQL, useLegacySql: false } },
        },
      };
    }
    const m = /^\/bigquery\/v2\/projects\/my-project\/queries\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && m) {
      const jobReference = { projectId: 'my-project', jobId: m[1], location: 'US' };
      if (polls++ === 0)
        return {
          body: { kind: 'bigquery#getQueryResultsResponse', jobReference, jobComplete: false },
        };
      const page = req.query.get('pageToken') === 'page-2' ? 1 : 0;
      const slice = page === 0 ? [0, 1, 2] : [3, 4];
      return {
        body: {
          kind: 'bigquery#getQueryResultsResponse',
          jobReference,
          jobComplete: true,
          totalRows: '5',
          schema: {
            fields: [
              { name: 'count', type: 'INTEGER', mode: 'NULLABLE' },
              { name: 'day', type: 'TIMESTAMP', mode: 'NULLABLE' },
            ],
          },
          rows: slice.map((i) => ({ f: [{ v: COUNTS[i] }, { v: micros(DAYS[i] ?? '') }] })),
          ...(page === 0 ? { pageToken: 'page-2' } : {}),
        },
      };
    }
    return {
      status: 404,
      body: { error: { code: 404, message: `no route ${req.method} ${req.path}` } },
    };
  };
}

describe('the BigQuery source', () => {
  it("runs the sample's query as a job and reads every page", async () => {
    server = await startContractServer(bigQueryServer());
    const lines: string[] = [];
    const result = await queryBigQuery({
      projectId: 'my-project',
      location: 'US',
      clientOptions: { apiEndpoint: server.url, authClient: fakeAuth },
      log: (l) => lines.push(l),
    });

    const insert = server.requests[0];
    expect(insert?.method).toBe('POST');
    expect(insert?.headers.authorization).toBe('Bearer test-token');
    const job = JSON.parse(insert?.body.toString() ?? '{}') as {
      configuration: { query: { query: string; useLegacySql: boolean } };
      jobReference: { location: string };
    };
    expect(job.configuration.query).toMatchObject({ query: SAMPLE_SQL, useLegacySql: false });
    expect(job.jobReference.location).toBe('US');
    const reads = server.requests.slice(1);
    expect(reads.map((r) => r.query.get('pageToken'))).toEqual([null, null, 'page-2']);
    expect(reads.every((r) => r.query.get('location') === 'US')).toBe(true);

    expect(result.source).toBe('bigquery');
    expect(result.query).toBe(SAMPLE_SQL);
    expect(result.rows).toHaveLength(5);
    const { series } = repairDailySeries(result.rows, 'bigquery', { today: '2021-01-01' });
    expect(series).toEqual(DAYS.map((day, i) => ({ day, count: Number(COUNTS[i]) })));
    expect(lines.at(-1)).toBe('bigquery: 5 rows');
  });

  it("reports a failed job with BigQuery's message", async () => {
    server = await startContractServer(bigQueryServer({ failInsert: true }));
    const error = await queryBigQuery({
      query: 'SELEC 1',
      projectId: 'my-project',
      clientOptions: { apiEndpoint: server.url, authClient: fakeAuth, autoRetry: false },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(
      /^the BigQuery query failed: Syntax error: Unexpected identifier "SELEC" at \[1:1\]/,
    );
  });
});
