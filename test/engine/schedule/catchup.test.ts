import { describe, expect, it } from 'vitest';
import {
  FakeClock,
  InvalidTriggerError,
  lastFireTimeOnEnable,
  planCatchup,
  recordRunOutcome,
  type CatchupInput,
  type Trigger,
} from '../../../kernel-lib/src/engine/schedule';
import { iso, local, utc } from './helpers';

const DAILY_03: Trigger = { cron_schedule: { cron: '0 0 3 * * *' } };
const CREATED = utc('2026-03-01T00:00:00Z');

/** Daily at 03:00 UTC; the last run was scheduled for 03-05 03:00; down for 3 days until 03-08 noon. */
const AFTER_OUTAGE: CatchupInput = {
  trigger: DAILY_03,
  anchor: CREATED,
  lastFireTime: utc('2026-03-05T03:00:00Z'),
  lastIndex: 5,
  now: utc('2026-03-08T12:00:00Z'),
};

describe('planCatchup: catch-up on (no_catchup false)', () => {
  it('after a 3-day outage, runs every missed day, oldest first, each with its scheduled time', () => {
    const plan = planCatchup({ ...AFTER_OUTAGE, maxConcurrency: 10 });
    expect(plan.runs.map((r) => [r.scheduledTime.toISOString(), r.index])).toEqual([
      ['2026-03-06T03:00:00.000Z', 6],
      ['2026-03-07T03:00:00.000Z', 7],
      ['2026-03-08T03:00:00.000Z', 8],
    ]);
    expect(plan.lastFireTime).toEqual(utc('2026-03-08T03:00:00Z'));
    expect(plan.lastIndex).toBe(8);
    expect(plan.nextFireTime).toEqual(utc('2026-03-09T03:00:00Z'));
    expect(plan.blocked).toBe(false);
    expect(plan.skippedMissed).toBe(false);
    expect(plan.finished).toBe(false);
  });

  it('never starts more than max_concurrency - active runs per tick; the rest wait', () => {
    // max_concurrency defaults to 1 (KFP's default).
    const first = planCatchup(AFTER_OUTAGE);
    expect(iso(first.runs.map((r) => r.scheduledTime))).toEqual(['2026-03-06T03:00:00.000Z']);
    expect(first.blocked).toBe(true);
    expect(first.nextFireTime).toEqual(utc('2026-03-07T03:00:00Z'));

    // Next tick, the run is still active: nothing starts.
    const busy = planCatchup({
      ...AFTER_OUTAGE,
      lastFireTime: first.lastFireTime,
      lastIndex: 6,
      activeRuns: 1,
    });
    expect(busy.runs).toEqual([]);
    expect(busy.blocked).toBe(true);
    expect(busy.lastFireTime).toEqual(first.lastFireTime);
    expect(busy.lastIndex).toBe(6);

    // It finished: the next missed day starts, then the last one.
    const second = planCatchup({ ...AFTER_OUTAGE, lastFireTime: first.lastFireTime, lastIndex: 6 });
    expect(second.runs.map((r) => r.index)).toEqual([7]);
    const third = planCatchup({ ...AFTER_OUTAGE, lastFireTime: second.lastFireTime, lastIndex: 7 });
    expect(iso(third.runs.map((r) => r.scheduledTime))).toEqual(['2026-03-08T03:00:00.000Z']);
    expect(third.blocked).toBe(false);
    expect(third.nextFireTime).toEqual(utc('2026-03-09T03:00:00Z'));

    // Two slots, one taken: one starts.
    const two = planCatchup({ ...AFTER_OUTAGE, maxConcurrency: '2', activeRuns: 1 });
    expect(two.runs).toHaveLength(1);
    const three = planCatchup({ ...AFTER_OUTAGE, maxConcurrency: 3, activeRuns: 0 });
    expect(three.runs).toHaveLength(3);
    // More active runs than slots (max_concurrency lowered): nothing starts.
    expect(planCatchup({ ...AFTER_OUTAGE, maxConcurrency: 2, activeRuns: 5 }).runs).toEqual([]);
  });

  it('nothing due: no runs, and the next fire time to wake at', () => {
    const plan = planCatchup({ ...AFTER_OUTAGE, now: utc('2026-03-05T12:00:00Z') });
    expect(plan.runs).toEqual([]);
    expect(plan.nextFireTime).toEqual(utc('2026-03-06T03:00:00Z'));
    expect(plan.blocked).toBe(false);
  });

  it('a new schedule starts after its creation; a past start_time backfills, as KFP', () => {
    const fresh = planCatchup({
      trigger: DAILY_03,
      anchor: CREATED,
      now: utc('2026-03-01T03:00:00Z'),
    });
    expect(fresh.runs.map((r) => [r.scheduledTime.toISOString(), r.index])).toEqual([
      ['2026-03-01T03:00:00.000Z', 1],
    ]);
    const backfill = planCatchup({
      trigger: { cron_schedule: { cron: '0 0 3 * * *', start_time: '2026-02-27T00:00:00Z' } },
      anchor: CREATED,
      now: utc('2026-03-01T12:00:00Z'),
      maxConcurrency: 10,
    });
    expect(iso(backfill.runs.map((r) => r.scheduledTime))).toEqual([
      '2026-02-27T03:00:00.000Z',
      '2026-02-28T03:00:00.000Z',
      '2026-03-01T03:00:00.000Z',
    ]);
  });

  it('a periodic schedule without start_time counts from its creation', () => {
    const plan = planCatchup({
      trigger: { periodic_schedule: { interval_second: '3600' } },
      anchor: utc('2026-01-01T00:10:00Z'),
      now: utc('2026-01-01T02:30:00Z'),
      maxConcurrency: 10,
    });
    expect(iso(plan.runs.map((r) => r.scheduledTime))).toEqual([
      '2026-01-01T01:10:00.000Z',
      '2026-01-01T02:10:00.000Z',
    ]);
    expect(plan.nextFireTime).toEqual(utc('2026-01-01T03:10:00Z'));
  });

  it('finished once end_time has passed', () => {
    const plan = planCatchup({
      trigger: { cron_schedule: { cron: '0 0 3 * * *', end_time: '2026-03-07T00:00:00Z' } },
      anchor: CREATED,
      lastFireTime: utc('2026-03-05T03:00:00Z'),
      now: utc('2026-03-08T12:00:00Z'),
      maxConcurrency: 10,
    });
    expect(iso(plan.runs.map((r) => r.scheduledTime))).toEqual(['2026-03-06T03:00:00.000Z']);
    expect(plan.nextFireTime).toBeUndefined();
    expect(plan.finished).toBe(true);
  });
});

describe('planCatchup: catch-up off (no_catchup true)', () => {
  it('after a 3-day outage, runs only the latest missed day and skips the older ones', () => {
    const plan = planCatchup({ ...AFTER_OUTAGE, noCatchup: true, maxConcurrency: 10 });
    expect(plan.runs.map((r) => [r.scheduledTime.toISOString(), r.index])).toEqual([
      ['2026-03-08T03:00:00.000Z', 6],
    ]);
    expect(plan.lastFireTime).toEqual(utc('2026-03-08T03:00:00Z'));
    expect(plan.skippedMissed).toBe(true);
    expect(plan.blocked).toBe(false);
    expect(plan.nextFireTime).toEqual(utc('2026-03-09T03:00:00Z'));
  });

  it('one missed fire time is simply run; with no free slot, nothing starts', () => {
    const one = planCatchup({ ...AFTER_OUTAGE, noCatchup: true, now: utc('2026-03-06T04:00:00Z') });
    expect(iso(one.runs.map((r) => r.scheduledTime))).toEqual(['2026-03-06T03:00:00.000Z']);
    expect(one.skippedMissed).toBe(false);
    const full = planCatchup({ ...AFTER_OUTAGE, noCatchup: true, activeRuns: 1 });
    expect(full.runs).toEqual([]);
    expect(full.blocked).toBe(true);
  });

  it('a periodic schedule stays on its grid (start + k * interval)', () => {
    const plan = planCatchup({
      trigger: { periodic_schedule: { interval_second: 3600 } },
      anchor: utc('2026-01-01T00:10:00Z'),
      lastFireTime: utc('2026-01-01T01:10:00Z'),
      now: utc('2026-01-01T05:45:00Z'),
      noCatchup: true,
    });
    expect(iso(plan.runs.map((r) => r.scheduledTime))).toEqual(['2026-01-01T05:10:00.000Z']);
    expect(plan.nextFireTime).toEqual(utc('2026-01-01T06:10:00Z'));
  });

  it('a frequent schedule after a long outage is planned quickly', () => {
    const started = Date.now();
    const plan = planCatchup({
      trigger: { cron_schedule: { cron: '*/10 * * * * *' } },
      anchor: utc('2025-01-01T00:00:00Z'),
      lastFireTime: utc('2025-01-01T00:00:00Z'),
      now: utc('2026-03-08T12:00:05Z'),
      noCatchup: true,
    });
    expect(iso(plan.runs.map((r) => r.scheduledTime))).toEqual(['2026-03-08T12:00:00.000Z']);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('re-enabling does not backfill', () => {
  it('records now as the last fire time, so the disabled period is skipped', () => {
    const now = utc('2026-03-08T12:00:00.500Z');
    const lastFireTime = lastFireTimeOnEnable(now, utc('2026-03-05T03:00:00Z'));
    expect(lastFireTime).toEqual(utc('2026-03-08T12:00:00Z'));
    const plan = planCatchup({ ...AFTER_OUTAGE, lastFireTime, maxConcurrency: 10 });
    expect(plan.runs).toEqual([]);
    expect(plan.nextFireTime).toEqual(utc('2026-03-09T03:00:00Z'));
    // A recorded time later than now (clock set back) is kept.
    expect(lastFireTimeOnEnable(now, utc('2026-03-09T03:00:00Z'))).toEqual(
      utc('2026-03-09T03:00:00Z'),
    );
  });
});

describe('planCatchup: input checks', () => {
  it('max_concurrency must be 1-10', () => {
    for (const bad of [0, 11, 1.5, 'x', '0']) {
      expect(() => planCatchup({ ...AFTER_OUTAGE, maxConcurrency: bad })).toThrow(
        /max_concurrency must be a whole number from 1 to 10/,
      );
    }
    try {
      planCatchup({ ...AFTER_OUTAGE, maxConcurrency: 0 });
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidTriggerError);
      expect((e as InvalidTriggerError).field).toBe('max_concurrency');
    }
    expect(() => planCatchup({ ...AFTER_OUTAGE, activeRuns: -1 })).toThrow(/activeRuns/);
  });
});

describe('recordRunOutcome: auto-disable after consecutive failures', () => {
  it('counts failures in a row and disables at the threshold, with a reason', () => {
    let count = 0;
    for (const state of ['FAILED', 'FAILED'] as const) {
      const d = recordRunOutcome({ consecutiveFailures: count, state, maxConsecutiveFailures: 3 });
      expect(d.disable).toBe(false);
      count = d.consecutiveFailures;
    }
    expect(count).toBe(2);
    const third = recordRunOutcome({
      consecutiveFailures: count,
      state: 'FAILED',
      runId: 'run-42',
      maxConsecutiveFailures: 3,
    });
    expect(third).toMatchObject({ consecutiveFailures: 3, disable: true });
    expect(third.reason).toContain('Disabled after 3 failed runs in a row (the last: run run-42)');
    expect(third.reason).toContain('enable the recurring run again');
  });

  it('a success resets the count; cancel and skip leave it; without a threshold never disables', () => {
    expect(
      recordRunOutcome({ consecutiveFailures: 2, state: 'SUCCEEDED' }).consecutiveFailures,
    ).toBe(0);
    expect(
      recordRunOutcome({ consecutiveFailures: 2, state: 'CANCELED' }).consecutiveFailures,
    ).toBe(2);
    expect(recordRunOutcome({ consecutiveFailures: 2, state: 'SKIPPED' }).consecutiveFailures).toBe(
      2,
    );
    const many = recordRunOutcome({ consecutiveFailures: 99, state: 'FAILED' });
    expect(many).toEqual({ consecutiveFailures: 100, disable: false, reason: undefined });
    expect(() =>
      recordRunOutcome({ consecutiveFailures: 0, state: 'FAILED', maxConsecutiveFailures: 0 }),
    ).toThrow(/maxConsecutiveFailures must be a whole number >= 1/);
  });
});

/**
 * A scheduler loop as the engine will write one, on a fake clock: days of schedule in
 * milliseconds. Runs take `runMinutes`; the loop can be stopped (an outage) and restarted.
 */
class SimulatedScheduler {
  readonly started: { scheduled: Date; at: Date; index: number }[] = [];
  lastFireTime: Date | undefined;
  lastIndex = 0;
  active = 0;
  #wake: { cancel(): void } | undefined;
  #running = false;

  constructor(
    readonly clock: FakeClock,
    readonly input: Omit<CatchupInput, 'now' | 'lastFireTime' | 'lastIndex' | 'activeRuns'>,
    readonly runMinutes: number,
  ) {}

  start(): void {
    this.#running = true;
    this.tick();
  }

  stop(): void {
    this.#running = false;
    this.#wake?.cancel();
  }

  tick(): void {
    if (!this.#running) return;
    this.#wake?.cancel();
    const now = this.clock.now();
    const plan = planCatchup({
      ...this.input,
      now,
      lastFireTime: this.lastFireTime,
      lastIndex: this.lastIndex,
      activeRuns: this.active,
    });
    for (const run of plan.runs) {
      this.started.push({ scheduled: run.scheduledTime, at: now, index: run.index });
      this.active++;
      this.clock.setTimer(new Date(now.getTime() + this.runMinutes * 60_000), () => {
        this.active--;
        this.tick();
      });
    }
    this.lastFireTime = plan.lastFireTime;
    this.lastIndex = plan.lastIndex;
    if (!plan.blocked && plan.nextFireTime !== undefined) {
      this.#wake = this.clock.setTimer(plan.nextFireTime, () => this.tick());
    }
  }
}

describe('a simulated scheduler on a FakeClock', () => {
  const DAY = 86_400_000;

  it('runs a daily 03:00 Chicago schedule for two weeks across spring forward, at 03:00 local', () => {
    const clock = new FakeClock(utc('2026-03-01T00:00:00Z'));
    const scheduler = new SimulatedScheduler(
      clock,
      {
        trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: 'America/Chicago' } },
        anchor: clock.now(),
      },
      30,
    );
    scheduler.start();
    clock.advance(14 * DAY);
    expect(scheduler.started).toHaveLength(14);
    const times = local(
      scheduler.started.map((s) => s.at),
      'America/Chicago',
    );
    expect(new Set(times.map((t) => t.slice(11, 19)))).toEqual(new Set(['03:00:00']));
    expect(times).toContain('2026-03-08 03:00:00 CDT');
    expect(scheduler.started.map((s) => s.index)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    ]);
  });

  it('after a 3-day outage, catches up one run at a time with max_concurrency 1', () => {
    const clock = new FakeClock(utc('2026-03-01T00:00:00Z'));
    const scheduler = new SimulatedScheduler(clock, { trigger: DAILY_03, anchor: clock.now() }, 20);
    scheduler.start();
    clock.advance(4 * DAY); // runs 03-01 .. 03-04
    scheduler.stop();
    clock.advance(3 * DAY + 9 * 3_600_000); // down until 03-08 09:00
    expect(scheduler.started).toHaveLength(4);
    scheduler.start();
    clock.advance(2 * 3_600_000);
    const caughtUp = scheduler.started.slice(4);
    expect(caughtUp.map((s) => [s.scheduled.toISOString(), s.at.toISOString()])).toEqual([
      ['2026-03-05T03:00:00.000Z', '2026-03-08T09:00:00.000Z'],
      ['2026-03-06T03:00:00.000Z', '2026-03-08T09:20:00.000Z'],
      ['2026-03-07T03:00:00.000Z', '2026-03-08T09:40:00.000Z'],
      ['2026-03-08T03:00:00.000Z', '2026-03-08T10:00:00.000Z'],
    ]);
    clock.advance(DAY);
    expect(scheduler.started.at(-1)?.scheduled).toEqual(utc('2026-03-09T03:00:00Z'));
    expect(scheduler.started.at(-1)?.index).toBe(9);
  });

  it('after the same outage with no_catchup, runs the latest day only, then keeps schedule', () => {
    const clock = new FakeClock(utc('2026-03-01T00:00:00Z'));
    const scheduler = new SimulatedScheduler(
      clock,
      { trigger: DAILY_03, anchor: clock.now(), noCatchup: true, maxConcurrency: 3 },
      20,
    );
    scheduler.start();
    clock.advance(4 * DAY);
    scheduler.stop();
    clock.advance(3 * DAY + 9 * 3_600_000);
    scheduler.start();
    clock.advance(DAY);
    expect(iso(scheduler.started.slice(4).map((s) => s.scheduled))).toEqual([
      '2026-03-08T03:00:00.000Z',
      '2026-03-09T03:00:00.000Z',
    ]);
  });
});
