/**
 * The embedded default: the query (the sample's BigQuery SQL translated to DuckDB's dialect, or
 * DuckDB SQL as it is) on the local warehouse file. Unless told otherwise the warehouse is first
 * brought up to date — created on first use, extended by the days that passed since.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findDailyColumns, type RawDailyRow } from '../daily-series';
import { SourceError, WarehouseError, describeCause } from '../errors';
import { SAMPLE_SQL, toDuckDbSql } from '../sql-dialect';
import { openDuckDb, queryRows } from '../warehouse/duckdb';
import { defaultWarehousePath } from '../warehouse/location';
import { ensureWarehouse } from '../warehouse/warehouse';
import type { ProgressLog, SourceResult } from './source';

/** Options of {@link queryWarehouse}. */
export interface WarehouseSourceOptions {
  /**
   * The DuckDB file.
   * @default defaultWarehousePath()
   */
  path?: string;
  /**
   * The query, BigQuery (the sample's) or DuckDB SQL; it must return `count` and `day` columns.
   * @default SAMPLE_SQL
   */
  query?: string;
  /**
   * Create the warehouse if missing and append the days that passed, before querying.
   * @default true
   */
  update?: boolean;
  /** Today (`YYYY-MM-DD`) for the update. @default the current date in Chicago */
  today?: string;
  /** Seed for a warehouse created by the update. @default DEFAULT_SEED */
  seed?: number;
  /**
   * How long to wait for another process's lock on the file, in milliseconds.
   * @default 30000
   */
  lockTimeoutMs?: number;
  /** Receives progress lines. @default no logging */
  log?: ProgressLog;
}

/**
 * Runs the query on the warehouse.
 * @throws SourceError when the warehouse is missing, the SQL fails, or the result has no
 *   `count` and `day` columns; WarehouseError when the update fails
 */
export async function queryWarehouse(options: WarehouseSourceOptions = {}): Promise<SourceResult> {
  const file = path.resolve(options.path ?? defaultWarehousePath());
  const log = options.log ?? (() => undefined);
  if (options.update ?? true) {
    const ensured = await ensureWarehouse({
      path: file,
      today: options.today,
      seed: options.seed,
      lockTimeoutMs: options.lockTimeoutMs,
      log,
    });
    if (ensured.info && !ensured.created) {
      log(
        `warehouse: ${file} holds ${ensured.info.firstDay}..${ensured.info.lastDay}` +
          (ensured.appendedDays > 0 ? ` (${ensured.appendedDays} new days)` : ' (up to date)'),
      );
    }
  } else if (!fs.existsSync(file)) {
    throw new SourceError('warehouse', `the warehouse ${file} does not exist.`, { file });
  }

  const original = options.query?.trim() || SAMPLE_SQL;
  const translated = toDuckDbSql(original);
  if (translated.changes.length > 0) {
    log(`warehouse: translated the query to DuckDB SQL (${translated.changes.join('; ')})`);
  }
  let session;
  try {
    session = await openDuckDb(file, { readOnly: true, lockTimeoutMs: options.lockTimeoutMs });
  } catch (error) {
    throw new WarehouseError(`cannot open ${file}: ${describeCause(error)}`, file, {
      cause: error,
    });
  }
  let result;
  try {
    result = await queryRows(session.connection, translated.sql);
  } catch (error) {
    throw new SourceError(
      'warehouse',
      `the query failed on ${file}: ${describeCause(error)}\n  query as run: ${translated.sql}`,
      { file },
      { cause: error },
    );
  } finally {
    session.close();
  }
  const columns = findDailyColumns(result.columns);
  if (columns === undefined) {
    throw new SourceError(
      'warehouse',
      `the query must return a count and a day column; it returned ${result.columns.join(', ') || 'no columns'}.`,
      { file },
    );
  }
  const rows: RawDailyRow[] = result.rows.map((r, i) => ({
    row: i + 1,
    day: r[columns.day],
    count: r[columns.count],
  }));
  return {
    source: 'warehouse',
    rows,
    query: translated.sql,
    details: {
      warehouse: file,
      originalQuery: original,
      translations: translated.changes,
    },
  };
}
