/**
 * The data component: the query step of the Chicago pipeline (daily report totals → the
 * sample's `count,day` CSV), its sources, the embedded warehouse and its generator, and the
 * growth-and-drift check that decides whether to retrain.
 */
export { queryMain, parseQueryArgs, QUERY_USAGE, type QueryMainIo } from './query-main';
export { warehouseMain, WAREHOUSE_USAGE } from './warehouse-main';
export {
  runQueryStep,
  type QueryStepOptions,
  type QueryStepResult,
  type DatasetMetadata,
} from './query-step';
export {
  ensureWarehouse,
  createWarehouse,
  appendNewDays,
  readWarehouseInfo,
  lastCompleteDay,
  META_TABLE,
  GENERATOR_NAME,
  type WarehouseInfo,
  type CreateWarehouseOptions,
  type AppendNewDaysOptions,
  type AppendResult,
  type EnsureWarehouseOptions,
  type EnsureWarehouseResult,
} from './warehouse/warehouse';
export { defaultWarehousePath, WAREHOUSE_ENV, HOME_ENV } from './warehouse/location';
export {
  generateDailyTotals,
  expectedCount,
  DEFAULT_SEED,
  FIRST_GENERATED_DAY,
  type GeneratedDay,
  type GenerateDailyTotalsOptions,
} from './generator/daily-totals';
export {
  summarizeSeries,
  assessGrowthAndDrift,
  parseDatasetSummary,
  type DatasetSummary,
  type SummaryOptions,
  type DriftOptions,
  type GrowthAndDrift,
} from './drift';
export {
  repairDailySeries,
  type Repair,
  type RepairKind,
  type RepairOptions,
  type RepairedSeries,
  type MissingDayPolicy,
  type DuplicateDayPolicy,
} from './repair';
export { formatDatasetCsv, parseDatasetCsv, sha256Hex, DATASET_HEADER } from './dataset-csv';
export { writeDataset, METADATA_SUFFIX, type WriteDatasetOptions } from './destination';
export {
  toDuckDbSql,
  isSampleQuery,
  SAMPLE_SQL,
  SAMPLE_SQL_DUCKDB,
  type TranslatedSql,
} from './sql-dialect';
export { queryWarehouse, type WarehouseSourceOptions } from './sources/warehouse-source';
export { queryBigQuery, type BigQuerySourceOptions } from './sources/bigquery-source';
export {
  queryChicagoPortal,
  CHICAGO_PORTAL_URL,
  PORTAL_DAILY_SOQL,
  APP_TOKEN_ENV,
  type PortalSourceOptions,
} from './sources/portal-source';
export { queryCsv, type CsvSourceOptions } from './sources/csv-source';
export { SOURCE_NAMES, isSourceName, type SourceName, type SourceResult } from './sources/source';
export type { DailyCount, RawDailyRow } from './daily-series';
export {
  DataStepError,
  SourceError,
  EmptyResultError,
  BadDataError,
  WarehouseError,
  DestinationError,
  QueryUsageError,
} from './errors';
