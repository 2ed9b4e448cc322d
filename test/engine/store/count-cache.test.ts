/**
 * `total_size` is remembered between lists, and counted again after any write: by the engine's
 * own connection, or by another one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../kernel-lib/src/engine/store';

describe('the count of a list', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-counts-'));
  const file = path.join(dir, 'pipelab.db');
  const store = openStore(file);
  afterAll(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const total = (): number =>
    store.experiments.list({ predicates: [], sortKey: 'created_at', desc: false, pageSize: 1 })
      .total;

  it('follows every write, whichever connection made it', () => {
    expect(total()).toBe(0);
    store.experiments.create({ display_name: 'a', description: '' }, 1);
    expect(total()).toBe(1);
    expect(total()).toBe(1);
    const other = new Database(file);
    try {
      other
        .prepare(
          `INSERT INTO experiments (id, display_name, description, namespace, created_at)
           VALUES ('x', 'from elsewhere', '', '', 2)`,
        )
        .run();
    } finally {
      other.close();
    }
    expect(total()).toBe(2);
    store.experiments.delete('x');
    expect(total()).toBe(1);
  });
});
