/**
 * Recurring-run triggers for people: a description, and the next fire times (computed here; the
 * engine's preview is preferred where it exists).
 */
import type { V2beta1RecurringRun } from 'pipelab/client';
import { checkCron, describeInterval, nextCronTimes, nextPeriodicTimes } from './cron';

/** The time zone a recurring run's cron is read in (an engine addition; KFP reads UTC). */
export function timeZoneOf(rr: V2beta1RecurringRun): string {
  const cron = rr.trigger?.cron_schedule as { time_zone?: string } | undefined;
  return cron?.time_zone ?? 'UTC';
}

function date(value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) || t <= 0 ? undefined : new Date(t);
}

/** `every 1 day`, `cron 0 0 2 * * * (UTC)`. */
export function describeTrigger(rr: V2beta1RecurringRun): string {
  const periodic = rr.trigger?.periodic_schedule;
  if (periodic?.interval_second !== undefined) {
    return describeInterval(Number(periodic.interval_second));
  }
  const cron = rr.trigger?.cron_schedule?.cron;
  if (cron !== undefined) return `cron ${cron} (${timeZoneOf(rr)})`;
  return 'no trigger';
}

/** The next fire times of a recurring run after `from`, within its start and end. */
export function nextFireTimes(rr: V2beta1RecurringRun, from: Date, count: number): Date[] {
  const periodic = rr.trigger?.periodic_schedule;
  const cronSchedule = rr.trigger?.cron_schedule;
  const start = date(periodic?.start_time ?? cronSchedule?.start_time);
  const end = date(periodic?.end_time ?? cronSchedule?.end_time);
  const after = start !== undefined && start > from ? start : from;
  let times: Date[] = [];
  if (periodic?.interval_second !== undefined) {
    times = nextPeriodicTimes(Number(periodic.interval_second), from, count, start);
  } else if (cronSchedule?.cron !== undefined) {
    const check = checkCron(cronSchedule.cron);
    if (check.ok) times = nextCronTimes(check.schedule, after, count, timeZoneOf(rr));
  }
  return end === undefined ? times : times.filter((t) => t <= end);
}
