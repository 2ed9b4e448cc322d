/**
 * Errors of the scheduling library. Every one is a {@link ScheduleError}: a bad schedule a user
 * wrote, which the API answers with INVALID_ARGUMENT. Each message says what is wrong and how to
 * fix it; `field` names the request field (`trigger.cron_schedule.cron`) when the error was raised
 * while validating a trigger, so the API can put it in the error body.
 */
import { PipelabError } from '../../errors';

/** Where a schedule error points. */
export interface ScheduleErrorContext {
  /** The request field, as a dotted path (`trigger.periodic_schedule.interval_second`). */
  readonly field?: string;
}

/** Base class: a schedule (trigger, cron, time zone, option) is invalid. */
export class ScheduleError extends PipelabError {
  /** The request field the error is about, as a dotted path, when known. */
  readonly field: string | undefined;

  constructor(
    message: string,
    context: ScheduleErrorContext = {},
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, {}, { cause: options.cause, code: options.code ?? 'INVALID_SCHEDULE' });
    this.field = context.field;
  }
}

/** The six cron fields, in the order KFP's cron writes them. */
export type CronFieldName = 'second' | 'minute' | 'hour' | 'day-of-month' | 'month' | 'day-of-week';

/** A cron expression could not be parsed, or can never fire. */
export class CronError extends ScheduleError {
  /** The expression as written. */
  readonly expression: string;
  /** The cron field at fault, when the error is about one field. */
  readonly cronField: CronFieldName | undefined;

  constructor(
    message: string,
    expression: string,
    context: ScheduleErrorContext & { readonly cronField?: CronFieldName } = {},
  ) {
    super(message, context, { code: 'INVALID_CRON' });
    this.expression = expression;
    this.cronField = context.cronField;
  }
}

/** A time zone name is not an IANA time zone this runtime knows. */
export class InvalidTimeZoneError extends ScheduleError {
  /** The name as written. */
  readonly timeZone: string;

  constructor(message: string, timeZone: string, context: ScheduleErrorContext = {}) {
    super(message, context, { code: 'INVALID_TIME_ZONE' });
    this.timeZone = timeZone;
  }
}

/** A trigger (or a scheduling option such as max_concurrency) has a missing or bad value. */
export class InvalidTriggerError extends ScheduleError {
  constructor(message: string, context: ScheduleErrorContext = {}) {
    super(message, context, { code: 'INVALID_TRIGGER' });
  }
}

/** A Go duration (`1h30m`, `90s`) could not be parsed. */
export class DurationError extends ScheduleError {
  /** The duration as written. */
  readonly duration: string;

  constructor(message: string, duration: string, context: ScheduleErrorContext = {}) {
    super(message, context, { code: 'INVALID_DURATION' });
    this.duration = duration;
  }
}
