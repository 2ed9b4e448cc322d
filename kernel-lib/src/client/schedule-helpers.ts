/**
 * Turning trigger options into KFP's `v2beta1Trigger`, checked with the engine's own schedule
 * library before anything is sent (the same messages, whichever server is behind), and reading
 * fire times back. Browser-safe: the schedule library is pure.
 */
import { ScheduleError } from '../engine/schedule/errors';
import { parseGoDuration } from '../engine/schedule/go-duration';
import { validateTrigger, type ResolvedTrigger, type Trigger } from '../engine/schedule/trigger';
import { ClientOptionsError } from './errors';
import type { PeriodicTriggerOptions, TimeOption, TriggerOptions } from './schedule-types';
import type { PipelabTrigger } from './types';

/** A time option as RFC 3339 text. */
export function timeText(value: TimeOption, option: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new ClientOptionsError(option, `${option} is an invalid Date.`);
    }
    return value.toISOString();
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ClientOptionsError(
      option,
      `${option} must be a Date or an RFC 3339 time such as '2026-03-08T03:00:00Z'.`,
    );
  }
  return value.trim();
}

/** The seconds of a periodic trigger, from `intervalSecond` or `every`. */
function intervalOf(trigger: PeriodicTriggerOptions, option: string): number {
  const { intervalSecond, every } = trigger;
  if ((intervalSecond === undefined) === (every === undefined)) {
    throw new ClientOptionsError(
      option,
      `${option} needs exactly one of cron, intervalSecond or every (e.g. { every: '1h' }).`,
    );
  }
  if (every !== undefined) {
    let nanos: bigint;
    try {
      nanos = parseGoDuration(String(every));
    } catch (error) {
      throw new ClientOptionsError(`${option}.every`, (error as Error).message, { cause: error });
    }
    if (nanos < 1_000_000_000n || nanos % 1_000_000_000n !== 0n) {
      throw new ClientOptionsError(
        `${option}.every`,
        `${option}.every must be a whole number of seconds, at least 1s (e.g. '90s', '15m', '1h'); got '${every}'.`,
      );
    }
    return Number(nanos / 1_000_000_000n);
  }
  return intervalSecond as number;
}

/** A checked trigger: the request body and its resolved form. */
export interface BuiltTrigger {
  readonly body: PipelabTrigger;
  readonly resolved: ResolvedTrigger;
}

/**
 * The API trigger of trigger options, checked (a 5-field cron, an unknown zone, an end before the
 * start... are refused here with the server's message).
 *
 * @param option - The option's name in messages, e.g. `recurringRuns.create.trigger`.
 * @throws {@link ClientOptionsError}
 */
export function buildTrigger(trigger: TriggerOptions, option: string): BuiltTrigger {
  if (typeof trigger !== 'object' || trigger === null) {
    throw new ClientOptionsError(
      option,
      `${option} is required: { cron: '0 0 3 * * *' } or { every: '1h' } or { intervalSecond: 3600 }.`,
    );
  }
  const window = {
    ...(trigger.startTime !== undefined
      ? { start_time: timeText(trigger.startTime, `${option}.startTime`) }
      : {}),
    ...(trigger.endTime !== undefined
      ? { end_time: timeText(trigger.endTime, `${option}.endTime`) }
      : {}),
  };
  let body: PipelabTrigger;
  if ('cron' in trigger && trigger.cron !== undefined) {
    const periodic = trigger as PeriodicTriggerOptions;
    if (periodic.intervalSecond !== undefined || periodic.every !== undefined) {
      throw new ClientOptionsError(option, `${option} takes cron or an interval, not both.`);
    }
    const zone = trigger.timeZone;
    body = {
      cron_schedule: {
        cron: String(trigger.cron),
        ...window,
        ...(zone !== undefined && zone !== 'UTC' ? { time_zone: zone } : {}),
      },
    };
  } else {
    const seconds = intervalOf(trigger as PeriodicTriggerOptions, option);
    body = { periodic_schedule: { interval_second: String(seconds), ...window } };
  }
  try {
    return { body, resolved: validateTrigger(body as Trigger, { field: option }) };
  } catch (error) {
    if (error instanceof ScheduleError) {
      throw new ClientOptionsError(error.field ?? option, error.message, { cause: error });
    }
    throw error;
  }
}

/** Checks `maxConcurrency` (1-10). */
export function checkMaxConcurrency(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 10) {
    throw new ClientOptionsError(
      option,
      `${option} must be a whole number from 1 to 10 (how many runs may be active at once); got ${String(value)}.`,
    );
  }
  return value;
}

/** Checks `maxConsecutiveFailures` (0: never disable). */
export function checkMaxFailures(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ClientOptionsError(
      option,
      `${option} must be a whole number: the failed runs in a row after which the recurring run disables itself, or 0 for never; got ${String(value)}.`,
    );
  }
  return value;
}
