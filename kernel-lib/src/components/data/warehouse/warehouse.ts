/**
 * The embedded warehouse: a DuckDB file with a `crime` table of individual reports (`id BIGINT,
 * date TIMESTAMP, primary_type VARCHAR, arrest BOOLEAN, domestic BOOLEAN, beat INTEGER,
 * district INTEGER, ward INTEGER, community_area INTEGER, year INTEGER`; `date` is Chicago local
 * time), generated from 2001-01-01 and extended day by day as time passes, plus a one-row
 * `pipelab_warehouse` table recording the generator, the seed and the last day written.
 *
 * Only whole days are written. A new warehouse is built in a temporary file and renamed into
 * place; new days are appended in transactions that also move `last_day`, so a crash leaves
 * either the old days or the old days plus whole new ones — never half a day, never a day twice.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { dayNumber, isoDay, parseIsoDay, todayIn } from '../days';
import { WarehouseError, describeCause } from '../errors';
import {
  DEFAULT_SEED,
  FIRST_GENERATED_DAY,
  generateDailyTotals,
  type GeneratedDay,
} from '../generator/daily-totals';
import { openDuckDb, queryRows } from './duckdb';
import { defaultWarehousePath } from './location';
import {
  DAYS_TABLE,
  KEYS_TABLE,
  createDaysTableSql,
  createKeysTableSql,
  reportsSelectSql,
} from './report-sql';

/** The table holding the warehouse's own description. */
export const META_TABLE = 'pipelab_warehouse';
/** The generator (and its version) recorded in new warehouses. */
export const GENERATOR_NAME = 'pipelab-chicago/1';

/** What a warehouse holds. */
export interface WarehouseInfo {
  /** The DuckDB file. */
  path: string;
  /** The generator that wrote it. */
  generator: string;
  /** The seed of its data. */
  seed: number;
  /** First and last day it holds (`YYYY-MM-DD`, inclusive). */
  firstDay: string;
  lastDay: string;
  /** Number of reports (rows of `crime`). */
  reports: number;
}

/** Progress lines (one line, no newline). */
export type LogLine = (line: string) => void;

/** Options of {@link createWarehouse}. */
export interface CreateWarehouseOptions {
  /**
   * The DuckDB file to create.
   * @default defaultWarehousePath()
   */
  path?: string;
  /** The last day to generate (inclusive), `YYYY-MM-DD`. */
  until: string;
  /**
   * Seed of the generated data.
   * @default DEFAULT_SEED
   */
  seed?: number;
  /**
   * Replace an existing file.
   * @default false
   */
  overwrite?: boolean;
  /** Receives progress lines. @default no logging */
  log?: LogLine;
}

/** Options of {@link appendNewDays}. */
export interface AppendNewDaysOptions {
  /** The last day to add (inclusive), `YYYY-MM-DD`. */
  until: string;
  /**
   * Days written per transaction.
   * @default 366
   */
  batchDays?: number;
  /**
   * How long to wait for another process's lock on the file, in milliseconds.
   * @default 30000
   */
  lockTimeoutMs?: number;
  /** Receives progress lines. @default no logging */
  log?: LogLine;
}

/** What {@link appendNewDays} did. */
export interface AppendResult extends WarehouseInfo {
  /** Days added (0 when the warehouse was already up to date). */
  appendedDays: number;
  /** Reports added. */
  appendedReports: number;
}

/** Options of {@link ensureWarehouse}. */
export interface EnsureWarehouseOptions {
  /**
   * The DuckDB file.
   * @default defaultWarehousePath() ($PIPELAB_WAREHOUSE, else $PIPELAB_HOME or ~/.pipelab)
   */
  path?: string;
  /**
   * Today, as `YYYY-MM-DD` or an instant (read as a Chicago date). The warehouse holds every
   * whole day before it.
   * @default the current date in Chicago
   */
  today?: string | Date;
  /**
   * Seed of the data, used only when the warehouse is created.
   * @default DEFAULT_SEED
   */
  seed?: number;
  /**
   * How long to wait for another process's lock on the file, in milliseconds.
   * @default 30000
   */
  lockTimeoutMs?: number;
  /** Receives progress lines. @default no logging */
  log?: LogLine;
}

/** What {@link ensureWarehouse} did. */
export interface EnsureWarehouseResult {
  path: string;
  /** True when the file was created by this call. */
  created: boolean;
  /** Days appended by this call. */
  appendedDays: number;
  /**
   * The warehouse's description; `undefined` for a DuckDB file with a `crime` table that
   * Pipelab did not generate (it is queried as it is, never modified).
   */
  info: WarehouseInfo | undefined;
}

const noLog: LogLine = () => undefined;

function checkDay(text: string, what: string, file: string): string {
  if (parseIsoDay(text) === undefined) {
    throw new WarehouseError(`${what} must be a YYYY-MM-DD day; got '${text}'.`, file);
  }
  return text;
}

/** Loads day totals into the temporary days table, ids continuing after `lastId`. */
async function loadDays(
  connection: DuckDBConnection,
  days: GeneratedDay[],
  lastId: number,
): Promise<number> {
  await connection.run(createDaysTableSql());
  const appender = await connection.createAppender(DAYS_TABLE, 'main', 'temp');
  let nextId = lastId;
  try {
    for (const d of days) {
      appender.appendInteger(dayNumber(d.day));
      appender.appendInteger(d.count);
      appender.appendBigInt(BigInt(nextId));
      appender.endRow();
      nextId += d.count;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return nextId - lastId;
}

async function dropTemporaries(connection: DuckDBConnection): Promise<void> {
  await connection.run(`DROP TABLE IF EXISTS ${KEYS_TABLE}`);
  await connection.run(`DROP TABLE IF EXISTS ${DAYS_TABLE}`);
}

function sqlDay(day: string): string {
  return `DATE '${day}'`;
}

async function readMeta(
  connection: DuckDBConnection,
  file: string,
): Promise<WarehouseInfo | undefined> {
  const tables = await queryRows(
    connection,
    `SELECT table_name FROM information_schema.tables WHERE table_name = '${META_TABLE}'`,
  );
  if (tables.rows.length === 0) return undefined;
  const meta = await queryRows(
    connection,
    `SELECT generator, seed, strftime(first_day, '%Y-%m-%d'), strftime(last_day, '%Y-%m-%d'), reports FROM ${META_TABLE}`,
  );
  const row = meta.rows[0];
  if (meta.rows.length !== 1 || row === undefined) {
    throw new WarehouseError(
      `${file}: the ${META_TABLE} table must hold exactly one row; it holds ${meta.rows.length}.`,
      file,
    );
  }
  return {
    path: file,
    generator: String(row[0]),
    seed: Number(row[1]),
    firstDay: String(row[2]),
    lastDay: String(row[3]),
    reports: Number(row[4]),
  };
}

async function hasCrimeTable(connection: DuckDBConnection): Promise<boolean> {
  const tables = await queryRows(
    connection,
    `SELECT table_name FROM information_schema.tables WHERE table_name = 'crime'`,
  );
  return tables.rows.length > 0;
}

function removeQuietly(file: string): void {
  for (const f of [file, `${file}.wal`]) fs.rmSync(f, { force: true });
}

/**
 * Creates a warehouse holding every day from 2001-01-01 to `until`. It is built in a temporary
 * file next to the target and renamed into place once complete.
 * @throws WarehouseError when the file exists (without `overwrite`) or cannot be written
 */
export async function createWarehouse(options: CreateWarehouseOptions): Promise<WarehouseInfo> {
  const file = path.resolve(options.path ?? defaultWarehousePath());
  const seed = options.seed ?? DEFAULT_SEED;
  const log = options.log ?? noLog;
  const until = checkDay(options.until, 'until', file);
  if (until < FIRST_GENERATED_DAY) {
    throw new WarehouseError(
      `until (${until}) is before the first day of the data (${FIRST_GENERATED_DAY}).`,
      file,
    );
  }
  if (!options.overwrite && fs.existsSync(file)) {
    throw new WarehouseError(`${file} already exists.`, file);
  }
  let days: GeneratedDay[];
  try {
    days = generateDailyTotals({ seed, until });
  } catch (error) {
    throw new WarehouseError(`cannot generate the data: ${describeCause(error)}`, file, {
      cause: error,
    });
  }
  const started = Date.now();
  const temp = `${file}.building-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const session = await openDuckDb(temp);
    try {
      const c = session.connection;
      // Row order carries no meaning (ids do), so DuckDB may write in parallel.
      await c.run('SET preserve_insertion_order = false');
      // DuckDB's default analysis of text columns costs more than the rest of the build.
      await c.run(`SET force_compression = 'dictionary'`);
      await c.run('BEGIN TRANSACTION');
      const reports = await loadDays(c, days, 0);
      await c.run(createKeysTableSql());
      await c.run(`CREATE TABLE crime AS ${reportsSelectSql(seed)}`);
      await c.run(
        `CREATE TABLE ${META_TABLE} (generator VARCHAR, seed UBIGINT, first_day DATE, last_day DATE, reports BIGINT, updated_at TIMESTAMP)`,
      );
      await c.run(
        `INSERT INTO ${META_TABLE} VALUES ('${GENERATOR_NAME}', ${seed}, ${sqlDay(FIRST_GENERATED_DAY)}, ${sqlDay(until)}, ${reports}, now()::TIMESTAMP)`,
      );
      await dropTemporaries(c);
      await c.run('COMMIT');
      await c.run('CHECKPOINT');
    } finally {
      session.close();
    }
    fs.renameSync(temp, file);
    fs.rmSync(`${temp}.wal`, { force: true });
  } catch (error) {
    removeQuietly(temp);
    if (error instanceof WarehouseError) throw error;
    throw new WarehouseError(`cannot create ${file}: ${describeCause(error)}`, file, {
      cause: error,
    });
  }
  const reports = days.reduce((sum, d) => sum + d.count, 0);
  log(
    `warehouse: created ${file}: ${days.length} days (${FIRST_GENERATED_DAY}..${until}), ` +
      `${reports} reports in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    path: file,
    generator: GENERATOR_NAME,
    seed,
    firstDay: FIRST_GENERATED_DAY,
    lastDay: until,
    reports,
  };
}

/**
 * Adds the days after the warehouse's last day up to `until` (inclusive). Idempotent: days
 * already present are never written again; each batch of days is one transaction.
 * @throws WarehouseError when the file is not a Pipelab warehouse, or rows already exist
 *   after its recorded last day
 */
export async function appendNewDays(
  warehouse: string,
  options: AppendNewDaysOptions,
): Promise<AppendResult> {
  const file = path.resolve(warehouse);
  const until = checkDay(options.until, 'until', file);
  const batchDays = Math.max(1, Math.floor(options.batchDays ?? 366));
  const log = options.log ?? noLog;
  if (!fs.existsSync(file)) throw new WarehouseError(`${file} does not exist.`, file);
  let session;
  try {
    session = await openDuckDb(file, { lockTimeoutMs: options.lockTimeoutMs });
  } catch (error) {
    throw new WarehouseError(`cannot open ${file}: ${describeCause(error)}`, file, {
      cause: error,
    });
  }
  let appendedDays = 0;
  let appendedReports = 0;
  try {
    const c = session.connection;
    let info = await readMeta(c, file);
    if (info === undefined) {
      throw new WarehouseError(
        `${file} was not generated by Pipelab (it has no ${META_TABLE} table); refusing to add generated days to it.`,
        file,
      );
    }
    if (until <= info.lastDay) {
      return { ...info, appendedDays: 0, appendedReports: 0 };
    }
    const missing = generateDailyTotals({
      seed: info.seed,
      from: isoDay(dayNumber(info.lastDay) + 1),
      until,
    });
    await c.run('SET preserve_insertion_order = false');
    for (let start = 0; start < missing.length; start += batchDays) {
      const batch = missing.slice(start, start + batchDays);
      const first = batch[0];
      const last = batch[batch.length - 1];
      if (first === undefined || last === undefined) break;
      await c.run('BEGIN TRANSACTION');
      try {
        const current = await readMeta(c, file);
        if (current === undefined || current.lastDay >= first.day) {
          // Another process appended these days meanwhile: nothing to do for this batch.
          await c.run('ROLLBACK');
          info = current ?? info;
          continue;
        }
        const existing = await queryRows(c, `SELECT count(*), coalesce(max(id), 0) FROM crime`);
        const later = await queryRows(
          c,
          `SELECT count(*) FROM crime WHERE date >= ${sqlDay(first.day)}::TIMESTAMP`,
        );
        if (Number(later.rows[0]?.[0] ?? 0) > 0) {
          throw new WarehouseError(
            `${file} already has reports on or after ${first.day}, after its recorded last day ` +
              `${current.lastDay}; refusing to write that day twice.`,
            file,
          );
        }
        const lastId = Number(existing.rows[0]?.[1] ?? 0);
        const reports = await loadDays(c, batch, lastId);
        await c.run(createKeysTableSql());
        await c.run(`INSERT INTO crime ${reportsSelectSql(current.seed)}`);
        await c.run(
          `UPDATE ${META_TABLE} SET last_day = ${sqlDay(last.day)}, reports = reports + ${reports}, updated_at = now()::TIMESTAMP`,
        );
        await dropTemporaries(c);
        await c.run('COMMIT');
        appendedDays += batch.length;
        appendedReports += reports;
        info = { ...current, lastDay: last.day, reports: current.reports + reports };
        log(
          `warehouse: added ${batch.length} days (${first.day}..${last.day}), ${reports} reports`,
        );
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
    await c.run('CHECKPOINT');
    return { ...info, appendedDays, appendedReports };
  } catch (error) {
    if (error instanceof WarehouseError) throw error;
    throw new WarehouseError(`cannot add days to ${file}: ${describeCause(error)}`, file, {
      cause: error,
    });
  } finally {
    session.close();
  }
}

/** The description of a warehouse; `undefined` when the file has no Pipelab metadata. */
export async function readWarehouseInfo(
  warehouse: string,
  options: { lockTimeoutMs?: number } = {},
): Promise<WarehouseInfo | undefined> {
  const file = path.resolve(warehouse);
  if (!fs.existsSync(file)) return undefined;
  let session;
  try {
    session = await openDuckDb(file, { readOnly: true, lockTimeoutMs: options.lockTimeoutMs });
  } catch (error) {
    throw new WarehouseError(`cannot open ${file}: ${describeCause(error)}`, file, {
      cause: error,
    });
  }
  try {
    return await readMeta(session.connection, file);
  } finally {
    session.close();
  }
}

/** The whole day before `today` (a day string, or an instant read as a Chicago date). */
export function lastCompleteDay(today: string | Date | undefined): string {
  const day =
    today instanceof Date || today === undefined ? todayIn('America/Chicago', today) : today;
  const n = parseIsoDay(day);
  if (n === undefined) throw new RangeError(`today must be a YYYY-MM-DD day; got '${day}'`);
  return isoDay(n - 1);
}

/**
 * Makes sure the warehouse exists and holds every whole day before today: creates it when
 * missing, else appends the days that passed since it was last extended. The engine calls this
 * daily; `npm start` calls it once. A DuckDB file with a `crime` table Pipelab did not generate
 * is left alone.
 * @throws WarehouseError when the file cannot be created, opened or extended
 */
export async function ensureWarehouse(
  options: EnsureWarehouseOptions = {},
): Promise<EnsureWarehouseResult> {
  const file = path.resolve(options.path ?? defaultWarehousePath());
  let until: string;
  try {
    until = lastCompleteDay(options.today);
  } catch (error) {
    throw new WarehouseError(describeCause(error), file, { cause: error });
  }
  const log = options.log ?? noLog;
  if (!fs.existsSync(file)) {
    const info = await createWarehouse({ path: file, until, seed: options.seed, log });
    return { path: file, created: true, appendedDays: 0, info };
  }
  let session;
  try {
    session = await openDuckDb(file, { readOnly: true, lockTimeoutMs: options.lockTimeoutMs });
  } catch (error) {
    throw new WarehouseError(`cannot open ${file}: ${describeCause(error)}`, file, {
      cause: error,
    });
  }
  let info: WarehouseInfo | undefined;
  let external = false;
  try {
    info = await readMeta(session.connection, file);
    external = info === undefined && (await hasCrimeTable(session.connection));
  } finally {
    session.close();
  }
  if (external) {
    log(`warehouse: ${file} has a crime table Pipelab did not generate; leaving it as it is`);
    return { path: file, created: false, appendedDays: 0, info: undefined };
  }
  if (info === undefined) {
    throw new WarehouseError(
      `${file} is a DuckDB file without a crime table; remove it or set PIPELAB_WAREHOUSE to another file.`,
      file,
    );
  }
  const appended = await appendNewDays(file, {
    until,
    lockTimeoutMs: options.lockTimeoutMs,
    log,
  });
  const { appendedDays, appendedReports: _reports, ...rest } = appended;
  return { path: file, created: false, appendedDays, info: rest };
}
