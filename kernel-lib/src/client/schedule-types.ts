/**
 * The options of `client.recurringRuns`: triggers (a cron, or an interval), and what creating,
 * editing, listing and previewing recurring runs take. Browser-safe, types only.
 */
import type { PipelineSpec } from '../compiler/spec';
import type { ListOptions, IterateOptions } from './paging';
import type { PipelineSource } from './pipeline-source';
import type { PipelineVersionRef } from './runs';
import type { JsonValue } from './types';

/** The space-separated fields of a string literal (runs of spaces count as one). */
type CronTokens<S extends string, N extends string[] = []> = S extends `${infer H} ${infer T}`
  ? H extends ''
    ? CronTokens<T, N>
    : CronTokens<T, [...N, H]>
  : S extends ''
    ? N
    : [...N, S];

/**
 * A KFP cron expression. For a string literal, TypeScript checks that it has KFP's 6 fields
 * (second minute hour day-of-month month day-of-week) or is a descriptor (`@daily`,
 * `@every 1h30m`): `'0 3 * * *'` (a classic 5-field crontab line) does not compile. Other
 * strings are checked by the server (and by the client before sending).
 */
export type KfpCron<S extends string> = string extends S
  ? S
  : S extends `@${string}`
    ? S
    : CronTokens<S>['length'] extends 6
      ? S
      : `KFP's cron has 6 fields, seconds first (e.g. '0 0 3 * * *' for 03:00 daily); got '${S}'`;

/** A time as RFC 3339 text (with a zone) or a Date. */
export type TimeOption = Date | string;

/** When a trigger may fire: strictly after `startTime`, at or before `endTime`. */
export interface TriggerWindow {
  /** No fire time at or before this. @default none (from the recurring run's creation) */
  startTime?: TimeOption;
  /** No fire time after this. @default none (until disabled) */
  endTime?: TimeOption;
}

/** A cron trigger. */
export interface CronTriggerOptions<C extends string = string> extends TriggerWindow {
  /** KFP's 6-field cron, seconds first (`'0 0 3 * * *'`), or a descriptor (`'@daily'`). */
  cron: KfpCron<C>;
  /**
   * The IANA time zone the cron is read in, across daylight-saving changes. A Pipelab engine
   * addition: KFP reads cron in UTC and refuses the field.
   * @default 'UTC'
   */
  timeZone?: string;
}

/** A periodic trigger: give `intervalSecond` or `every`. */
export interface PeriodicTriggerOptions extends TriggerWindow {
  /** Seconds between runs (at least 1). @default none */
  intervalSecond?: number;
  /** The interval as a Go duration: `'90s'`, `'15m'`, `'1h'`, `'24h'`. @default none */
  every?: string;
}

/** A recurring run's trigger: a cron, or an interval. */
export type TriggerOptions<C extends string = string> =
  CronTriggerOptions<C> | PeriodicTriggerOptions;

/** Options of `client.recurringRuns.create`. Give exactly one of `pipeline`, `pipelineSpec`, `pipelineVersion`. */
export interface CreateRecurringRunOptions<C extends string = string> {
  /** The recurring run's name (its runs are named `<name>-<index>-<hash>`, as KFP names them). */
  displayName: string;
  /** @default none */
  description?: string;
  /** A DSL pipeline, compiled spec, compiled file or package, sent inline. @default none */
  pipeline?: PipelineSource;
  /** A compiled PipelineSpec, sent inline. @default none */
  pipelineSpec?: PipelineSpec;
  /**
   * An uploaded pipeline: with `versionId` that version always; without, the pipeline's latest
   * version at each fire. @default none
   */
  pipelineVersion?: PipelineVersionRef;
  /** The experiment its runs go in. @default the server's default experiment */
  experimentId?: string;
  /** The experiment by name, created when missing. @default none */
  experimentName?: string;
  /** When it fires. */
  trigger: TriggerOptions<C>;
  /** How many of its runs may be active at once, 1-10. @default 1 */
  maxConcurrency?: number;
  /**
   * After an outage, run only the latest missed fire time instead of every one (KFP's
   * `no_catchup`). @default false
   */
  noCatchup?: boolean;
  /** Whether it starts enabled. @default true */
  enabled?: boolean;
  /**
   * Parameter values of every run. String values may use KFP's macros: `[[ScheduledTime]]`,
   * `[[ScheduledTime.2006-01-02]]`, `[[CurrentTime]]`, `[[Index]]`, `[[RunUUID]]`.
   * @default {} (the pipeline's defaults)
   */
  parameters?: Record<string, JsonValue>;
  /** Where its runs' artifacts go. @default the server's */
  pipelineRoot?: string;
  /** The Kubernetes service account of its runs (KFP). @default the server's */
  serviceAccount?: string;
  /**
   * Disable it after this many failed runs in a row, recording why. A Pipelab engine addition.
   * @default never
   */
  maxConsecutiveFailures?: number;
  /** Turns caching on or off for every task of an inline pipeline. @default as compiled */
  enableCaching?: boolean;
  /** Cancels the request(s). @default none */
  signal?: AbortSignal;
}

/**
 * Options of `client.recurringRuns.update` (a Pipelab engine addition): only what is given
 * changes; runs already going are left alone. A new trigger applies from now on (its earlier fire
 * times are not backfilled).
 */
export interface UpdateRecurringRunOptions<C extends string = string> {
  /** @default unchanged */
  displayName?: string;
  /** @default unchanged */
  description?: string;
  /** Moves it (its future runs) to another experiment. @default unchanged */
  experimentId?: string;
  /** Moves it to the experiment of this name, created when missing. @default unchanged */
  experimentName?: string;
  /** @default unchanged */
  trigger?: TriggerOptions<C>;
  /** @default unchanged */
  maxConcurrency?: number;
  /** @default unchanged */
  noCatchup?: boolean;
  /** Enables or disables it (enabling does not backfill). @default unchanged */
  enabled?: boolean;
  /** Replaces every parameter value. @default unchanged */
  parameters?: Record<string, JsonValue>;
  /** @default unchanged */
  pipelineRoot?: string;
  /** Another pipeline or version (no `versionId`: the latest at each fire). @default unchanged */
  pipelineVersion?: PipelineVersionRef;
  /** Another pipeline, sent inline. @default unchanged */
  pipeline?: PipelineSource;
  /** Another compiled spec, sent inline. @default unchanged */
  pipelineSpec?: PipelineSpec;
  /** 0 to never disable. @default unchanged */
  maxConsecutiveFailures?: number;
  /** @default unchanged */
  serviceAccount?: string;
  /** Cancels the request(s). @default none */
  signal?: AbortSignal;
}

/** Options of `client.recurringRuns.list`. */
export interface ListRecurringRunsOptions extends ListOptions {
  /** Only those of this experiment. @default all experiments */
  experimentId?: string;
  /** @default the client's `namespace` */
  namespace?: string;
}

/** Options of `client.recurringRuns.iterate`. */
export interface IterateRecurringRunsOptions
  extends IterateOptions, Pick<ListRecurringRunsOptions, 'experimentId' | 'namespace'> {}

/** Options of `client.recurringRuns.preview`. */
export interface PreviewOptions {
  /** How many fire times, 1-1000. @default 5 */
  count?: number;
  /** List fire times strictly after this. @default now */
  from?: TimeOption;
  /** Cancels the request. @default none */
  signal?: AbortSignal;
}
