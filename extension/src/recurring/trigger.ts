/**
 * Recurring-run triggers for people: a description, and the next fire times. The engine says
 * them (`next_fire_time`, and its `:preview`); against Kubeflow Pipelines, which does not, they
 * are computed here.
 */
import type { PipelabRecurringRun } from 'pipelab/client';
import { apiTime } from '../common/format';
import { fireTimes } from './cron';

/** The time zone a recurring run's cron is read in (an engine addition; KFP reads UTC). */
export function timeZoneOf(rr: PipelabRecurringRun): string {
  return rr.trigger?.cron_schedule?.time_zone || 'UTC';
}

/** `every day`, `cron 0 0 2 * * * (UTC)`. */
export function describeTrigger(rr: PipelabRecurringRun): string {
  const periodic = rr.trigger?.periodic_schedule;
  if (periodic?.interval_second !== undefined) {
    return describeInterval(Number(periodic.interval_second));
  }
  const cron = rr.trigger?.cron_schedule?.cron;
  if (cron !== undefined) return `cron ${cron} (${timeZoneOf(rr)})`;
  return 'no trigger';
}

/**
 * The next fire times of a recurring run after `from`, within its start and end, computed in the
 * browser by the engine's scheduling library. A periodic trigger without a start counts from the
 * recurring run's creation (KFP's rule) when it is known, else from `from`.
 */
export function nextFireTimes(rr: PipelabRecurringRun, from: Date, count: number): Date[] {
  if (rr.trigger === undefined) return [];
  const created = apiTime(rr.created_at);
  return fireTimes(rr.trigger, {
    from,
    count,
    ...(created !== undefined ? { anchor: created } : {}),
  });
}

/** True when the server answered with the engine's output fields (so it says what it plans). */
export function hasEngineFields(rr: PipelabRecurringRun): boolean {
  return (
    rr.next_fire_time !== undefined ||
    rr.last_run !== undefined ||
    rr.consecutive_failures !== undefined ||
    rr.disabled_reason !== undefined
  );
}

/**
 * When a recurring run fires next: the engine's `next_fire_time` (absent when it is disabled or
 * past its end), or, from a server that does not say it, computed in the browser.
 */
export function nextFireTime(
  rr: PipelabRecurringRun,
  engine: boolean,
  now = new Date(),
): Date | undefined {
  if (rr.next_fire_time !== undefined) return apiTime(rr.next_fire_time);
  if (engine || !isEnabled(rr)) return undefined;
  return nextFireTimes(rr, now, 1)[0];
}

/** Whether a recurring run is enabled (KFP's `status`, else its `mode`). */
export function isEnabled(rr: PipelabRecurringRun): boolean {
  return rr.status === 'ENABLED' || (rr.status === undefined && rr.mode !== 'DISABLE');
}

/** An interval in words: `every day`, `every 2 hours`, `every 90 seconds`. */
export function describeInterval(seconds: number): string {
  const units: [number, string][] = [
    [604_800, 'week'],
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `every ${n === 1 ? '' : `${n} `}${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `every ${seconds} s`;
}
