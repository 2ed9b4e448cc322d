/**
 * The query step as a function: read the daily totals from a source, validate and repair them,
 * write the `count,day` CSV with its metadata, and say how much the data grew and drifted since
 * the model in production was trained. `queryMain` (the command line) is a thin layer over it.
 */
import type { BigQueryOptions } from '@google-cloud/bigquery';
import type { StorageOptions } from '@google-cloud/storage';
import type { JsonValue } from '../../dsl/types';
import type { DailyCount } from './daily-series';
import { formatDatasetCsv, sha256Hex } from './dataset-csv';
import { todayIn } from './days';
import { writeDataset } from './destination';
import {
  assessGrowthAndDrift,
  summarizeSeries,
  type DatasetSummary,
  type DriftOptions,
  type GrowthAndDrift,
} from './drift';
import { QueryUsageError } from './errors';
import { repairDailySeries, type Repair, type RepairOptions } from './repair';
import { queryBigQuery } from './sources/bigquery-source';
import { queryCsv } from './sources/csv-source';
import { queryChicagoPortal } from './sources/portal-source';
import type { ProgressLog, SourceName, SourceResult } from './sources/source';
import { queryWarehouse } from './sources/warehouse-source';
import { isSampleQuery } from './sql-dialect';

/** Options of {@link runQueryStep}. */
export interface QueryStepOptions {
  /**
   * Where the daily totals come from.
   * @default 'warehouse'
   */
  source?: SourceName;
  /**
   * The SQL (warehouse: BigQuery or DuckDB SQL; bigquery: BigQuery SQL). The other sources run
   * their own fixed daily-totals query and accept only the sample's query here.
   * @default SAMPLE_SQL
   */
  query?: string;
  /** BigQuery: the project billed. @default the credentials' project */
  projectId?: string;
  /** BigQuery: the job's location. @default the client's default */
  location?: string;
  /** BigQuery: more client options (`apiEndpoint`, `authClient`...). @default {} */
  bigquery?: BigQueryOptions;
  /** csv: the file or URL. Required for the csv source. */
  csvUri?: string;
  /** warehouse: the DuckDB file. @default defaultWarehousePath() */
  warehouse?: string;
  /**
   * warehouse: create it if missing and append the days that passed, before querying.
   * @default true
   */
  updateWarehouse?: boolean;
  /** warehouse: the seed of a warehouse created now. @default DEFAULT_SEED */
  seed?: number;
  /** chicago-portal: the SODA resource URL. @default CHICAGO_PORTAL_URL */
  portalUrl?: string;
  /** chicago-portal: a Socrata app token. @default none */
  appToken?: string;
  /** Today (`YYYY-MM-DD`): today's row is incomplete. @default the current date in Chicago */
  today?: string;
  /** How bad rows are handled (see repair.ts). @default the RepairOptions defaults */
  repair?: Omit<RepairOptions, 'today'>;
  /** The summary of the data the deployed model was trained on. @default none (first run) */
  previousSummary?: DatasetSummary;
  /** Retraining thresholds. @default the DriftOptions defaults */
  drift?: DriftOptions;
  /**
   * Days the recent statistics cover when there is no previous summary.
   * @default 28
   */
  summaryWindow?: number;
  /** Where to write the dataset: a local path, `file://` or `gs://` URI. */
  output: string;
  /** A second place to copy the dataset to (`gs://` or `file://`). @default none */
  destination?: string;
  /** Options of the Cloud Storage client for gs:// URIs. @default {} */
  storage?: StorageOptions;
  /** Receives progress lines. @default no logging */
  log?: ProgressLog;
}

/** The metadata written with the dataset (and reported as the KFP artifact's metadata). */
export interface DatasetMetadata {
  [key: string]: JsonValue;
  /** Number of days (data rows). */
  rows: number;
  firstDay: string;
  lastDay: string;
  /** SHA-256 (hex) of the CSV file's bytes. */
  sha256: string;
  /** The CSV's columns. */
  columns: string;
  source: SourceName;
  /** The query as it ran. */
  query: string;
  /** What the source reported (warehouse file, job id, pages, SQL rewrites...). */
  sourceDetails: JsonValue;
  /** Repairs made to the data (empty when none was needed). */
  repairs: JsonValue;
  /** The day the data was judged against (today's row is incomplete). */
  today: string;
  /** When the dataset was written (ISO 8601). */
  createdAt: string;
  /** The summary the next run compares against (copy it into the model card). */
  summary: JsonValue;
  newDays: number;
  growthRatio: number;
  drift: number;
  shouldRetrain: boolean;
  retrainReasons: string[];
}

/** What {@link runQueryStep} produced. */
export interface QueryStepResult {
  series: DailyCount[];
  csv: string;
  metadata: DatasetMetadata;
  repairs: Repair[];
  assessment: GrowthAndDrift;
  /** The URI the dataset was written to (`file://...` for a path). */
  outputUri: string;
  /** The URI it was copied to, when a destination was given. */
  destinationUri: string | undefined;
}

function requireSampleQuery(source: SourceName, query: string | undefined): void {
  if (query === undefined || query.trim() === '' || isSampleQuery(query)) return;
  throw new QueryUsageError(
    `the ${source} source runs its own daily-totals query; --query applies only to the ` +
      `warehouse and bigquery sources (leave it at the sample's query or empty).`,
    'query',
  );
}

async function readSource(options: QueryStepOptions, today: string): Promise<SourceResult> {
  const source = options.source ?? 'warehouse';
  const log = options.log;
  switch (source) {
    case 'warehouse':
      return queryWarehouse({
        path: options.warehouse,
        query: options.query,
        update: options.updateWarehouse,
        today,
        seed: options.seed,
        log,
      });
    case 'bigquery':
      return queryBigQuery({
        query: options.query,
        projectId: options.projectId,
        location: options.location,
        clientOptions: options.bigquery,
        log,
      });
    case 'chicago-portal':
      requireSampleQuery(source, options.query);
      return queryChicagoPortal({ url: options.portalUrl, appToken: options.appToken, log });
    case 'csv':
      requireSampleQuery(source, options.query);
      if (!options.csvUri) {
        throw new QueryUsageError('the csv source needs --csv-uri (a path or URL).', 'csv-uri');
      }
      return queryCsv({ uri: options.csvUri, log });
    default: {
      const unknown: never = source;
      throw new QueryUsageError(`unknown source '${String(unknown)}'.`, 'source');
    }
  }
}

/**
 * Runs the query step.
 * @throws SourceError, EmptyResultError, BadDataError, WarehouseError, DestinationError or
 *   QueryUsageError, each naming what went wrong
 */
export async function runQueryStep(options: QueryStepOptions): Promise<QueryStepResult> {
  const log = options.log ?? (() => undefined);
  const today = options.today || todayIn('America/Chicago');
  const source = options.source ?? 'warehouse';
  log(`query: reading daily totals from ${source} (today is ${today})`);
  const result = await readSource({ ...options, log }, today);

  const { series, repairs } = repairDailySeries(result.rows, source, {
    ...options.repair,
    today,
  });
  for (const r of repairs) log(`query: repaired: ${r.kind}: ${r.detail}`);

  const csv = formatDatasetCsv(series);
  const sha256 = sha256Hex(csv);
  const assessment = assessGrowthAndDrift(series, options.previousSummary, options.drift);
  const summary = summarizeSeries(series, {
    window: options.previousSummary?.window ?? options.summaryWindow ?? 28,
    sha256,
  });
  const first = series[0];
  const last = series[series.length - 1];
  const metadata: DatasetMetadata = {
    rows: series.length,
    firstDay: first?.day ?? '',
    lastDay: last?.day ?? '',
    sha256,
    columns: 'count,day',
    source,
    query: result.query,
    sourceDetails: result.details,
    repairs: repairs.map((r) => ({ ...r })),
    today,
    createdAt: new Date().toISOString(),
    summary: { ...summary },
    newDays: assessment.newDays,
    growthRatio: assessment.growthRatio,
    drift: assessment.drift,
    shouldRetrain: assessment.shouldRetrain,
    retrainReasons: assessment.reasons,
  };
  log(
    `query: ${series.length} days ${metadata.firstDay}..${metadata.lastDay}, ` +
      `sha256 ${sha256.slice(0, 12)}…, ${repairs.length} repair(s)`,
  );
  log(
    `query: ${assessment.newDays} new day(s), growth ${assessment.growthRatio}, drift ${assessment.drift}: ` +
      `${assessment.shouldRetrain ? 'retrain' : 'no need to retrain'} (${assessment.reasons.join('; ')})`,
  );

  const outputUri = await writeDataset(options.output, csv, metadata, { storage: options.storage });
  log(`query: wrote ${outputUri}`);
  let destinationUri: string | undefined;
  if (options.destination) {
    destinationUri = await writeDataset(options.destination, csv, metadata, {
      storage: options.storage,
    });
    log(`query: copied to ${destinationUri}`);
  }
  return { series, csv, metadata, repairs, assessment, outputUri, destinationUri };
}
