/**
 * BigQuery, as in the 2019 sample: the query (BigQuery SQL) runs as a query job on
 * `bigquery-public-data.chicago_crime.crime`, billed to the caller's project. Credentials are
 * found the usual Google way (Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS`,
 * `gcloud auth application-default login`, or the metadata server on Google Cloud).
 *
 * The job is created with jobs.insert and its rows read page by page with getQueryResults.
 */
import type { BigQueryOptions } from '@google-cloud/bigquery';
import { findDailyColumns, type RawDailyRow } from '../daily-series';
import { SourceError, describeCause } from '../errors';
import { SAMPLE_SQL } from '../sql-dialect';
import type { ProgressLog, SourceResult } from './source';

/** Options of {@link queryBigQuery}. */
export interface BigQuerySourceOptions {
  /**
   * The query (BigQuery standard SQL); it must return `count` and `day` columns.
   * @default SAMPLE_SQL
   */
  query?: string;
  /**
   * The Google Cloud project the job runs (and is billed) in.
   * @default the project of the credentials (or GOOGLE_CLOUD_PROJECT)
   */
  projectId?: string;
  /**
   * Where the job runs. The public dataset is in `US`.
   * @default the client's default (US)
   */
  location?: string;
  /**
   * More options for the BigQuery client (`apiEndpoint`, `keyFilename`, `authClient`...).
   * @default {}
   */
  clientOptions?: BigQueryOptions;
  /** Receives progress lines. @default no logging */
  log?: ProgressLog;
}

/**
 * Runs the query on BigQuery.
 * @throws SourceError when the job cannot be created or fails, or the result has no `count` and
 *   `day` columns
 */
export async function queryBigQuery(options: BigQuerySourceOptions = {}): Promise<SourceResult> {
  const query = options.query?.trim() || SAMPLE_SQL;
  const log = options.log ?? (() => undefined);
  const { BigQuery } = await import('@google-cloud/bigquery');
  const client = new BigQuery({
    ...options.clientOptions,
    ...(options.projectId ? { projectId: options.projectId } : {}),
    ...(options.location ? { location: options.location } : {}),
  });
  let rows: Record<string, unknown>[];
  let jobId: string | undefined;
  try {
    const [job] = await client.createQueryJob({
      query,
      useLegacySql: false,
      ...(options.location ? { location: options.location } : {}),
    });
    jobId = job.id;
    log(
      `bigquery: job ${job.id ?? '?'} created${options.projectId ? ` in ${options.projectId}` : ''}`,
    );
    const [result] = await job.getQueryResults({ autoPaginate: true });
    rows = result as Record<string, unknown>[];
  } catch (error) {
    throw new SourceError(
      'bigquery',
      `the BigQuery query failed${jobId ? ` (job ${jobId})` : ''}: ${describeCause(error)}`,
      {},
      { cause: error },
    );
  }
  const first = rows[0];
  const raw: RawDailyRow[] = [];
  if (first !== undefined) {
    const names = Object.keys(first);
    const columns = findDailyColumns(names);
    if (columns === undefined) {
      throw new SourceError(
        'bigquery',
        `the query must return a count and a day column; it returned ${names.join(', ')}.`,
      );
    }
    const dayName = names[columns.day] ?? 'day';
    const countName = names[columns.count] ?? 'count';
    rows.forEach((r, i) => raw.push({ row: i + 1, day: r[dayName], count: r[countName] }));
  }
  log(`bigquery: ${raw.length} rows`);
  return {
    source: 'bigquery',
    rows: raw,
    query,
    details: {
      ...(jobId ? { jobId } : {}),
      ...(options.projectId ? { projectId: options.projectId } : {}),
      ...(options.location ? { location: options.location } : {}),
    },
  };
}
