/**
 * The runner's task-output cache kept in the metadata database, shared by all runs of a
 * pipeline name as in KFP. Entries of a deleted run are removed with it.
 */
import type { CacheEntry, CacheStore } from '../runner';
import { statement, type Db } from './database';

export class SqliteCacheStore implements CacheStore {
  constructor(private readonly db: Db) {}

  async get(pipelineName: string, fingerprint: string): Promise<CacheEntry | undefined> {
    const row = statement(
      this.db,
      'SELECT entry FROM cache_entries WHERE pipeline_name = ? AND fingerprint = ?',
    ).get(pipelineName, fingerprint) as { entry: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.entry) as CacheEntry);
  }

  async put(entry: CacheEntry): Promise<void> {
    const runExists = statement(this.db, 'SELECT 1 FROM runs WHERE id = ?').get(entry.runId);
    if (runExists === undefined) return;
    statement(
      this.db,
      `INSERT INTO cache_entries (pipeline_name, fingerprint, run_id, entry, created_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (pipeline_name, fingerprint) DO UPDATE SET run_id = excluded.run_id,
           entry = excluded.entry, created_at = excluded.created_at`,
    ).run(
      entry.pipelineName,
      entry.fingerprint,
      entry.runId,
      JSON.stringify(entry),
      Date.parse(entry.createdAt) || 0,
    );
  }
}
