/**
 * The engine's life: options, the database on disk (WAL, migrations), shutdown with runs in
 * progress. Recovery after the process was killed is in durability.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DATABASE_FILE,
  EngineOptionsError,
  startEngine,
  StoreError,
} from '../../../kernel-lib/src/engine';
import { FakeLauncher, helloSpec, startTestEngine, tempDir, type TestEngine } from './helpers';

interface Run {
  run_id: string;
  display_name: string;
  state: string;
  error?: { code: number; message: string };
  state_history: { state: string; error?: { message: string } }[];
  run_details?: { task_details?: { state: string; error?: { message: string } }[] };
}

const open: TestEngine[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary data directory, removed after the suite. */
function scratch(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

async function started(options: Parameters<typeof startTestEngine>[0]): Promise<TestEngine> {
  const t = await startTestEngine(options);
  open.push(t);
  return t;
}

describe('engine lifecycle', () => {
  it('checks its options', async () => {
    const dataDir = scratch();
    await expect(startEngine({ dataDir, port: -1 })).rejects.toBeInstanceOf(EngineOptionsError);
    await expect(startEngine({ dataDir, port: 0, parallelism: 0 })).rejects.toThrow(/parallelism/);
    await expect(startEngine({ dataDir: '' })).rejects.toThrow(/dataDir/);
  });

  it('binds to 127.0.0.1 by default and reports a busy port clearly', async () => {
    const t = await started({ launcher: new FakeLauncher() });
    expect(t.engine.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.engine.host).toBe('127.0.0.1');
    await expect(
      startEngine({ dataDir: scratch(), port: t.engine.port, log: () => undefined }),
    ).rejects.toThrow(/already in use/);
  });

  it('keeps its data in a WAL-mode SQLite database with recorded migrations', async () => {
    const t = await started({ launcher: new FakeLauncher() });
    const db = new Database(path.join(t.dataDir, DATABASE_FILE), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(3);
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([
        { version: 1 },
        { version: 2 },
        { version: 3 },
      ]);
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer Pipelab', async () => {
    const dataDir = scratch();
    const db = new Database(path.join(dataDir, DATABASE_FILE));
    db.pragma('user_version = 99');
    db.close();
    await expect(startEngine({ dataDir, port: 0, log: () => undefined })).rejects.toBeInstanceOf(
      StoreError,
    );
  });

  it('keeps everything across a restart, with one Default experiment', async () => {
    const dataDir = scratch();
    const launcher = new FakeLauncher();
    const first = await startTestEngine({ dataDir, launcher });
    const pipeline = await first.api.post<{ pipeline_id: string }>('/apis/v2beta1/pipelines', {
      name: 'kept',
    });
    const run = await first.api.post<Run>('/apis/v2beta1/runs', {
      display_name: 'done',
      pipeline_spec: helloSpec(),
    });
    launcher.run(run.body.run_id).finish('SUCCEEDED');
    await first.close();

    const second = await started({ dataDir, launcher: new FakeLauncher() });
    expect(second.engine.recoveredRuns).toBe(0);
    expect(
      (await second.api.get(`/apis/v2beta1/pipelines/${pipeline.body.pipeline_id}`)).status,
    ).toBe(200);
    expect((await second.api.get<Run>(`/apis/v2beta1/runs/${run.body.run_id}`)).body.state).toBe(
      'SUCCEEDED',
    );
    const defaults = await second.api.get<{ experiments: unknown[] }>('/apis/v2beta1/experiments', {
      filter: JSON.stringify({
        predicates: [{ operation: 1, key: 'display_name', stringValue: 'Default' }],
      }),
    });
    expect(defaults.body.experiments).toHaveLength(1);
  });

  it('records runs still going at shutdown as FAILED, with the reason', async () => {
    const dataDir = scratch();
    const launcher = new FakeLauncher();
    const first = await startTestEngine({ dataDir, launcher, shutdownGraceMs: 200 });
    const stopping = await first.api.post<Run>('/apis/v2beta1/runs', {
      display_name: 'stops',
      pipeline_spec: helloSpec(),
    });
    const stuck = await first.api.post<Run>('/apis/v2beta1/runs', {
      display_name: 'stuck',
      pipeline_spec: helloSpec(),
    });
    launcher.run(stuck.body.run_id).stuck = true;
    await first.close();
    expect(launcher.run(stopping.body.run_id).request.signal.aborted).toBe(true);
    expect(launcher.run(stuck.body.run_id).ended).toBe(false);

    const second = await started({ dataDir, launcher: new FakeLauncher() });
    expect(second.engine.recoveredRuns).toBe(0);
    for (const id of [stopping.body.run_id, stuck.body.run_id]) {
      const run = (await second.api.get<Run>(`/apis/v2beta1/runs/${id}`)).body;
      expect(run.state).toBe('FAILED');
      expect(run.error?.message).toContain('the engine shut down');
    }
  });
});
