/**
 * How the engine starts the execution of a run: a narrow interface over the local runner, so the
 * engine can be tested with a fake and the runner replaced without touching the API.
 */
import type { PipelineSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import type { RunEvent, RunState, TaskResult } from '../runner';

/** Everything a launcher needs to execute one run. */
export interface LaunchRequest {
  /** The run's id (`{{$.pipeline_job_uuid}}`). */
  readonly runId: string;
  /** The run's display name (`{{$.pipeline_job_name}}`). */
  readonly runName: string;
  readonly spec: PipelineSpec;
  /** `runtime_config.parameters` as given; defaults are the launcher's business. */
  readonly parameters: Record<string, JsonValue>;
  /** Where output artifacts go. */
  readonly pipelineRoot: string;
  /** The run's private directory (task outputs, logs). */
  readonly workDir: string;
  readonly createTime: Date;
  readonly scheduleTime: Date;
  /**
   * On a retry: the tasks of the previous attempt, as recorded. Those that succeeded are reused
   * rather than run again when their inputs are unchanged and their outputs still exist.
   */
  readonly reuseTasks?: readonly TaskResult[];
  /** Aborted to cancel the run. */
  readonly signal: AbortSignal;
  /** Receives task state changes, log lines, warnings and run states, in order. */
  readonly onEvent: (event: RunEvent) => void;
}

/** How a launched run ended. */
export interface LaunchOutcome {
  readonly state: RunState;
  readonly error?: string;
}

/** A launched run. */
export interface LaunchedRun {
  /** Settles when the run has ended; should not reject (a rejection counts as a failure). */
  readonly done: Promise<LaunchOutcome>;
}

/**
 * Starts runs. `launch` returns at once: the run executes in the background and reports through
 * `onEvent`. It throws (synchronously) when the run cannot start at all — an unrunnable spec or
 * bad parameters — and the engine then answers the create request with INVALID_ARGUMENT.
 */
export interface RunLauncher {
  launch(request: LaunchRequest): LaunchedRun;
}
