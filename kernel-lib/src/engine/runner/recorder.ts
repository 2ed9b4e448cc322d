/**
 * The live record of a run's tasks. Every change goes through here, so each one is also sent to
 * the caller's `onEvent` listener as a snapshot.
 */
import type { RunEvent, SkipReason, TaskResult, TaskState } from './types';

/** Holds every task's {@link TaskResult} and reports each change. */
export class RunRecorder {
  private readonly tasks = new Map<string, TaskResult>();

  constructor(
    private readonly runId: string,
    private readonly now: () => Date,
    private readonly listener: ((event: RunEvent) => void) | undefined,
  ) {}

  /** Sends an event; a listener that throws does not disturb the run. */
  emit(event: RunEvent): void {
    if (!this.listener) return;
    try {
      this.listener(event);
    } catch {
      // The listener's own failure is its business; the run goes on.
    }
  }

  register(task: TaskResult): void {
    this.tasks.set(task.path, task);
  }

  /** Reports every task as it is now (at the start of a run: all PENDING). */
  announce(): void {
    for (const task of this.tasks.values()) {
      this.emit({ type: 'task', time: this.now(), runId: this.runId, task: structuredClone(task) });
    }
  }

  get(path: string): TaskResult | undefined {
    return this.tasks.get(path);
  }

  /** Changes a task and reports the new state. */
  update(path: string, patch: Partial<TaskResult>): void {
    const task = this.tasks.get(path);
    if (!task) return;
    Object.assign(task, patch);
    this.emit({ type: 'task', time: this.now(), runId: this.runId, task: structuredClone(task) });
  }

  /**
   * Ends a task that will not run in `state`, and every task inside it that has not ended yet
   * the same way (inside a FAILED DAG task, they are SKIPPED: they never ran).
   */
  endSubtree(path: string, state: TaskState, error: string, skipReason?: SkipReason): void {
    const now = this.now();
    this.update(path, { state, error, endTime: now, ...(skipReason ? { skipReason } : {}) });
    for (const task of this.tasks.values()) {
      if (!task.path.startsWith(`${path}/`) || task.state !== 'PENDING') continue;
      if (state === 'FAILED') {
        this.update(task.path, {
          state: 'SKIPPED',
          skipReason: 'UPSTREAM_FAILED',
          error: `task '${task.path}' did not run: DAG task '${path}' failed.`,
          endTime: now,
        });
      } else {
        this.update(task.path, {
          state,
          error,
          endTime: now,
          ...(skipReason ? { skipReason } : {}),
        });
      }
    }
  }

  log(taskPath: string, attempt: number, stream: 'stdout' | 'stderr', line: string): void {
    this.emit({
      type: 'log',
      time: this.now(),
      runId: this.runId,
      taskPath,
      attempt,
      stream,
      line,
    });
  }

  warn(message: string, taskPath?: string): void {
    this.emit({
      type: 'warning',
      time: this.now(),
      runId: this.runId,
      message,
      ...(taskPath ? { taskPath } : {}),
    });
  }

  /** A deep copy of every task, keyed by path. */
  snapshot(): Record<string, TaskResult> {
    return Object.fromEntries([...this.tasks].map(([path, task]) => [path, structuredClone(task)]));
  }
}
