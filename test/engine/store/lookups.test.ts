/**
 * Store lookups the API builds its answers from: the latest run of each recurring run of a page
 * (one query, the columns a recurring run shows), and which pipeline version a reference runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../kernel-lib/src/engine/store';

let dir: string;
let store: Store;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-lookups-'));
  store = openStore(path.join(dir, 'pipelab.db'));
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the latest run of each recurring run', () => {
  it('is the one scheduled last, whatever the order the runs were stored in', () => {
    const experiment = store.experiments.ensureDefault(0);
    const run = (id: string, recurringRunId: string | undefined, scheduledAt: number) =>
      store.runs.insert({
        id,
        display_name: `run ${id}`,
        description: '',
        experiment_id: experiment,
        pipeline_id: '',
        pipeline_version_id: '',
        spec_inline: true,
        pipeline_spec: '{}',
        parameters: '{}',
        pipeline_root: '',
        service_account: '',
        created_at: scheduledAt + 5,
        scheduled_at: scheduledAt,
        ...(recurringRunId !== undefined ? { recurring_run_id: recurringRunId } : {}),
        work_dir: '',
      });
    run('a-2', 'rr-a', 2000);
    run('a-3', 'rr-a', 3000);
    run('a-1', 'rr-a', 1000);
    run('b-1', 'rr-b', 500);
    run('lone', undefined, 9000);
    store.runs.setState('a-3', 'SUCCEEDED', 3500);

    const latest = store.runs.latestOfRecurringRuns(['rr-a', 'rr-b', 'rr-none']);
    expect([...latest.keys()].sort()).toEqual(['rr-a', 'rr-b']);
    // Only what a recurring run shows of it.
    expect(latest.get('rr-a')).toEqual({
      id: 'a-3',
      display_name: 'run a-3',
      state: 'SUCCEEDED',
      scheduled_at: 3000,
      created_at: 3005,
      finished_at: 3500,
    });
    expect(latest.get('rr-b')).toMatchObject({ id: 'b-1', scheduled_at: 500 });
    expect(store.runs.latestOfRecurringRuns([]).size).toBe(0);
  });
});

describe('the pipeline version a reference runs', () => {
  it('is the version named, or the latest of the pipeline named; else says why not', () => {
    const version = (name: string) => ({
      name,
      display_name: name,
      description: '',
      pipeline_spec: JSON.stringify({ pipelineInfo: { name } }),
    });
    const pipelines = store.pipelines;
    const p = pipelines.create({ name: 'p', display_name: 'p', description: '' }, 1000).id;
    const empty = pipelines.create({ name: 'e', display_name: 'e', description: '' }, 1000).id;
    const v1 = pipelines.createVersion(p, version('v1'), 2000).id;
    const v2 = pipelines.createVersion(p, version('v2'), 3000).id;

    expect(pipelines.versionToRun(p, '')).toMatchObject({
      kind: 'found',
      pinned: false,
      version: { id: v2 },
    });
    expect(pipelines.versionToRun('', v1)).toMatchObject({
      kind: 'found',
      pinned: true,
      version: { id: v1 },
    });
    expect(pipelines.versionToRun(p, v1)).toMatchObject({ kind: 'found', version: { id: v1 } });
    expect(pipelines.versionToRun(empty, v1)).toMatchObject({
      kind: 'other-pipeline',
      version: { id: v1, pipeline_id: p },
    });
    expect(pipelines.versionToRun(p, 'no-such')).toEqual({ kind: 'version-not-found' });
    expect(pipelines.versionToRun('', '')).toEqual({ kind: 'nothing-named' });
    expect(pipelines.versionToRun('no-such', '')).toEqual({ kind: 'pipeline-not-found' });
    expect(pipelines.versionToRun(empty, '')).toEqual({ kind: 'no-version' });
  });
});
