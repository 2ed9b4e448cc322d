/**
 * The life of a run: stored as PENDING, launched in the background, its state and tasks
 * recorded from the launcher's events until it ends. Terminating aborts the launch; retrying
 * launches it again under the same id, reusing the tasks that succeeded; runs left unfinished by
 * a crash are closed at start-up, and what their interrupted tasks had begun to write is removed.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PipelineSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import { FailedPreconditionError, GrpcCode } from '../errors';
import { isWithin } from '../safe-path';
import {
  localPathOfUri,
  resolvePipelineRoot,
  taskOutputPaths,
  type RunEvent,
  type TaskResult,
} from '../runner';
import { messageOf } from '../runner/errors';
import type { Store } from '../store';
import { FINAL_RUN_STATES, type RunRow, type RunStateName, type StoredStatus } from '../store/runs';
import { FINAL_TASK_STATES, taskResultOf } from '../store/tasks';
import type { LaunchOutcome, RunLauncher } from './launcher';

/** What creating a run takes (already validated by the API). */
export interface NewRunInput {
  /** The run's id. @default a new UUID */
  id?: string;
  display_name: string;
  description: string;
  experiment_id: string;
  pipeline_id: string;
  pipeline_version_id: string;
  spec: PipelineSpec;
  /** True when the spec was given inline in the request. */
  spec_inline: boolean;
  parameters: Record<string, JsonValue>;
  /** As given in `runtime_config.pipeline_root`; empty for the engine's default. */
  pipeline_root: string;
  service_account: string;
  /** The recurring run that fired it. @default none (a one-off run) */
  recurring_run_id?: string;
  /** The time it was scheduled for (ms). @default its creation time */
  scheduled_at?: number;
  /** `spec` as JSON text, when the caller has it already. @default `JSON.stringify(spec)` */
  spec_text?: string;
}

/** A run that has ended (or was deleted while active), as told to {@link RunManagerOptions.onRunEnded}. */
export interface RunEnded {
  readonly runId: string;
  /** The recurring run that fired it, or null for a one-off run. */
  readonly recurringRunId: string | null;
  /** Its final state; undefined when the run was deleted before it ended. */
  readonly state: RunStateName | undefined;
  /** Its error, when it failed or was canceled. */
  readonly error: StoredStatus | undefined;
}

/** Options of {@link RunManager}. */
export interface RunManagerOptions {
  readonly store: Store;
  readonly launcher: RunLauncher;
  readonly now: () => Date;
  /** Runs keep their files under `<dataDir>/runs/<run id>/`. */
  readonly dataDir: string;
  /** The pipeline root of runs that do not set one. */
  readonly defaultPipelineRoot: string;
  /** Where object-store pipeline roots are kept (`<dataDir>/buckets`); as the launcher uses it. */
  readonly bucketsDir?: string;
  /** Reports problems that cannot be answered to a client. */
  readonly log: (message: string) => void;
  /** Told when a run ends, after its end is recorded (the scheduler counts its slots). */
  readonly onRunEnded?: (ended: RunEnded) => void;
}

interface ActiveRun {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const SHUTDOWN_MESSAGE = 'the engine shut down while the run was in progress.';

/** Why a run a previous engine process left unfinished was closed at start-up. */
export function restartMessage(state: RunStateName): string {
  return state === 'CANCELING'
    ? 'the engine restarted while the run was being terminated; recorded as CANCELED.'
    : `the engine restarted while the run was ${state}: its previous process stopped (killed or crashed) before the run ended, and runs are not resumed. Tasks that had finished keep their outputs; retry the run to run the others (finished tasks are reused).`;
}

export class RunManager {
  private readonly active = new Map<string, ActiveRun>();
  private shuttingDown = false;

  constructor(private readonly options: RunManagerOptions) {}

  private get store(): Store {
    return this.options.store;
  }

  private nowMs(): number {
    return this.options.now().getTime();
  }

  /** The pipeline root a run executes with. */
  effectivePipelineRoot(run: RunRow): string {
    return run.pipeline_root !== '' ? run.pipeline_root : this.options.defaultPipelineRoot;
  }

  /**
   * Checks a `runtime_config.pipeline_root` as a run would use it (empty: the default).
   *
   * @throws {@link RunOptionsError} for a root runs cannot write to.
   */
  checkPipelineRoot(root: string): void {
    resolvePipelineRoot(
      root !== '' ? root : this.options.defaultPipelineRoot,
      this.options.bucketsDir,
    );
  }

  /** The root a run's artifacts are really written to (object-store roots mapped). */
  private resolvedRoot(run: RunRow): string | undefined {
    try {
      return resolvePipelineRoot(this.effectivePipelineRoot(run), this.options.bucketsDir);
    } catch {
      return undefined;
    }
  }

  /** The directory holding all files of a run. */
  runDir(runId: string): string {
    return path.join(this.options.dataDir, 'runs', runId);
  }

  /** True while the run's execution has not settled. */
  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /**
   * Stores a new run and launches it; the run row and the launch succeed or fail together.
   *
   * @throws whatever the launcher throws for a run it cannot start (the row is rolled back).
   */
  create(input: NewRunInput): RunRow {
    let id: string | undefined;
    const transaction = this.store.db.transaction(() => {
      const row = this.stage(input);
      id = row.id;
      this.launch(row, input.spec, input.parameters);
      return row;
    });
    try {
      return transaction();
    } catch (error) {
      // Should the commit fail after the launch, the run must not go on without its row.
      if (id !== undefined) this.active.get(id)?.controller.abort();
      throw error;
    }
  }

  /**
   * Stores a PENDING run without launching it: the scheduler stages the runs of a tick in one
   * transaction (with its cursor), then {@link start}s them once it has committed.
   *
   * @throws SQLite's unique violation when the recurring run already has a run at that time.
   */
  stage(input: NewRunInput): RunRow {
    const id = input.id ?? randomUUID();
    const now = this.nowMs();
    const row = this.store.runs.insert({
      id,
      display_name: input.display_name,
      description: input.description,
      experiment_id: input.experiment_id,
      pipeline_id: input.pipeline_id,
      pipeline_version_id: input.pipeline_version_id,
      spec_inline: input.spec_inline,
      pipeline_spec: input.spec_text ?? JSON.stringify(input.spec),
      parameters: JSON.stringify(input.parameters),
      pipeline_root: input.pipeline_root,
      service_account: input.service_account,
      created_at: now,
      scheduled_at: input.scheduled_at ?? now,
      ...(input.recurring_run_id !== undefined ? { recurring_run_id: input.recurring_run_id } : {}),
      work_dir: path.join(this.runDir(id), 'attempt-1'),
    });
    this.store.experiments.touchLastRun(input.experiment_id, now);
    return row;
  }

  /**
   * Launches a staged run. When the launcher refuses it (an unrunnable spec, bad parameters),
   * the run is recorded FAILED with the reason and false is returned.
   */
  start(row: RunRow, spec: PipelineSpec, parameters: Record<string, JsonValue>): boolean {
    try {
      this.launch(row, spec, parameters);
      return true;
    } catch (error) {
      this.failToStart(row, `the run could not start: ${messageOf(error)}`);
      return false;
    }
  }

  /** Records a staged run that cannot be started as FAILED, with `message`. */
  failToStart(row: RunRow, message: string): void {
    const now = this.nowMs();
    const status = { code: GrpcCode.FAILED_PRECONDITION, message };
    try {
      this.store.runs.setState(row.id, 'FAILED', now, status);
    } catch (error) {
      this.options.log(`could not record the failure of run ${row.id}: ${messageOf(error)}`);
    }
    this.notifyEnded(row.id, row.recurring_run_id, 'FAILED', status);
  }

  private notifyEnded(
    runId: string,
    recurringRunId: string | null,
    state: RunStateName | undefined,
    error: StoredStatus | undefined,
  ): void {
    const listener = this.options.onRunEnded;
    if (listener === undefined) return;
    try {
      listener({ runId, recurringRunId, state, error });
    } catch (failure) {
      this.options.log(`the end of run ${runId} could not be handled: ${messageOf(failure)}`);
    }
  }

  private launch(
    row: RunRow,
    spec: PipelineSpec,
    parameters: Record<string, JsonValue>,
    reuseTasks?: readonly TaskResult[],
  ): void {
    const controller = new AbortController();
    const launched = this.options.launcher.launch({
      ...(reuseTasks !== undefined ? { reuseTasks } : {}),
      runId: row.id,
      runName: row.display_name,
      spec,
      parameters,
      pipelineRoot: this.effectivePipelineRoot(row),
      workDir: row.work_dir,
      createTime: new Date(row.created_at),
      scheduleTime: new Date(row.scheduled_at),
      signal: controller.signal,
      onEvent: (event) => this.onEvent(row.id, event),
    });
    const done = Promise.resolve(launched.done)
      .then(
        (outcome) => this.finish(row.id, outcome),
        (error: unknown) =>
          this.finish(row.id, {
            state: 'FAILED',
            error: `the run could not go on: ${messageOf(error)}`,
          }),
      )
      .then((ended) => {
        this.active.delete(row.id);
        this.notifyEnded(
          row.id,
          row.recurring_run_id,
          ended?.state,
          ended?.error ? (JSON.parse(ended.error) as StoredStatus) : undefined,
        );
      });
    this.active.set(row.id, { controller, done });
  }

  private onEvent(runId: string, event: RunEvent): void {
    try {
      if (event.type === 'task') {
        this.store.tasks.upsert(runId, event.task, event.time.getTime());
      } else if (event.type === 'run') {
        this.applyState(runId, event.state, event.time.getTime(), event.error);
      }
    } catch (error) {
      this.options.log(`could not record an event of run ${runId}: ${messageOf(error)}`);
    }
  }

  /** Records how a run ended; returns it as recorded (undefined when it is gone). */
  private finish(runId: string, outcome: LaunchOutcome): RunRow | undefined {
    try {
      if (!this.store.db.open) return undefined;
      const time = this.nowMs();
      this.applyState(runId, outcome.state, time, outcome.error);
      const row = this.store.runs.get(runId);
      if (row !== undefined && (row.state === 'FAILED' || row.state === 'CANCELED')) {
        const message = row.error
          ? (JSON.parse(row.error) as StoredStatus).message
          : 'the run ended.';
        this.store.tasks.closeUnfinished(runId, row.state, message, time);
      }
      return row;
    } catch (error) {
      this.options.log(`could not record the end of run ${runId}: ${messageOf(error)}`);
      return undefined;
    }
  }

  /** Records a state the launcher reported, never moving a run back from CANCELING or an end. */
  private applyState(runId: string, reported: string, time: number, error?: string): void {
    const row = this.store.runs.get(runId);
    if (row === undefined || FINAL_RUN_STATES.has(row.state)) return;
    let state = reported as RunStateName;
    if (row.state === 'CANCELING' && !FINAL_RUN_STATES.has(state)) return;
    if (row.state === state) return;
    let status: StoredStatus | undefined;
    if (state === 'CANCELED' && this.shuttingDown) {
      state = 'FAILED';
      status = { code: GrpcCode.ABORTED, message: SHUTDOWN_MESSAGE };
    } else if (state === 'CANCELED') {
      status = { code: GrpcCode.CANCELLED, message: error ?? 'the run was terminated.' };
    } else if (state === 'FAILED') {
      status = { code: GrpcCode.UNKNOWN, message: error ?? 'the run failed.' };
    }
    this.store.runs.setState(runId, state, time, status);
  }

  /**
   * Asks a run to stop: it becomes CANCELING, then CANCELED once its tasks have stopped.
   *
   * @throws {@link FailedPreconditionError} when the run has already ended.
   */
  terminate(runId: string): void {
    const row = this.store.runs.require(runId);
    if (FINAL_RUN_STATES.has(row.state)) {
      throw new FailedPreconditionError(
        `run '${runId}' has already ended (${row.state}); only a PENDING or RUNNING run can be terminated.`,
        {
          resourceType: 'run',
          resourceName: runId,
        },
      );
    }
    if (row.state === 'CANCELING') return;
    const now = this.nowMs();
    this.store.runs.setState(runId, 'CANCELING', now);
    const active = this.active.get(runId);
    if (active !== undefined) {
      active.controller.abort();
      return;
    }
    const message = 'the run was terminated.';
    this.store.tasks.closeUnfinished(runId, 'CANCELED', message, now);
    this.store.runs.setState(runId, 'CANCELED', now, { code: GrpcCode.CANCELLED, message });
  }

  /**
   * Runs a FAILED or CANCELED run again under the same id, in a fresh work directory. Tasks that
   * succeeded before are reused — not run again — when their inputs are unchanged and their
   * outputs still exist, whether or not caching is on (as a retried KFP workflow resumes); the
   * others run again.
   *
   * @throws {@link FailedPreconditionError} for a run in another state.
   */
  retry(runId: string): RunRow {
    const row = this.store.runs.require(runId);
    if ((row.state !== 'FAILED' && row.state !== 'CANCELED') || this.active.has(runId)) {
      throw new FailedPreconditionError(
        `run '${runId}' is ${row.state}${this.active.has(runId) ? ' and still stopping' : ''}; only a FAILED or CANCELED run can be retried.`,
        { resourceType: 'run', resourceName: runId },
      );
    }
    const spec = JSON.parse(row.pipeline_spec) as PipelineSpec;
    const parameters = JSON.parse(row.parameters) as Record<string, JsonValue>;
    const workDir = path.join(this.runDir(runId), `attempt-${row.attempt + 1}`);
    return this.store.db.transaction(() => {
      const previous = this.store.tasks.ofRun(runId).map(taskResultOf);
      const reset = this.store.runs.resetForRetry(runId, this.nowMs(), workDir);
      this.launch(reset, spec, parameters, previous);
      return reset;
    })();
  }

  /** Deletes a run, stopping it first if it is going, and removes its files. */
  delete(runId: string): void {
    const row = this.store.runs.require(runId);
    this.store.runs.delete(runId);
    const remove = (): void => this.removeFiles(row);
    const active = this.active.get(runId);
    if (active === undefined) {
      remove();
      return;
    }
    active.controller.abort();
    void active.done.then(remove);
  }

  /** Whether a path lies in the data directory (files there are the engine's to remove). */
  private ownsPath(local: string): boolean {
    return isWithin(path.resolve(this.options.dataDir), path.resolve(local));
  }

  private removeFiles(row: RunRow): void {
    const targets = [this.runDir(row.id)];
    // Artifacts go too when they are the engine's: under the default root or a mapped bucket.
    const resolved = this.resolvedRoot(row);
    const root = resolved === undefined ? undefined : localPathOfUri(resolved);
    const spec = JSON.parse(row.pipeline_spec) as Partial<PipelineSpec>;
    const name = spec.pipelineInfo?.name;
    if (root !== undefined && typeof name === 'string' && name !== '') {
      const runArtifacts = path.join(root, name, row.id);
      if (this.ownsPath(runArtifacts)) targets.push(runArtifacts);
    }
    for (const target of targets) {
      fs.rm(target, { recursive: true, force: true }, (error) => {
        if (error) this.options.log(`could not remove ${target}: ${error.message}`);
      });
    }
  }

  /**
   * Removes what the interrupted tasks of a run may have begun to write at their output artifact
   * paths: an artifact on disk is always the complete output of a task that succeeded.
   */
  private discardInterruptedOutputs(row: RunRow): void {
    const root = this.resolvedRoot(row);
    if (root === undefined) return;
    let spec: PipelineSpec;
    try {
      spec = JSON.parse(row.pipeline_spec) as PipelineSpec;
    } catch {
      return;
    }
    for (const task of this.store.tasks.ofRun(row.id)) {
      if (task.kind !== 'container' || FINAL_TASK_STATES.has(task.state)) continue;
      for (const local of taskOutputPaths(spec, root, row.id, task.path, task.component_name)) {
        try {
          fs.rmSync(local, { recursive: true, force: true });
          fs.rmdirSync(path.dirname(local));
        } catch {
          // The folder holds other outputs, or is gone already.
        }
      }
    }
  }

  /**
   * Closes runs a previous process left unfinished: CANCELING ones become CANCELED, the others
   * FAILED, each with a message saying the engine restarted; partial outputs of their
   * interrupted tasks are removed. Returns how many were closed.
   */
  recover(): number {
    const rows = this.store.runs.unfinished();
    const now = this.nowMs();
    for (const row of rows) {
      const cancel = row.state === 'CANCELING';
      const message = restartMessage(row.state);
      this.discardInterruptedOutputs(row);
      this.store.db.transaction(() => {
        this.store.tasks.closeUnfinished(row.id, cancel ? 'CANCELED' : 'FAILED', message, now);
        this.store.runs.setState(row.id, cancel ? 'CANCELED' : 'FAILED', now, {
          code: cancel ? GrpcCode.CANCELLED : GrpcCode.ABORTED,
          message,
        });
      })();
    }
    return rows.length;
  }

  /**
   * Stops every active run and waits (up to `graceMs`) for them to settle; runs still going
   * after that are recorded as FAILED.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    const runs = [...this.active.entries()];
    for (const [, run] of runs) run.controller.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(runs.map(([, run]) => run.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    if (timer !== undefined) clearTimeout(timer);
    for (const [runId] of runs) {
      if (!this.active.has(runId)) continue;
      this.finish(runId, { state: 'CANCELED' });
      this.active.delete(runId);
    }
  }
}
