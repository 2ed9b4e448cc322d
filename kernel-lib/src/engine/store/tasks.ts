/**
 * The tasks of runs, as the runner last reported them. Each report replaces the task's row;
 * state changes are appended to its `state_history`, and its artifacts get ids in the artifacts
 * table (kept in the stored inputs/outputs as `artifact_id`).
 */
import type { AttemptResult, SkipReason, TaskIO, TaskResult, TaskState } from '../runner';
import type { ArtifactStore } from './artifacts';
import { statement, type Db } from './database';

/** A task as stored. */
export interface TaskRow {
  seq: number;
  run_id: string;
  path: string;
  task_id: string;
  parent_path: string | null;
  name: string;
  display_name: string;
  kind: string;
  component_name: string;
  pod_name: string;
  state: TaskState;
  skip_reason: string | null;
  error: string | null;
  create_time: number;
  start_time: number | null;
  end_time: number | null;
  log_path: string | null;
  /** {@link StoredAttempt}[] as JSON. */
  attempts: string;
  /** {@link StoredTaskIO} as JSON. */
  inputs: string;
  outputs: string;
  /** `{runId, taskPath}` as JSON, for a cache hit. */
  cached_from: string | null;
  /** {@link TaskStateEntry}[] as JSON. */
  state_history: string;
  /** 1 when a retry took the task's result from an earlier attempt instead of running it. */
  reused: number;
}

/** The columns a KFP task detail is built from (what a run, or a list of runs, shows). */
export const TASK_DETAIL_COLUMNS = [
  'seq',
  'run_id',
  'path',
  'task_id',
  'parent_path',
  'display_name',
  'kind',
  'pod_name',
  'state',
  'error',
  'create_time',
  'start_time',
  'end_time',
  'inputs',
  'outputs',
  'state_history',
] as const;

/** A task with the columns of {@link TASK_DETAIL_COLUMNS}. */
export type TaskDetailRow = Pick<TaskRow, (typeof TASK_DETAIL_COLUMNS)[number]>;

/** One state change of a task. */
export interface TaskStateEntry {
  state: TaskState;
  update_time: number;
  error?: string;
}

/** An attempt as stored (times in ms). */
export interface StoredAttempt {
  attempt: number;
  start_time: number;
  end_time?: number;
  exit_code?: number | null;
  exit_signal?: string | null;
  error?: string;
  log_path: string;
  pid?: number;
}

/** Task inputs or outputs as stored: the runner's, each artifact with its id. */
export interface StoredTaskIO {
  parameters: TaskIO['parameters'];
  artifacts: Record<string, TaskIO['artifacts'][string] & { artifact_id: number }>;
}

/** Task states that do not change any more. */
export const FINAL_TASK_STATES: ReadonlySet<TaskState> = new Set([
  'SUCCEEDED',
  'FAILED',
  'SKIPPED',
  'CACHED',
  'CANCELED',
]);

function ms(date: Date | undefined): number | null {
  return date === undefined ? null : date.getTime();
}

function storedAttempt(a: AttemptResult): StoredAttempt {
  return {
    attempt: a.attempt,
    start_time: a.startTime.getTime(),
    ...(a.endTime ? { end_time: a.endTime.getTime() } : {}),
    ...(a.exitCode !== undefined ? { exit_code: a.exitCode } : {}),
    ...(a.exitSignal !== undefined ? { exit_signal: a.exitSignal } : {}),
    ...(a.error !== undefined ? { error: a.error } : {}),
    log_path: a.logPath,
    ...(a.pid !== undefined ? { pid: a.pid } : {}),
  };
}

function date(ms: number | null | undefined): Date | undefined {
  return ms === null || ms === undefined ? undefined : new Date(ms);
}

function runnerIO(io: StoredTaskIO): TaskIO {
  return {
    parameters: io.parameters ?? {},
    artifacts: Object.fromEntries(
      Object.entries(io.artifacts ?? {}).map(([name, { artifact_id: _id, ...artifact }]) => [
        name,
        artifact,
      ]),
    ),
  };
}

/** A stored task as the runner reported it (what a retry hands back to the runner). */
export function taskResultOf(row: TaskRow): TaskResult {
  const attempts = (JSON.parse(row.attempts) as StoredAttempt[]).map((a): AttemptResult => ({
    attempt: a.attempt,
    startTime: new Date(a.start_time),
    ...(a.end_time !== undefined ? { endTime: new Date(a.end_time) } : {}),
    ...(a.exit_code !== undefined ? { exitCode: a.exit_code } : {}),
    ...(a.exit_signal !== undefined ? { exitSignal: a.exit_signal } : {}),
    ...(a.error !== undefined ? { error: a.error } : {}),
    logPath: a.log_path,
    ...(a.pid !== undefined ? { pid: a.pid } : {}),
  }));
  const startTime = date(row.start_time);
  const endTime = date(row.end_time);
  return {
    path: row.path,
    name: row.name,
    displayName: row.display_name,
    ...(row.parent_path !== null ? { parentPath: row.parent_path } : {}),
    componentName: row.component_name,
    kind: row.kind as TaskResult['kind'],
    taskId: row.task_id,
    podName: row.pod_name,
    state: row.state,
    ...(row.skip_reason ? { skipReason: row.skip_reason as SkipReason } : {}),
    createTime: new Date(row.create_time),
    ...(startTime ? { startTime } : {}),
    ...(endTime ? { endTime } : {}),
    attempts,
    inputs: runnerIO(JSON.parse(row.inputs) as StoredTaskIO),
    outputs: runnerIO(JSON.parse(row.outputs) as StoredTaskIO),
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.log_path !== null ? { logPath: row.log_path } : {}),
    ...(row.cached_from !== null
      ? { cachedFrom: JSON.parse(row.cached_from) as { runId: string; taskPath: string } }
      : {}),
  };
}

export class TaskStore {
  constructor(
    private readonly db: Db,
    private readonly artifacts: ArtifactStore,
  ) {}

  private storeIO(runId: string, taskPath: string, io: TaskIO, time: number): StoredTaskIO {
    const artifacts: StoredTaskIO['artifacts'] = {};
    for (const [name, artifact] of Object.entries(io.artifacts ?? {})) {
      artifacts[name] = {
        ...artifact,
        artifact_id: this.artifacts.register(runId, taskPath, artifact, time),
      };
    }
    return { parameters: io.parameters ?? {}, artifacts };
  }

  /**
   * Records what the runner reported about a task. Returns false (and records nothing) when the
   * run no longer exists.
   */
  upsert(runId: string, task: TaskResult, time: number): boolean {
    return this.db.transaction(() => {
      const run = statement(this.db, 'SELECT 1 FROM runs WHERE id = ?').get(runId);
      if (run === undefined) return false;
      const previous = this.get(runId, task.path);
      const history: TaskStateEntry[] = previous
        ? (JSON.parse(previous.state_history) as TaskStateEntry[])
        : [];
      if (previous?.state !== task.state) {
        history.push({
          state: task.state,
          update_time: time,
          ...(task.error !== undefined && FINAL_TASK_STATES.has(task.state)
            ? { error: task.error }
            : {}),
        });
      }
      const inputs = this.storeIO(runId, task.path, task.inputs, time);
      const outputs = this.storeIO(runId, task.path, task.outputs, time);
      statement(
        this.db,
        `INSERT INTO tasks (run_id, path, task_id, parent_path, name, display_name, kind, component_name,
             pod_name, state, skip_reason, error, create_time, start_time, end_time, log_path, attempts,
             inputs, outputs, cached_from, state_history, reused)
           VALUES (@run_id, @path, @task_id, @parent_path, @name, @display_name, @kind, @component_name,
             @pod_name, @state, @skip_reason, @error, @create_time, @start_time, @end_time, @log_path,
             @attempts, @inputs, @outputs, @cached_from, @state_history, @reused)
           ON CONFLICT (run_id, path) DO UPDATE SET task_id = excluded.task_id, state = excluded.state,
             create_time = excluded.create_time, reused = excluded.reused,
             skip_reason = excluded.skip_reason, error = excluded.error, start_time = excluded.start_time,
             end_time = excluded.end_time, log_path = excluded.log_path, attempts = excluded.attempts,
             inputs = excluded.inputs, outputs = excluded.outputs, cached_from = excluded.cached_from,
             state_history = excluded.state_history, pod_name = excluded.pod_name`,
      ).run({
        run_id: runId,
        path: task.path,
        task_id: task.taskId,
        parent_path: task.parentPath ?? null,
        name: task.name,
        display_name: task.displayName,
        kind: task.kind,
        component_name: task.componentName,
        pod_name: task.podName,
        state: task.state,
        skip_reason: task.skipReason ?? null,
        error: task.error ?? null,
        create_time: task.createTime?.getTime() ?? previous?.create_time ?? time,
        start_time: ms(task.startTime),
        end_time: ms(task.endTime),
        log_path: task.logPath ?? null,
        attempts: JSON.stringify(task.attempts.map(storedAttempt)),
        inputs: JSON.stringify(inputs),
        outputs: JSON.stringify(outputs),
        cached_from: task.cachedFrom ? JSON.stringify(task.cachedFrom) : null,
        state_history: JSON.stringify(history),
        reused: task.reused ? 1 : 0,
      });
      return true;
    })();
  }

  get(runId: string, path: string): TaskRow | undefined {
    return statement(this.db, 'SELECT * FROM tasks WHERE run_id = ? AND path = ?').get(
      runId,
      path,
    ) as TaskRow | undefined;
  }

  /** A task of a run by its task id or its path. */
  find(runId: string, idOrPath: string): TaskRow | undefined {
    return (statement(this.db, 'SELECT * FROM tasks WHERE run_id = ? AND task_id = ?').get(
      runId,
      idOrPath,
    ) ?? this.get(runId, idOrPath)) as TaskRow | undefined;
  }

  /** The tasks of a run in the order the runner first reported them. */
  ofRun(runId: string): TaskRow[] {
    return statement(this.db, 'SELECT * FROM tasks WHERE run_id = ? ORDER BY seq').all(
      runId,
    ) as TaskRow[];
  }

  /** The tasks of several runs (the columns of their task details), by run id, in one query. */
  detailsOfRuns(runIds: readonly string[]): Map<string, TaskDetailRow[]> {
    const byRun = new Map<string, TaskDetailRow[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return byRun;
    const rows = statement(
      this.db,
      `SELECT ${TASK_DETAIL_COLUMNS.join(', ')} FROM tasks
       WHERE run_id IN (${runIds.map(() => '?').join(', ')}) ORDER BY seq`,
    ).all(...runIds) as TaskDetailRow[];
    for (const row of rows) byRun.get(row.run_id)?.push(row);
    return byRun;
  }

  /** Ends every unfinished task of a run in `state` with `error` (after a crash or shutdown). */
  closeUnfinished(runId: string, state: 'FAILED' | 'CANCELED', error: string, time: number): void {
    this.db.transaction(() => {
      for (const row of this.ofRun(runId)) {
        if (FINAL_TASK_STATES.has(row.state)) continue;
        const history = JSON.parse(row.state_history) as TaskStateEntry[];
        history.push({ state, update_time: time, error });
        statement(
          this.db,
          `UPDATE tasks SET state = ?, error = ?, end_time = COALESCE(end_time, ?), state_history = ?
             WHERE run_id = ? AND path = ?`,
        ).run(state, error, time, JSON.stringify(history), runId, row.path);
      }
    })();
  }
}
