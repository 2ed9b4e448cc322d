/**
 * Recurring-run scheduling (issue #4), as a pure library: KFP's cron format, cron in a time zone
 * across daylight-saving changes, KFP triggers and their fire times, KFP's catch-up rules, the
 * run-parameter macros, and a clock. No database, no HTTP and no timers (except in the clock):
 * the engine's scheduler wires it to the store and the API.
 *
 * Also the package subpath `pipelab/schedule`, which the JupyterLab extension bundles for the
 * browser: this module and everything it imports must stay free of Node APIs (only `Intl`).
 */
export { parseCron, cronFieldsMatch, type CronExpression, type CronFields } from './cron';
export {
  DEFAULT_TIME_ZONE,
  resolveTimeZone,
  isTimeZone,
  nextCronTime,
  zoneOffsetSeconds,
  zoneAbbreviation,
  wallTimeIn,
  type WallTime,
} from './timezone';
export {
  validateTrigger,
  isValidTrigger,
  nextFireTime,
  latestFireTime,
  previewFireTimes,
  type Trigger,
  type CronSchedule,
  type PeriodicSchedule,
  type TimeInput,
  type ResolvedTrigger,
  type ResolvedCronTrigger,
  type ResolvedPeriodicTrigger,
  type TriggerLike,
  type ValidateTriggerOptions,
  type FireTimeOptions,
  type LatestFireTimeOptions,
  type PreviewOptions,
} from './trigger';
export {
  planCatchup,
  lastFireTimeOnEnable,
  resolveMaxConcurrency,
  type CatchupInput,
  type CatchupPlan,
  type PlannedRun,
} from './catchup';
export {
  recordRunOutcome,
  type RunOutcomeInput,
  type RunOutcomeDecision,
  type RunFinalState,
} from './auto-disable';
export { substituteMacros, substituteParameterMacros, hasMacros, type MacroValues } from './macros';
export { formatGoTime, KFP_DEFAULT_TIME_LAYOUT, RFC3339_LAYOUT } from './go-layout';
export { parseGoDuration } from './go-duration';
export {
  SystemClock,
  FakeClock,
  systemClock,
  type Clock,
  type TimerHandle,
  type SystemClockOptions,
} from './clock';
export {
  ScheduleError,
  CronError,
  InvalidTimeZoneError,
  InvalidTriggerError,
  DurationError,
  type CronFieldName,
  type ScheduleErrorContext,
} from './errors';
