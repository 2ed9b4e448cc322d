/**
 * Opening DuckDB files. DuckDB lets one process write a database file at a time (and readers
 * share it only with other readers), so the daily append and a pipeline's query may meet on the
 * warehouse: opening waits for the other side's lock to go away instead of failing at once.
 *
 * `@duckdb/node-api` is loaded on first use, so importing the data component stays cheap.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { describeCause } from '../errors';

/** An open database and its connection; `close()` releases the file. */
export interface DuckDbSession {
  readonly connection: DuckDBConnection;
  close(): void;
}

/** Options of {@link openDuckDb}. */
export interface OpenDuckDbOptions {
  /**
   * Open read-only (shares the file with other readers).
   * @default false
   */
  readOnly?: boolean;
  /**
   * How long to wait for another process's lock on the file, in milliseconds.
   * @default 30000
   */
  lockTimeoutMs?: number;
}

function isLockConflict(error: unknown): boolean {
  return /could not set lock|conflicting lock|lock on file/i.test(describeCause(error));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens a DuckDB database file (created when missing, unless read-only).
 * @throws the DuckDB error when the file cannot be opened, or is still locked after the timeout
 */
export async function openDuckDb(
  file: string,
  options: OpenDuckDbOptions = {},
): Promise<DuckDbSession> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const deadline = Date.now() + (options.lockTimeoutMs ?? 30_000);
  const config: Record<string, string> = options.readOnly ? { access_mode: 'READ_ONLY' } : {};
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const instance = await DuckDBInstance.create(file, config);
      const connection = await instance.connect();
      return {
        connection,
        close() {
          connection.closeSync();
          instance.closeSync();
        },
      };
    } catch (error) {
      if (!isLockConflict(error) || Date.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}

/** A query's column names and rows, values in DuckDB's JSON rendering (BIGINT as text). */
export interface JsonResult {
  columns: string[];
  rows: unknown[][];
}

/** Runs a query and reads all its rows. */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<JsonResult> {
  const reader = await connection.runAndReadAll(sql);
  return { columns: reader.columnNames(), rows: reader.getRowsJson() };
}
