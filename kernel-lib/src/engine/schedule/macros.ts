/**
 * KFP's run-parameter macros. When KFP starts a run, it replaces these anywhere inside a string
 * parameter value (`gs://bucket/[[ScheduledTime.2006-01-02]]/data.csv`):
 *
 * | macro | value |
 * | --- | --- |
 * | `[[ScheduledTime]]` | the time the run was scheduled for, as `20060102150405` (Go layout) |
 * | `[[ScheduledTime.<layout>]]` | the same, with a Go time layout (see go-layout.ts) |
 * | `[[CurrentTime]]`, `[[CurrentTime.<layout>]]` | the time the run is actually started |
 * | `[[Index]]` | the run's number within its recurring run: 1, 2, 3... |
 * | `[[RunUUID]]` | the run's id |
 *
 * As in KFP, a macro whose value is not given is left as written (one-off runs have no scheduled
 * time or index), as is any other `[[...]]`; times are whole seconds (KFP formats Unix seconds).
 *
 * Time zone: KFP formats in UTC. Pipelab does too, unless `timeZone` is given: the engine passes
 * a cron schedule's (additive) `time_zone`, so `[[ScheduledTime.2006-01-02]]` of a run scheduled
 * at 23:00 in Chicago names the Chicago date. Schedules without a zone, and every schedule on a
 * KFP cluster, format in UTC.
 *
 * Not handled here: the IR placeholder `{{$.pipeline_job_schedule_time_utc}}` in a component's
 * command, which the runner fills from the run's scheduled time (always UTC, RFC 3339).
 */
import { formatGoTime, KFP_DEFAULT_TIME_LAYOUT } from './go-layout';
import { DEFAULT_TIME_ZONE } from './timezone';

/** The values macros are replaced with; a macro whose value is missing stays as written. */
export interface MacroValues {
  /** `[[ScheduledTime]]`: the run's scheduled time (recurring runs only). */
  readonly scheduledTime?: Date;
  /** `[[CurrentTime]]`: when the run is created. */
  readonly currentTime?: Date;
  /** `[[Index]]`: 1 for a recurring run's first run, 2 for its second... */
  readonly index?: number;
  /** `[[RunUUID]]`: the run's id. */
  readonly runUuid?: string;
  /**
   * The zone times are formatted in (an IANA name, already validated).
   * @default `'UTC'`
   */
  readonly timeZone?: string;
}

const MACRO = /\[\[(.*?)\]\]/g;

function wholeSeconds(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}

function replacement(inner: string, values: MacroValues): string | undefined {
  const zone = values.timeZone ?? DEFAULT_TIME_ZONE;
  const time = (at: Date | undefined, layout: string) =>
    at === undefined ? undefined : formatGoTime(wholeSeconds(at), layout, zone);
  if (inner === 'RunUUID') return values.runUuid === '' ? undefined : values.runUuid;
  if (inner === 'ScheduledTime') return time(values.scheduledTime, KFP_DEFAULT_TIME_LAYOUT);
  if (inner === 'CurrentTime') return time(values.currentTime, KFP_DEFAULT_TIME_LAYOUT);
  if (inner === 'Index') return values.index === undefined ? undefined : String(values.index);
  if (inner.startsWith('ScheduledTime.')) {
    return time(values.scheduledTime, inner.slice('ScheduledTime.'.length));
  }
  if (inner.startsWith('CurrentTime.')) {
    return time(values.currentTime, inner.slice('CurrentTime.'.length));
  }
  return undefined;
}

/** Replaces the macros in one string. */
export function substituteMacros(text: string, values: MacroValues): string {
  return text.replace(MACRO, (match, inner: string) => replacement(inner, values) ?? match);
}

/** Whether a string contains a KFP macro Pipelab knows. */
export function hasMacros(text: string): boolean {
  for (const m of text.matchAll(MACRO)) {
    const inner = m[1] ?? '';
    if (
      ['RunUUID', 'ScheduledTime', 'CurrentTime', 'Index'].includes(inner) ||
      inner.startsWith('ScheduledTime.') ||
      inner.startsWith('CurrentTime.')
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Replaces the macros in a run's parameter values (`runtime_config.parameters`): in every string,
 * also inside lists and structs (KFP formats their JSON text); numbers, booleans and object keys
 * are left alone. Returns a new object.
 */
export function substituteParameterMacros(
  parameters: Readonly<Record<string, unknown>>,
  values: MacroValues,
): Record<string, unknown> {
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return substituteMacros(value, values);
    if (Array.isArray(value)) return value.map(visit);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    }
    return value;
  };
  return Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, visit(v)]));
}
