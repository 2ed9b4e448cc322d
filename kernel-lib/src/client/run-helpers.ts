/**
 * Small helpers over runs as the API returns them: final states, tasks by name, failures.
 */
import type { RuntimeState, V2beta1PipelineTaskDetail, V2beta1Run } from './types';

/** The states a run does not leave (except by `retry`). */
export const FINAL_RUN_STATES: ReadonlySet<RuntimeState> = new Set<RuntimeState>([
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'SKIPPED',
]);

/** True when a run (or task) in this state has finished. */
export function isFinalState(state: RuntimeState | undefined): boolean {
  return state !== undefined && FINAL_RUN_STATES.has(state);
}

/** True when the run finished without failing (SUCCEEDED, or SKIPPED). */
export function isSucceeded(run: V2beta1Run): boolean {
  return run.state === 'SUCCEEDED' || run.state === 'SKIPPED';
}

/** The run's tasks (empty when the server sent no details). */
export function taskDetails(run: V2beta1Run): V2beta1PipelineTaskDetail[] {
  return run.run_details?.task_details ?? [];
}

/** A task of the run by its display name (the task's name in the pipeline) or its id. */
export function findTask(run: V2beta1Run, nameOrId: string): V2beta1PipelineTaskDetail | undefined {
  const tasks = taskDetails(run);
  return (
    tasks.find((t) => t.task_id === nameOrId) ?? tasks.find((t) => t.display_name === nameOrId)
  );
}

/** The tasks that failed. */
export function failedTasks(run: V2beta1Run): V2beta1PipelineTaskDetail[] {
  return taskDetails(run).filter((t) => t.state === 'FAILED');
}

/** `${base}/#/runs/details/${runId}`: a run's page in the KFP UI (and the engine's dashboard). */
export function runLink(base: string, runId: string): string {
  return `${base.replace(/\/+$/, '')}/#/runs/details/${encodeURIComponent(runId)}`;
}
