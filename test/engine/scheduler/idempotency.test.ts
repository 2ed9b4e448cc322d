/**
 * One run per (recurring run, scheduled time), whatever happens: ticks twice at the same instant,
 * two schedulers on the same database connection, a second engine process on the same file, a
 * cursor that fell behind (as if its write had been lost). The scheduler is used directly here,
 * over the store and a run manager with a fake launcher.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { RunManager } from '../../../kernel-lib/src/engine/runs/manager';
import { Scheduler } from '../../../kernel-lib/src/engine/runs/scheduler';
import { FakeClock } from '../../../kernel-lib/src/engine/schedule';
import { openStore, type Store } from '../../../kernel-lib/src/engine/store';
import { FakeLauncher, tempDir } from '../api/helpers';
import { HOUR, paramSpec } from './helpers';

const cleanup: (() => void)[] = [];

afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

/** A store, run manager and scheduler on a database file, as one engine process has them. */
function engineProcess(file: string, clock: FakeClock) {
  const store = openStore(file);
  const launcher = new FakeLauncher();
  launcher.autoFinish = 'SUCCEEDED';
  const late: { scheduler?: Scheduler } = {};
  const runs = new RunManager({
    store,
    launcher,
    now: () => clock.now(),
    dataDir: path.dirname(file),
    defaultPipelineRoot: `file://${path.join(path.dirname(file), 'artifacts')}`,
    log: () => undefined,
    onRunEnded: (ended) => late.scheduler?.onRunEnded(ended),
  });
  const scheduler = new Scheduler({ store, runs, clock, log: () => undefined });
  late.scheduler = scheduler;
  cleanup.push(() => {
    scheduler.stop();
    store.close();
  });
  return { store, runs, scheduler, launcher };
}

function createRecurringRun(store: Store, clock: FakeClock): string {
  const experimentId = store.experiments.ensureDefault(clock.now().getTime());
  return store.recurringRuns.insert(
    {
      id: 'rr-1',
      display_name: 'twice',
      description: '',
      experiment_id: experimentId,
      pipeline_id: '',
      pipeline_version_id: '',
      pipeline_spec: JSON.stringify(paramSpec()),
      runtime_config: '{}',
      service_account: '',
      trigger: JSON.stringify({ periodic_schedule: { interval_second: '3600' } }),
      max_concurrency: 10,
      no_catchup: false,
      mode: 'ENABLE',
      max_consecutive_failures: null,
      last_fire_at: null,
    },
    clock.now().getTime(),
  ).id;
}

function scheduledHours(store: Store, id: string): number[] {
  return (
    store.db
      .prepare('SELECT scheduled_at FROM runs WHERE recurring_run_id = ? ORDER BY scheduled_at')
      .all(id) as { scheduled_at: number }[]
  ).map((r) => new Date(r.scheduled_at).getUTCHours());
}

it('starts one run per scheduled time under double ticks, two schedulers and two processes', async () => {
  const dir = tempDir('pipelab-idempotent-');
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'pipelab.db');
  const clock = new FakeClock(new Date('2026-03-01T00:00:00Z'));
  const one = engineProcess(file, clock);
  const id = createRecurringRun(one.store, clock);
  const second = new Scheduler({
    store: one.store,
    runs: one.runs,
    clock,
    log: () => undefined,
  });
  cleanup.push(() => second.stop());
  const other = engineProcess(file, clock); // another engine process on the same database file
  for (const scheduler of [one.scheduler, second, other.scheduler]) scheduler.start();

  for (let hour = 1; hour <= 3; hour++) {
    // Every scheduler's timer fires at the same instant; then each ticks again.
    await clock.advanceAsync(HOUR);
    one.scheduler.tick();
    one.scheduler.tick();
    second.tick();
    other.scheduler.tick();
    await clock.advanceAsync(0);
  }
  expect(scheduledHours(one.store, id)).toEqual([1, 2, 3]);
  expect(one.launcher.launches.length + other.launcher.launches.length).toBe(3);
  const row = one.store.recurringRuns.require(id);
  expect(row.last_index).toBe(3);

  // The cursor falls behind (its write lost, say): the runs already there are not started again.
  one.store.db.prepare('UPDATE recurring_runs SET last_fire_at = NULL, last_index = 0').run();
  await clock.advanceAsync(HOUR);
  one.scheduler.refresh(id);
  await clock.advanceAsync(0);
  one.scheduler.tick();
  expect(scheduledHours(one.store, id)).toEqual([1, 2, 3, 4]);
  expect(one.store.recurringRuns.require(id).last_fire_at).toBe(Date.parse('2026-03-01T04:00:00Z'));
});
