/**
 * A recurring run's trigger, as the KFP API writes it (`v2beta1Trigger`), and when it fires.
 *
 * Fire times follow KFP's ScheduledWorkflow controller:
 *
 * - All fire times are whole seconds, strictly after `start_time` and at or before `end_time`
 *   (KFP looks for the first time after the start, and stops once the next time is past the
 *   end). A cron that matches `start_time` itself does not fire at it.
 * - Cron: the cron's times, in `time_zone` (a Pipelab addition; KFP evaluates in UTC, or in the
 *   one zone its controller is configured with). See timezone.ts for daylight-saving changes.
 * - Periodic (and cron `@every`): `anchor + k * interval` for k = 1, 2, 3... The anchor is
 *   `start_time` when set; otherwise the recurring run's creation time, which callers pass as
 *   `anchor` (KFP's controller falls back on the ScheduledWorkflow's creation timestamp). So the
 *   first run comes one interval after the start, and runs stay on that grid. Without either,
 *   the anchor is `after` itself: the next run is one interval later.
 *
 *   KFP computes each periodic run from the previous one (`last + interval`), which is the same
 *   grid while runs keep up; with `no_catchup` KFP then restarts the grid at the current time
 *   after an outage, while Pipelab stays on it (see catchup.ts).
 */
import { parseCron, type CronExpression } from './cron';
import { InvalidTriggerError, ScheduleError } from './errors';
import { DEFAULT_TIME_ZONE, nextCronTime, resolveTimeZone } from './timezone';

/** A time as the API writes it (RFC 3339 with a zone) or as a Date. */
export type TimeInput = string | Date;

/** `v2beta1CronSchedule`, plus Pipelab's additive `time_zone`. */
export interface CronSchedule {
  /** KFP's 6-field cron (seconds first) or a descriptor; see cron.ts. */
  cron: string;
  start_time?: TimeInput | null;
  end_time?: TimeInput | null;
  /**
   * Pipelab addition: the IANA time zone the cron is evaluated in.
   * @default `'UTC'`
   */
  time_zone?: string | null;
}

/** `v2beta1PeriodicSchedule`. */
export interface PeriodicSchedule {
  /** Seconds between runs: an int64, which the API's JSON writes as a decimal string. */
  interval_second: string | number;
  start_time?: TimeInput | null;
  end_time?: TimeInput | null;
}

/** `v2beta1Trigger`: exactly one of a cron or a periodic schedule. */
export interface Trigger {
  cron_schedule?: CronSchedule | null;
  periodic_schedule?: PeriodicSchedule | null;
}

interface ResolvedWindow {
  /** Fire times are strictly after this (whole seconds). */
  readonly startTime: Date | undefined;
  /** Fire times are at or before this (whole seconds). */
  readonly endTime: Date | undefined;
}

/** A validated cron trigger. */
export interface ResolvedCronTrigger extends ResolvedWindow {
  readonly kind: 'cron';
  readonly cron: CronExpression;
  /** Canonical IANA name. */
  readonly timeZone: string;
}

/** A validated periodic trigger. */
export interface ResolvedPeriodicTrigger extends ResolvedWindow {
  readonly kind: 'periodic';
  readonly intervalSeconds: number;
}

/** A trigger after {@link validateTrigger}: parsed, defaulted, times as Dates. */
export type ResolvedTrigger = ResolvedCronTrigger | ResolvedPeriodicTrigger;

/** What the schedule functions accept: an API trigger (validated on each call) or a resolved one. */
export type TriggerLike = Trigger | ResolvedTrigger;

/** Options of {@link validateTrigger}. */
export interface ValidateTriggerOptions {
  /**
   * The request field the trigger sits at, for error messages and `error.field`.
   * @default `'trigger'`
   */
  readonly field?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function parseTime(value: TimeInput | null | undefined, field: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new InvalidTriggerError(`${field} is an invalid Date.`, { field });
    }
    return new Date(floorToSecond(value.getTime()));
  }
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidTriggerError(
      `${field} '${String(value)}' is not an RFC 3339 time with a zone: write e.g. ` +
        `'2026-03-08T03:00:00Z' or '2026-03-08T03:00:00-06:00'.`,
      { field },
    );
  }
  return new Date(floorToSecond(ms));
}

function parseInterval(value: unknown, field: string): number {
  const text = typeof value === 'number' ? String(value) : value;
  const seconds = typeof text === 'string' && /^\+?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    const shown = value === undefined ? 'nothing' : `'${String(value)}'`;
    throw new InvalidTriggerError(
      `${field} must be a whole number of seconds, at least 1 (e.g. 3600 for hourly, 86400 for ` +
        `daily); got ${shown}.`,
      { field },
    );
  }
  return seconds;
}

function checkWindow(start: Date | undefined, end: Date | undefined, prefix: string): void {
  if (start !== undefined && end !== undefined && end.getTime() <= start.getTime()) {
    throw new InvalidTriggerError(
      `${prefix}.end_time (${end.toISOString()}) is not after ${prefix}.start_time ` +
        `(${start.toISOString()}), so the schedule could never run: move end_time later, ` +
        `or leave it out to run until disabled.`,
      { field: `${prefix}.end_time` },
    );
  }
}

/**
 * Validates an API trigger and resolves it: the cron parsed, the time zone checked (default
 * UTC), times parsed and truncated to the second, the interval a number. The boundary every
 * other function goes through.
 *
 * @throws {@link InvalidTriggerError}, {@link CronError} or {@link InvalidTimeZoneError}, each
 * with `field` set to the request field at fault.
 */
export function validateTrigger(
  trigger: TriggerLike,
  options: ValidateTriggerOptions = {},
): ResolvedTrigger {
  const field = options.field ?? 'trigger';
  if (trigger === null || typeof trigger !== 'object') {
    throw new InvalidTriggerError(
      `${field} is required: set cron_schedule (e.g. {"cron": "0 0 3 * * *"}) or ` +
        `periodic_schedule (e.g. {"interval_second": "3600"}).`,
      { field },
    );
  }
  if ('kind' in trigger) return trigger;
  const { cron_schedule: cron, periodic_schedule: periodic } = trigger;
  const hasCron = cron !== undefined && cron !== null;
  const hasPeriodic = periodic !== undefined && periodic !== null;
  if (hasCron && hasPeriodic) {
    throw new InvalidTriggerError(
      `${field} has both cron_schedule and periodic_schedule: keep one of them.`,
      { field },
    );
  }
  if (hasCron) {
    const prefix = `${field}.cron_schedule`;
    if (typeof cron.cron !== 'string') {
      throw new InvalidTriggerError(
        `${prefix}.cron is required: write 6 fields (second minute hour day-of-month month ` +
          `day-of-week), e.g. '0 0 3 * * *' for every day at 03:00:00.`,
        { field: `${prefix}.cron` },
      );
    }
    const expression = parseCron(cron.cron, { field: `${prefix}.cron` });
    const zone = cron.time_zone;
    const timeZone =
      zone === undefined || zone === null
        ? DEFAULT_TIME_ZONE
        : resolveTimeZone(zone, { field: `${prefix}.time_zone` });
    const startTime = parseTime(cron.start_time, `${prefix}.start_time`);
    const endTime = parseTime(cron.end_time, `${prefix}.end_time`);
    checkWindow(startTime, endTime, prefix);
    return { kind: 'cron', cron: expression, timeZone, startTime, endTime };
  }
  if (hasPeriodic) {
    const prefix = `${field}.periodic_schedule`;
    const zone = (periodic as { time_zone?: unknown }).time_zone;
    if (zone !== undefined && zone !== null) {
      throw new InvalidTriggerError(
        `${prefix}.time_zone is not allowed: a periodic schedule runs every interval_second ` +
          `seconds whatever the zone. Remove it, or use a cron_schedule with a time_zone.`,
        { field: `${prefix}.time_zone` },
      );
    }
    const intervalSeconds = parseInterval(periodic.interval_second, `${prefix}.interval_second`);
    const startTime = parseTime(periodic.start_time, `${prefix}.start_time`);
    const endTime = parseTime(periodic.end_time, `${prefix}.end_time`);
    checkWindow(startTime, endTime, prefix);
    return { kind: 'periodic', intervalSeconds, startTime, endTime };
  }
  throw new InvalidTriggerError(
    `${field} has neither cron_schedule nor periodic_schedule: set one, e.g. ` +
      `{"cron_schedule": {"cron": "0 0 3 * * *"}} or {"periodic_schedule": {"interval_second": "3600"}}.`,
    { field },
  );
}

/** Whether a value is a valid trigger; `validateTrigger` says what is wrong. */
export function isValidTrigger(trigger: TriggerLike): boolean {
  try {
    validateTrigger(trigger);
    return true;
  } catch (e) {
    if (e instanceof ScheduleError) return false;
    throw e;
  }
}

/** Options of {@link nextFireTime}. */
export interface FireTimeOptions {
  /**
   * Where a periodic (or `@every`) schedule without `start_time` counts its intervals from: the
   * recurring run's creation time.
   * @default `after`
   */
  readonly anchor?: Date;
}

/** The grid step in seconds of a periodic or `@every` trigger, else undefined. */
function gridStep(t: ResolvedTrigger): number | undefined {
  if (t.kind === 'periodic') return t.intervalSeconds;
  return t.cron.kind === 'every' ? t.cron.everySeconds : undefined;
}

/** `nextFireTime` on a resolved trigger, in epoch seconds. */
function nextFireSeconds(
  t: ResolvedTrigger,
  afterSeconds: number,
  anchorSeconds: number | undefined,
): number | undefined {
  const start = t.startTime === undefined ? undefined : t.startTime.getTime() / 1000;
  const lower = start !== undefined && start > afterSeconds ? start : afterSeconds;
  let next: number | undefined;
  const step = gridStep(t);
  if (step !== undefined) {
    const anchor = start ?? anchorSeconds ?? afterSeconds;
    const base = Math.max(lower, anchor);
    next = anchor + (Math.floor((base - anchor) / step) + 1) * step;
  } else if (t.kind === 'cron') {
    next = nextCronTime(t.cron, new Date(lower * 1000), t.timeZone)?.getTime();
    next = next === undefined ? undefined : next / 1000;
  }
  if (next === undefined) return undefined;
  if (t.endTime !== undefined && next > t.endTime.getTime() / 1000) return undefined;
  return next;
}

function seconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

/**
 * The first fire time strictly after `after`, within the trigger's window, or undefined when the
 * trigger never fires again (past `end_time`).
 */
export function nextFireTime(
  trigger: TriggerLike,
  after: Date,
  options: FireTimeOptions = {},
): Date | undefined {
  const t = validateTrigger(trigger);
  const anchor = options.anchor === undefined ? undefined : seconds(options.anchor);
  const next = nextFireSeconds(t, seconds(after), anchor);
  return next === undefined ? undefined : new Date(next * 1000);
}

/** Options of {@link latestFireTime}. */
export interface LatestFireTimeOptions extends FireTimeOptions {
  /** Only fire times strictly after this count (the last run's scheduled time). */
  readonly after: Date;
  /** Only fire times at or before this count (now). */
  readonly until: Date;
}

/**
 * The latest fire time in (`after`, `until`], or undefined when there is none. Does not walk the
 * fire times one by one, so it is quick after a long outage of a frequent schedule.
 */
export function latestFireTime(
  trigger: TriggerLike,
  options: LatestFireTimeOptions,
): Date | undefined {
  const t = validateTrigger(trigger);
  const anchor = options.anchor === undefined ? undefined : seconds(options.anchor);
  const after = seconds(options.after);
  const until = seconds(options.until);
  const next = (x: number) => nextFireSeconds(t, x, anchor);
  const first = next(after);
  if (first === undefined || first > until) return undefined;
  const step = gridStep(t);
  if (step !== undefined) {
    // The grid is fixed by the first fire time: count whole steps up to `until` (and the end).
    const end = t.endTime === undefined ? until : Math.min(until, t.endTime.getTime() / 1000);
    return new Date((first + Math.floor((end - first) / step) * step) * 1000);
  }
  // Find the largest `low` whose next fire time is still <= until: widen a window back from
  // `until` by doubling, then bisect. `next` never decreases as its argument grows.
  let low = after;
  let high = until;
  for (let width = 1; ; width *= 2) {
    const probe = Math.max(after, until - width);
    const n = next(probe);
    if (n !== undefined && n <= until) {
      low = probe;
      break;
    }
    high = probe;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const n = next(mid);
    if (n !== undefined && n <= until) low = mid;
    else high = mid;
  }
  const latest = next(low);
  return latest === undefined ? undefined : new Date(latest * 1000);
}

/** Options of {@link previewFireTimes}. */
export interface PreviewOptions extends FireTimeOptions {
  /**
   * The preview starts strictly after this time.
   * @default `new Date()`
   */
  readonly from?: Date;
  /**
   * How many fire times to list (1-1000).
   * @default 5
   */
  readonly count?: number;
}

/**
 * The next `count` fire times after `from`, oldest first, fewer when the trigger ends: what the
 * recurring-run form shows under the schedule a user is typing.
 *
 * @throws the errors of {@link validateTrigger}, or {@link InvalidTriggerError} for a bad count.
 */
export function previewFireTimes(trigger: TriggerLike, options: PreviewOptions = {}): Date[] {
  const t = validateTrigger(trigger);
  const count = options.count ?? 5;
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new InvalidTriggerError(
      `count must be a whole number from 1 to 1000; got ${String(count)}.`,
      { field: 'count' },
    );
  }
  const anchor = options.anchor === undefined ? undefined : seconds(options.anchor);
  const from = seconds(options.from ?? new Date());
  const out: Date[] = [];
  // The anchor of an unanchored periodic trigger is the preview's start, fixed for all times.
  const fixedAnchor = anchor ?? from;
  for (let at = from; out.length < count;) {
    const next = nextFireSeconds(t, at, fixedAnchor);
    if (next === undefined) break;
    out.push(new Date(next * 1000));
    at = next;
  }
  return out;
}
