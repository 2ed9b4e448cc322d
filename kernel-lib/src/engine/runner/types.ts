/**
 * The public types of the local runner: what a run and each of its tasks report, the events a
 * caller can follow, and the hooks it can plug in. Times are `Date`s; a server turns them into
 * RFC 3339 strings.
 */
import type { ArtifactTypeSchema } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';

/**
 * The state of one task.
 *
 * - `PENDING`: waiting for its upstream tasks or for a free executor slot.
 * - `RUNNING`: its process runs (or, for a DAG task, its inner tasks run).
 * - `SUCCEEDED` / `FAILED`: it ran, and finished so.
 * - `SKIPPED`: it did not run; {@link TaskResult.skipReason} says why.
 * - `CACHED`: a cache hit gave its outputs without running it.
 * - `CANCELED`: the run was cancelled before or while it ran.
 */
export type TaskState =
  'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CACHED' | 'CANCELED';

/** Why a task was skipped. */
export type SkipReason =
  /** Its own `triggerPolicy.condition`, or that of a DAG task around it, was false. */
  | 'CONDITION_FALSE'
  /** An upstream task failed or was skipped for that reason, so its inputs never came. */
  | 'UPSTREAM_FAILED';

/** The state of a run. */
export type RunState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** An artifact as the IR's `RuntimeArtifact` describes it (the `{{$}}` JSON shape). */
export interface RuntimeArtifactIR {
  /** The artifact's name: the output key that produced it. */
  name: string;
  type: ArtifactTypeSchema;
  uri: string;
  /** Metadata; for `system.Metrics` artifacts, the metrics. */
  metadata: Record<string, JsonValue>;
}

/** Parameters and artifacts going into or coming out of a task. */
export interface TaskIO {
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, RuntimeArtifactIR>;
}

/** One execution of a container task's process. */
export interface AttemptResult {
  /** 1 for the first attempt, 2 for the first retry... */
  attempt: number;
  startTime: Date;
  endTime?: Date;
  /** The exit code, when the process exited on its own. */
  exitCode?: number | null;
  /** The signal that ended the process, if one did. */
  exitSignal?: string | null;
  /** What went wrong in this attempt. */
  error?: string;
  /** This attempt's stdout and stderr, interleaved as they came. */
  logPath: string;
  /** The process id (and process group id) of the attempt, once it was started. */
  pid?: number;
}

/** What a task did, or is doing. */
export interface TaskResult {
  /** The task's path from the root DAG, e.g. `condition-branches-1/condition-2/fit`. */
  path: string;
  /** The task's key in its DAG, e.g. `fit`. */
  name: string;
  /** `taskInfo.name`, which may be a display name such as `first step`. */
  displayName: string;
  /** The path of the DAG task it is in, if any. */
  parentPath?: string;
  /** The component it runs (`comp-fit`). */
  componentName: string;
  /** `container` or `importer` for an executor, `dag` for a nested DAG. */
  kind: 'container' | 'importer' | 'dag';
  /** A unique id, used for `{{$.pipeline_task_uuid}}`. */
  taskId: string;
  /** A Kubernetes-like pod name, for display. */
  podName: string;
  state: TaskState;
  skipReason?: SkipReason;
  /** When the runner created the task: at the start of the run, as PENDING. */
  createTime: Date;
  startTime?: Date;
  endTime?: Date;
  /** Every attempt of a container task, in order. */
  attempts: AttemptResult[];
  inputs: TaskIO;
  outputs: TaskIO;
  /** Why it failed, was skipped or cancelled, naming the task. */
  error?: string;
  /** The last attempt's log file. */
  logPath?: string;
  /** The cache fingerprint (sha256 hex) when caching applied to this task. */
  cacheFingerprint?: string;
  /** Which run and task produced the outputs a cache hit reused. */
  cachedFrom?: { runId: string; taskPath: string };
  /**
   * True when the task was not run in this execution: its result was taken from an earlier
   * attempt of the same run (see `RunOptions.reuseTasks`).
   */
  reused?: boolean;
}

/** The outcome of a run. */
export interface RunResult {
  runId: string;
  runName: string;
  pipelineName: string;
  state: RunState;
  createTime: Date;
  scheduleTime: Date;
  startTime?: Date;
  endTime?: Date;
  workDir: string;
  pipelineRoot: string;
  /** The runtime parameters after defaults were applied. */
  parameters: Record<string, JsonValue>;
  /** Every task of the pipeline, nested ones included, keyed by path. */
  tasks: Record<string, TaskResult>;
  /** The root DAG's outputs (`root.dag.outputs`). */
  outputs: TaskIO;
  /** Why the run failed or was cancelled. */
  error?: string;
}

/** What a run reports while it goes. */
export type RunEvent =
  | { type: 'run'; time: Date; runId: string; state: RunState; error?: string }
  | { type: 'task'; time: Date; runId: string; task: TaskResult }
  | {
      type: 'log';
      time: Date;
      runId: string;
      taskPath: string;
      attempt: number;
      stream: 'stdout' | 'stderr';
      line: string;
    }
  | { type: 'warning'; time: Date; runId: string; taskPath?: string; message: string };

/**
 * Told about every task process the runner starts and sees end, so that a supervisor can kill
 * the processes of a runner that died without stopping them (each process leads its own
 * process group: the pid is also the group id).
 */
export interface ProcessMonitor {
  started(pid: number): void;
  ended(pid: number): void;
}

/** A container spec with its placeholders substituted: what a task is about to run. */
export interface ResolvedContainer {
  image: string;
  command: string[];
  args: string[];
  /** `container.env` of the spec, resolved. */
  env: Record<string, string>;
}

/** Which task a {@link CommandResolver} is asked about. */
export interface CommandResolverContext {
  taskPath: string;
  componentName: string;
  executorLabel: string;
}

/** The process to start for a task. */
export interface CommandResolution {
  /** The full argv: the program, then its arguments. */
  command: string[];
  /** Environment variables added to the task's environment. */
  env?: Record<string, string>;
}

/**
 * Maps a container to a local process, for instance Pipelab's own component images to local
 * entry points. Return `undefined` to run the container's command and args as written.
 */
export type CommandResolver = (
  container: ResolvedContainer,
  context: CommandResolverContext,
) => CommandResolution | undefined;
