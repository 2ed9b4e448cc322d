/**
 * A tick whose transaction fails (a full disk, a locked database) is tried again a second later,
 * not at once: while the failure lasts the scheduler makes one attempt per second of its clock,
 * and once it clears the runs that were due are created. The scheduler is used directly here,
 * over a store whose transactions fail while the test says so.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Db } from '../../../kernel-lib/src/engine/store/database';
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

const STORE_FAILURE = 'the scheduler could not store its runs: disk I/O error';

/** The database as the scheduler sees it: its transactions throw while `failing.on`. */
function failingDb(db: Db, failing: { on: boolean }): Db {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'transaction') {
        return (fn: () => void) => {
          const transaction = target.transaction(fn);
          return () => {
            if (failing.on) throw new Error('disk I/O error');
            return transaction();
          };
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

function setup() {
  const dir = tempDir('pipelab-retry-');
  const file = path.join(dir, 'pipelab.db');
  const clock = new FakeClock(new Date('2026-03-01T00:00:00Z'));
  const store = openStore(file);
  const launcher = new FakeLauncher();
  launcher.autoFinish = 'SUCCEEDED';
  const failing = { on: false };
  const logs: string[] = [];
  const late: { scheduler?: Scheduler } = {};
  const runs = new RunManager({
    store,
    launcher,
    now: () => clock.now(),
    dataDir: dir,
    defaultPipelineRoot: `file://${path.join(dir, 'artifacts')}`,
    log: () => undefined,
    onRunEnded: (ended) => late.scheduler?.onRunEnded(ended),
  });
  const schedulerStore: Store = { ...store, db: failingDb(store.db, failing) };
  const scheduler = new Scheduler({
    store: schedulerStore,
    runs,
    clock,
    log: (message) => logs.push(message),
  });
  late.scheduler = scheduler;
  cleanup.push(() => {
    scheduler.stop();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  /** An hourly recurring run, created now. */
  const hourly = (id: string): string =>
    store.recurringRuns.insert(
      {
        id,
        display_name: 'hourly',
        description: '',
        experiment_id: store.experiments.ensureDefault(clock.now().getTime()),
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
  hourly('rr-1');
  const attempts = (): number => logs.filter((line) => line === STORE_FAILURE).length;
  /** The scheduled times of a recurring run's runs (rr-1's by default), as ISO strings. */
  const scheduled = (id = 'rr-1'): string[] =>
    (
      store.db
        .prepare('SELECT scheduled_at FROM runs WHERE recurring_run_id = ? ORDER BY scheduled_at')
        .all(id) as { scheduled_at: number }[]
    ).map((r) => new Date(r.scheduled_at).toISOString());
  return { clock, launcher, failing, logs, scheduler, hourly, attempts, scheduled };
}

function realTime(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

it('tries a tick that could not store its runs again after a second, not in a loop', async () => {
  const { clock, launcher, failing, logs, scheduler, attempts, scheduled } = setup();
  scheduler.start();
  failing.on = true;
  await clock.advanceAsync(HOUR); // 01:00 is due: the tick fails
  expect(attempts()).toBe(1);

  // The failure lasts; the fake clock stands still for 100 ms of real time: no more attempts.
  await realTime(100);
  expect(attempts()).toBeLessThanOrEqual(2);
  expect(attempts()).toBe(1);
  expect(clock.nextTimerAt()?.toISOString()).toBe('2026-03-01T01:00:01.000Z');

  // One attempt per second of the scheduler's clock while it fails.
  await clock.advanceAsync(999);
  expect(attempts()).toBe(1);
  await clock.advanceAsync(1);
  expect(attempts()).toBe(2);
  await clock.advanceAsync(3000);
  expect(attempts()).toBe(5);
  await realTime(50);
  expect(attempts()).toBe(5);
  expect(scheduled()).toEqual([]);

  // The failure clears: the next retry creates the run that was due, once.
  failing.on = false;
  await clock.advanceAsync(1000);
  expect(scheduled()).toEqual(['2026-03-01T01:00:00.000Z']);
  expect(launcher.launches.map((run) => run.request.scheduleTime.toISOString())).toEqual([
    '2026-03-01T01:00:00.000Z',
  ]);
  expect(attempts()).toBe(5);
  expect(logs.every((line) => line === STORE_FAILURE)).toBe(true);

  // And it keeps to its schedule afterwards.
  await clock.advanceAsync(HOUR);
  expect(scheduled()).toEqual(['2026-03-01T01:00:00.000Z', '2026-03-01T02:00:00.000Z']);
});

it('retries a tick that failed once, catching up what fell due meanwhile', async () => {
  const { clock, failing, scheduler, attempts, scheduled } = setup();
  scheduler.start();
  failing.on = true;
  await clock.advanceAsync(HOUR);
  expect(attempts()).toBe(1);
  failing.on = false;
  await realTime(20);
  expect(scheduled()).toEqual([]);
  await clock.advanceAsync(1000);
  expect(scheduled()).toEqual(['2026-03-01T01:00:00.000Z']);
  expect(attempts()).toBe(1);
});

it('while one recurring run waits for its retry, the others keep their own fire times', async () => {
  const { clock, failing, scheduler, hourly, attempts, scheduled } = setup();
  scheduler.start();
  failing.on = true;
  await clock.advanceAsync(HOUR);
  expect(attempts()).toBe(1);
  // A second recurring run, created (and refreshed) at 01:00 while the first waits for its
  // retry, is planned at once; nothing of it is due, so nothing is tried before the retry.
  scheduler.refresh(hourly('rr-2'));
  await realTime(50);
  expect(attempts()).toBe(1);
  expect(clock.nextTimerAt()?.toISOString()).toBe('2026-03-01T01:00:01.000Z');
  failing.on = false;
  await clock.advanceAsync(1000);
  expect(scheduled()).toEqual(['2026-03-01T01:00:00.000Z']);
  // The timer is back on the fire times: both schedules fire at 02:00.
  expect(clock.nextTimerAt()?.toISOString()).toBe('2026-03-01T02:00:00.000Z');
  await clock.advanceAsync(HOUR);
  expect(scheduled()).toEqual(['2026-03-01T01:00:00.000Z', '2026-03-01T02:00:00.000Z']);
  expect(scheduled('rr-2')).toEqual(['2026-03-01T02:00:00.000Z']);
});
