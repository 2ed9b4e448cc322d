/**
 * Formatting of states, times, durations and progress, shared by every view.
 */
import type { RuntimeState, V2beta1PipelineTaskDetail, V2beta1Run } from 'pipelab/client';
import { isFinalState, taskDetails } from 'pipelab/client';

/** The CSS class of a state: `pl-state-succeeded`. */
export function stateClass(state: string | undefined): string {
  return `pl-State pl-State-${(state ?? 'unknown').toLowerCase().replace(/_/g, '-')}`;
}

/** A state for people: `Succeeded`, `Running`... */
export function stateLabel(state: string | undefined): string {
  if (state === undefined || state === 'RUNTIME_STATE_UNSPECIFIED') return 'Unknown';
  const lower = state.toLowerCase().replace(/_/g, ' ');
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

/** A duration for people: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A time as a server wrote it, or undefined when unset: KFP writes the zero timestamp for that. */
export function apiTime(value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) || t <= 0 ? undefined : new Date(t);
}

/** {@link apiTime} in milliseconds. */
function time(value: string | undefined): number | undefined {
  return apiTime(value)?.getTime();
}

/** How long a run (or task) has taken so far, or took. */
export function runDuration(
  item: { created_at?: string; finished_at?: string; state?: RuntimeState },
  now = Date.now(),
): number | undefined {
  const start = time(item.created_at);
  if (start === undefined) return undefined;
  const end = time(item.finished_at) ?? (isFinalState(item.state) ? undefined : now);
  return end === undefined ? undefined : Math.max(0, end - start);
}

/** How long a task took. */
export function taskDuration(
  task: V2beta1PipelineTaskDetail,
  now = Date.now(),
): number | undefined {
  const start = time(task.start_time) ?? time(task.create_time);
  if (start === undefined) return undefined;
  const end = time(task.end_time) ?? (isFinalState(task.state) ? undefined : now);
  return end === undefined ? undefined : Math.max(0, end - start);
}

/** A time for people, in the browser's time zone. */
export function formatTime(value: string | Date | undefined): string {
  const t = value instanceof Date ? value.getTime() : time(value);
  if (t === undefined) return '';
  return new Date(t).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The executable tasks of a run (not the DAG groups that hold others). */
export function leafTasks(run: V2beta1Run): V2beta1PipelineTaskDetail[] {
  return taskDetails(run).filter(
    (t) => (t.child_tasks ?? []).length === 0 && t.display_name !== 'root',
  );
}

/** Progress of a run's steps: how many ended, of how many. */
export interface StepProgress {
  done: number;
  total: number;
  failed: number;
  running: number;
}

export function stepProgress(run: V2beta1Run): StepProgress {
  const tasks = leafTasks(run);
  const count = (done: (t: V2beta1PipelineTaskDetail) => boolean): number =>
    tasks.filter(done).length;
  return {
    done: count((t) => isFinalState(t.state)),
    total: tasks.length,
    failed: count((t) => t.state === 'FAILED'),
    running: count((t) => t.state === 'RUNNING'),
  };
}

/** A number for people. */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') return value === undefined || value === null ? '' : String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(1);
  if (magnitude >= 1) return Number(value.toFixed(3)).toString();
  return Number(value.toPrecision(4)).toString();
}
