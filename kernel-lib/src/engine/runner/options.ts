/**
 * The options of `runPipeline`, and the one function that applies their defaults and checks
 * them.
 */
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JsonValue } from '../../dsl/types';
import { fileUri, resolvePipelineRoot } from './artifacts';
import type { CacheStore } from './cache';
import { RunOptionsError } from './errors';
import { abortableSleep } from './retry';
import type { CommandResolver, ProcessMonitor, RunEvent, TaskResult } from './types';

/** How to run a pipeline locally. */
export interface RunOptions {
  /**
   * Values of the pipeline's parameters (`root.inputDefinitions.parameters`). Parameters left out
   * take their default; one without a default must be given unless it is optional.
   * @default {}
   */
  parameters?: Record<string, JsonValue | undefined>;
  /**
   * Where the run keeps each task's files: `<workDir>/<task path>/` holds `outputs/<name>`
   * (output parameters), `executor_output.json` and `logs/attempt-<n>.log`.
   * @default `<os.tmpdir()>/pipelab-runs/<runId>`
   */
  workDir?: string;
  /**
   * The URI prefix of output artifacts; an artifact's URI is
   * `<pipelineRoot>/<pipeline name>/<run id>/<task path>/<output name>`. Its local path follows
   * KFP's convention (`file:///x` → `/x`, `gs://b/k` → `/gcs/b/k`...), or lies below
   * {@link RunOptions.bucketsDir} when that is set. A root with no local path (`https://...`) is
   * refused.
   * @default `file://<workDir>/artifacts`
   */
  pipelineRoot?: string;
  /**
   * A local directory standing in for object storage: a `gs://`, `s3://` or `minio://` pipeline
   * root or importer URI is kept below it (`gs://bucket/key` → `file://<bucketsDir>/gs/bucket/key`),
   * so tasks read and write there and artifact URIs are those `file://` URIs.
   * @default none: KFP's mount convention (`gs://b/k` at `/gcs/b/k`)
   */
  bucketsDir?: string;
  /**
   * Tasks of an earlier attempt of this same run (same spec and parameters), as that attempt
   * reported them — what a retry passes. A container task that ended SUCCEEDED or CACHED there is
   * not run again when its inputs are the same and its output files still exist: it is reported
   * as it was (same task id, times, attempts and outputs) with `reused: true`. Works whether or
   * not caching is on. Other tasks run.
   * @default none
   */
  reuseTasks?: readonly TaskResult[];
  /** Told about each task process started and ended (see {@link ProcessMonitor}). @default none */
  processMonitor?: ProcessMonitor;
  /** The run's id, `{{$.pipeline_job_uuid}}`. @default a random UUID */
  runId?: string;
  /** The run's name, `{{$.pipeline_job_name}}`. @default `<pipeline name>-<create time as yyyymmddhhmmss>` */
  runName?: string;
  /** How many task processes may run at the same time. @default 4 */
  parallelism?: number;
  /** Where cached task outputs are looked up and stored. @default none: nothing is cached */
  cache?: CacheStore;
  /**
   * Whether this run uses the cache at all. Each task also needs `cachingOptions.enableCache`.
   * @default true
   */
  enableCaching?: boolean;
  /** Aborting cancels the run: running task processes and their children are terminated. @default none */
  signal?: AbortSignal;
  /** Receives task state changes, log lines, warnings and the run's state. @default none */
  onEvent?: (event: RunEvent) => void;
  /** Maps a container to a local command. @default run each container's command and args as written */
  commandResolver?: CommandResolver;
  /** The working directory of task processes. @default process.cwd() */
  cwd?: string;
  /** The environment of task processes, before each container's own `env`. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** `{{$.pipeline_job_create_time_utc}}`. @default the time `runPipeline` is called */
  createTime?: Date;
  /** `{{$.pipeline_job_schedule_time_utc}}`. @default `createTime` */
  scheduleTime?: Date;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /**
   * Waits between retries; it should end early when the signal aborts. Tests make it instant.
   * @default a timer
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** How long a cancelled task's processes get between SIGTERM and SIGKILL. @default 5000 */
  killGracePeriodMs?: number;
}

/** Options with every default applied. */
export interface SettledOptions {
  parameters: Record<string, JsonValue | undefined>;
  workDir: string;
  pipelineRoot: string;
  bucketsDir: string | undefined;
  reuseTasks: ReadonlyMap<string, TaskResult>;
  processMonitor: ProcessMonitor | undefined;
  runId: string;
  runName: string;
  parallelism: number;
  cache: CacheStore | undefined;
  enableCaching: boolean;
  signal: AbortSignal | undefined;
  onEvent: ((event: RunEvent) => void) | undefined;
  commandResolver: CommandResolver | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  createTime: Date;
  scheduleTime: Date;
  now: () => Date;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  killGracePeriodMs: number;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function checkDate(name: string, value: unknown): void {
  if (value !== undefined && !(value instanceof Date && !Number.isNaN(value.getTime()))) {
    throw new RunOptionsError(`option ${name} must be a valid Date.`);
  }
}

/** Applies defaults and checks every option; throws {@link RunOptionsError} naming the bad one. */
export function settleOptions(pipelineName: string, options: RunOptions): SettledOptions {
  const o = options ?? {};
  const parameters = o.parameters ?? {};
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new RunOptionsError('option parameters must be an object of parameter values.');
  }
  const parallelism = o.parallelism ?? 4;
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new RunOptionsError(
      `option parallelism must be a positive integer; got ${String(parallelism)}.`,
    );
  }
  const grace = o.killGracePeriodMs ?? 5000;
  if (!Number.isFinite(grace) || grace < 0) {
    throw new RunOptionsError(
      `option killGracePeriodMs must be a number ≥ 0; got ${String(grace)}.`,
    );
  }
  const runId = o.runId ?? randomUUID();
  if (
    typeof runId !== 'string' ||
    runId === '' ||
    /[/\\\0]/.test(runId) ||
    runId === '.' ||
    runId === '..'
  ) {
    throw new RunOptionsError(
      `option runId must be a non-empty string usable as a directory name; got ${JSON.stringify(runId)}.`,
    );
  }
  for (const name of ['createTime', 'scheduleTime'] as const) checkDate(name, o[name]);
  if (
    o.cache !== undefined &&
    (typeof o.cache.get !== 'function' || typeof o.cache.put !== 'function')
  ) {
    throw new RunOptionsError('option cache must be a CacheStore (with get and put).');
  }
  if (o.bucketsDir !== undefined && (typeof o.bucketsDir !== 'string' || o.bucketsDir === '')) {
    throw new RunOptionsError('option bucketsDir must be a non-empty path.');
  }
  if (o.reuseTasks !== undefined && !Array.isArray(o.reuseTasks)) {
    throw new RunOptionsError('option reuseTasks must be an array of task results.');
  }
  if (
    o.processMonitor !== undefined &&
    (typeof o.processMonitor?.started !== 'function' ||
      typeof o.processMonitor?.ended !== 'function')
  ) {
    throw new RunOptionsError('option processMonitor must have started(pid) and ended(pid).');
  }
  const now = o.now ?? (() => new Date());
  const createTime = o.createTime ?? now();
  const workDir = path.resolve(o.workDir ?? path.join(os.tmpdir(), 'pipelab-runs', runId));
  const bucketsDir = o.bucketsDir === undefined ? undefined : path.resolve(o.bucketsDir);
  return {
    parameters,
    workDir,
    pipelineRoot: resolvePipelineRoot(
      o.pipelineRoot ?? fileUri(path.join(workDir, 'artifacts')),
      bucketsDir,
    ),
    bucketsDir,
    reuseTasks: new Map((o.reuseTasks ?? []).map((t) => [t.path, t])),
    processMonitor: o.processMonitor,
    runId,
    runName: o.runName ?? `${pipelineName}-${stamp(createTime)}`,
    parallelism,
    cache: o.cache,
    enableCaching: o.enableCaching ?? true,
    signal: o.signal,
    onEvent: o.onEvent,
    commandResolver: o.commandResolver,
    cwd: o.cwd ?? process.cwd(),
    env: o.env ?? process.env,
    createTime,
    scheduleTime: o.scheduleTime ?? createTime,
    now,
    sleep: o.sleep ?? abortableSleep,
    killGracePeriodMs: grace,
  };
}
