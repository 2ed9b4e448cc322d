/**
 * What a recurring run should start now: KFP's ScheduledWorkflow catch-up rules as a pure
 * planner. The engine's scheduler calls {@link planCatchup} on every tick (and when one of the
 * schedule's runs finishes), starts the planned runs, then records `lastFireTime`/`lastIndex`.
 *
 * - Catch-up on (`no_catchup` false, KFP's default): every fire time missed since the last run
 *   (an outage, a sleeping laptop) is run, oldest first, each with its own scheduled time.
 * - Catch-up off (`no_catchup` true): only the latest missed fire time runs; older ones are
 *   skipped, and `lastFireTime` jumps to the one started. (KFP's periodic schedules restart their
 *   grid at the current time in that case; Pipelab keeps the grid, so runs stay at
 *   `start + k * interval`.)
 * - Never more active runs than `max_concurrency` (1-10): with fewer free slots than due fire
 *   times, the oldest start now and the rest on a later tick, once runs finish.
 * - The first fire time is the first one after `start_time` (even a past `start_time`, which with
 *   catch-up on backfills, as KFP does), else after the recurring run's creation.
 * - Re-enabling a disabled recurring run does not backfill the disabled period: record
 *   {@link lastFireTimeOnEnable} when it is enabled. (A Pipelab rule: KFP's controller keeps
 *   the old last-run time, so with catch-up on it backfills.)
 */
import { InvalidTriggerError } from './errors';
import { latestFireTime, nextFireTime, validateTrigger, type TriggerLike } from './trigger';

/** The state of one recurring run, as the scheduler sees it on a tick. */
export interface CatchupInput {
  /** The recurring run's trigger. */
  readonly trigger: TriggerLike;
  /**
   * When the recurring run was created: where a schedule without `start_time` begins, and the
   * anchor of a periodic one.
   */
  readonly anchor: Date;
  /**
   * The scheduled time of the last run started for this schedule.
   * @default undefined (none yet: start from `start_time`, else `anchor`)
   */
  readonly lastFireTime?: Date;
  /**
   * The `[[Index]]` of the last run started.
   * @default 0
   */
  readonly lastIndex?: number;
  /** The current time. */
  readonly now: Date;
  /**
   * KFP's `no_catchup`: run only the latest missed fire time.
   * @default false
   */
  readonly noCatchup?: boolean;
  /**
   * KFP's `max_concurrency`, 1-10 (the API's int64 may come as a string).
   * @default 1
   */
  readonly maxConcurrency?: number | string;
  /**
   * How many runs of this schedule are active (pending or running).
   * @default 0
   */
  readonly activeRuns?: number;
}

/** A run to start: the time it was scheduled for and its `[[Index]]`. */
export interface PlannedRun {
  readonly scheduledTime: Date;
  /** 1 for the schedule's first run, then 2, 3... */
  readonly index: number;
}

/** What to do now, and what to record. */
export interface CatchupPlan {
  /** The runs to start now, oldest first; may be empty. */
  readonly runs: readonly PlannedRun[];
  /** The `lastFireTime` to record once they have started (unchanged when none start). */
  readonly lastFireTime: Date | undefined;
  /** The `lastIndex` to record once they have started. */
  readonly lastIndex: number;
  /**
   * The fire time after the new `lastFireTime`, or undefined when the schedule will not fire
   * again (past `end_time`). At or before `now` only when `blocked`.
   */
  readonly nextFireTime: Date | undefined;
  /**
   * Fire times are due but every `max_concurrency` slot is taken: plan again when one of this
   * schedule's runs finishes (rather than at `nextFireTime`).
   */
  readonly blocked: boolean;
  /**
   * With `no_catchup`, older missed fire times were skipped to start the latest one.
   */
  readonly skippedMissed: boolean;
  /** The schedule will not fire again (past `end_time`) once these runs have started. */
  readonly finished: boolean;
}

/** Checks KFP's `max_concurrency` (1-10) and returns it as a number. */
export function resolveMaxConcurrency(
  value: number | string | undefined,
  field = 'max_concurrency',
): number {
  if (value === undefined) return 1;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) {
    throw new InvalidTriggerError(
      `${field} must be a whole number from 1 to 10 (how many runs of the schedule may be ` +
        `active at once); got '${String(value)}'.`,
      { field },
    );
  }
  return n;
}

function checkCount(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidTriggerError(`${name} must be a whole number >= 0; got ${String(value)}.`, {
      field: name,
    });
  }
  return value;
}

/**
 * Plans a tick of a recurring run: which scheduled times to start now (oldest first), and the
 * bookkeeping to record. Pure: the same input always gives the same plan.
 *
 * @throws the errors of {@link validateTrigger}, or {@link InvalidTriggerError} for a bad
 * `maxConcurrency`, `activeRuns` or `lastIndex`.
 */
export function planCatchup(input: CatchupInput): CatchupPlan {
  const trigger = validateTrigger(input.trigger);
  const maxConcurrency = resolveMaxConcurrency(input.maxConcurrency);
  const activeRuns = checkCount(input.activeRuns ?? 0, 'activeRuns');
  const lastIndex = checkCount(input.lastIndex ?? 0, 'lastIndex');
  const free = Math.max(0, maxConcurrency - activeRuns);
  const options = { anchor: input.anchor };
  const after = input.lastFireTime ?? trigger.startTime ?? input.anchor;
  const now = input.now;

  const scheduled: Date[] = [];
  let skippedMissed = false;
  if (free > 0) {
    if (input.noCatchup === true) {
      const latest = latestFireTime(trigger, { ...options, after, until: now });
      if (latest !== undefined) {
        const first = nextFireTime(trigger, after, options);
        skippedMissed = first !== undefined && first.getTime() < latest.getTime();
        scheduled.push(latest);
      }
    } else {
      for (let at = after; scheduled.length < free;) {
        const next = nextFireTime(trigger, at, options);
        if (next === undefined || next.getTime() > now.getTime()) break;
        scheduled.push(next);
        at = next;
      }
    }
  }

  const lastFireTime = scheduled.at(-1) ?? input.lastFireTime;
  const nextFire = nextFireTime(trigger, lastFireTime ?? after, options);
  const blocked = nextFire !== undefined && nextFire.getTime() <= now.getTime();
  return {
    runs: scheduled.map((scheduledTime, i) => ({ scheduledTime, index: lastIndex + i + 1 })),
    lastFireTime,
    lastIndex: lastIndex + scheduled.length,
    nextFireTime: nextFire,
    blocked,
    skippedMissed,
    finished: nextFire === undefined,
  };
}

/**
 * The `lastFireTime` to record when a disabled recurring run is enabled again: `now` (or the
 * recorded one, if somehow later), so the fire times missed while it was disabled are not
 * backfilled, with or without catch-up. The next run is the first fire time after `now`.
 */
export function lastFireTimeOnEnable(now: Date, recorded?: Date): Date {
  const at = Math.floor(now.getTime() / 1000) * 1000;
  return new Date(recorded !== undefined && recorded.getTime() > at ? recorded.getTime() : at);
}
