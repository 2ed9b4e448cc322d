/**
 * Small engine-wide values kept in the `settings` table (the Default experiment's id, the key
 * that signs page tokens).
 */
import { statement, type Db } from './database';

export class SettingsStore {
  constructor(private readonly db: Db) {}

  get(key: string): string | undefined {
    const row = statement(this.db, 'SELECT value FROM settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  /** Stores `value` under `key`, replacing what was there. */
  set(key: string, value: string): void {
    statement(
      this.db,
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  /** The value of `key`, storing `make()` first when there is none. */
  ensure(key: string, make: () => string): string {
    return this.db.transaction(() => {
      const existing = this.get(key);
      if (existing !== undefined) return existing;
      const value = make();
      statement(this.db, 'INSERT INTO settings (key, value) VALUES (?, ?)').run(key, value);
      return value;
    })();
  }
}
