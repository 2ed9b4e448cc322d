/**
 * Opening the engine's SQLite database (better-sqlite3): WAL journal, foreign keys on, and the
 * schema brought up to date by {@link MIGRATIONS}, each migration in its own transaction.
 */
import Database from 'better-sqlite3';
import { StoreError } from '../errors';
import { MIGRATIONS, type Migration } from './migrations';

/** An open database. */
export type Db = Database.Database;

/** Past this many distinct statements of one database, the cache starts over. */
const STATEMENT_CACHE_LIMIT = 512;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The prepared statement for `sql` on `db`, prepared once and reused: preparing costs more than
 * running most of the engine's queries.
 */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (cache === undefined) {
    cache = new Map();
    statements.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (prepared === undefined) {
    if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}

function currentVersion(db: Db): number {
  const version = db.pragma('user_version', { simple: true });
  return typeof version === 'number' ? version : 0;
}

function apply(db: Db, migration: Migration, now: number): void {
  db.transaction(() => {
    db.exec(migration.sql);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      migration.version,
      migration.name,
      now,
    );
    db.pragma(`user_version = ${migration.version}`);
  })();
}

/**
 * Brings the schema up to date.
 *
 * @throws {@link StoreError} when the database was written by a newer Pipelab, or a migration
 *   fails (it is rolled back).
 */
export function migrate(
  db: Db,
  migrations: readonly Migration[] = MIGRATIONS,
  now = Date.now(),
): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const version = currentVersion(db);
  if (version > latest) {
    throw new StoreError(
      `the database is at schema version ${version}, newer than this Pipelab knows (${latest}); use a newer Pipelab or another data directory.`,
    );
  }
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= version) continue;
    try {
      apply(db, migration, now);
    } catch (error) {
      throw new StoreError(
        `schema migration ${migration.version} (${migration.name}) failed: ${error instanceof Error ? error.message : String(error)}`,
        {},
        { cause: error },
      );
    }
  }
}

/**
 * Opens (creating if needed) the database file and migrates it.
 *
 * @throws {@link StoreError} when the file cannot be opened or migrated.
 */
export function openDatabase(file: string): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (error) {
    throw new StoreError(
      `cannot open the database ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { file },
      { cause: error },
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (error) {
    db.close();
    throw error instanceof StoreError
      ? error
      : new StoreError(
          `cannot prepare the database ${file}: ${error instanceof Error ? error.message : String(error)}`,
          { file },
          { cause: error },
        );
  }
  return db;
}

/**
 * Runs `body` in a transaction, or — inside one already open — as part of it, without a
 * savepoint (which costs as much as the statements of a small write): an error then propagates
 * to the caller's transaction, which rolls it back. A statement that fails alone (a refused
 * INSERT) writes nothing either way.
 */
export function atomically<T>(db: Db, body: () => T): T {
  return db.inTransaction ? body() : db.transaction(body)();
}

/** True when `error` is SQLite refusing a row that breaks a UNIQUE constraint. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
