/**
 * KFP's cron, time zones and fire times in the browser, from the engine's own scheduling library
 * (`pipelab/schedule`: pure, only `Intl`). The form therefore refuses what the engine would
 * refuse (a 5-field crontab line, 7 for Sunday, a cron that can never fire such as
 * `0 0 0 30 2 *`, an unknown zone), in the library's words, and previews the times the engine's
 * scheduler would pick, daylight-saving changes included. The engine still has the last word:
 * its `:preview` and its answer to a save are shown when the server has them.
 */
import type { PipelabTrigger } from 'pipelab/client';
import {
  parseCron,
  previewFireTimes,
  resolveTimeZone,
  ScheduleError,
  type CronExpression,
  type Trigger,
} from 'pipelab/schedule';
import { apiTime } from '../common/format';

/** The outcome of a check: the value, or what is wrong in words fit to show next to the field. */
export type Check<T> = { ok: true; value: T } | { ok: false; message: string };

function check<T>(compute: () => T): Check<T> {
  try {
    return { ok: true, value: compute() };
  } catch (error) {
    if (error instanceof ScheduleError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Checks a KFP cron expression (6 fields, seconds first, or a descriptor) as the engine does. */
export function checkCron(expression: string): Check<CronExpression> {
  return check(() => parseCron(expression));
}

/** Checks an IANA time zone name: its canonical spelling (`america/chicago` → `America/Chicago`). */
export function checkTimeZone(timeZone: string): Check<string> {
  return check(() => resolveTimeZone(timeZone));
}

/** A trigger as the schedule library reads it. */
function scheduleTrigger(trigger: PipelabTrigger): Trigger {
  const span = (s: { start_time?: string; end_time?: string }) => ({
    start_time: apiTime(s.start_time),
    end_time: apiTime(s.end_time),
  });
  const { cron_schedule: cron, periodic_schedule: periodic } = trigger;
  if (periodic?.interval_second !== undefined) {
    return { periodic_schedule: { interval_second: periodic.interval_second, ...span(periodic) } };
  }
  if (cron?.cron !== undefined) {
    // An empty zone is an unset one (proto3), as the engine reads it: UTC.
    const zone = cron.time_zone === '' ? undefined : cron.time_zone;
    return { cron_schedule: { cron: cron.cron, time_zone: zone, ...span(cron) } };
  }
  return {};
}

/** Options of {@link fireTimes}. */
export interface FireTimesOptions {
  /** The times listed are strictly after this. */
  readonly from: Date;
  /** How many times to list at most. */
  readonly count: number;
  /**
   * Where a periodic trigger without a start counts its intervals from: the recurring run's
   * creation (KFP's rule). Without it, from `from`.
   */
  readonly anchor?: Date;
}

/**
 * The next fire times of a trigger, within its start and end, as the engine's scheduler plans
 * them (a periodic trigger fires one interval after its start, then every interval); none for a
 * trigger the engine would refuse.
 */
export function fireTimes(trigger: PipelabTrigger, options: FireTimesOptions): Date[] {
  const count = Math.min(Math.max(Math.floor(options.count), 0), 1000);
  if (count === 0) return [];
  const times = check(() =>
    previewFireTimes(scheduleTrigger(trigger), {
      from: options.from,
      count,
      ...(options.anchor !== undefined ? { anchor: options.anchor } : {}),
    }),
  );
  return times.ok ? times.value : [];
}
