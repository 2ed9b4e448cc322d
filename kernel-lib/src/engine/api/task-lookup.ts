/**
 * How the task routes find the task in `/runs/{run_id}/tasks/{task}`: its task id, its path from
 * the root DAG (`condition-1/train`), or its name alone (`train`) when exactly one task of the run
 * has that name — a client that knows the pipeline, not the condition groups the compiler made,
 * can ask for a task by the name it gave it.
 */
import { InvalidArgumentError, NotFoundError } from '../errors';
import type { TaskRow } from '../store/tasks';
import type { EngineContext } from './context';

/**
 * The wanted task among a run's tasks, or an error: 404 when there is none such, 400 when a bare
 * name is ambiguous (its paths are listed, so the caller can ask for one).
 */
export function pickTask(tasks: readonly TaskRow[], runId: string, wanted: string): TaskRow {
  const exact = tasks.find((t) => t.task_id === wanted) ?? tasks.find((t) => t.path === wanted);
  if (exact !== undefined) return exact;
  const named = wanted.includes('/') ? [] : tasks.filter((t) => t.path.endsWith(`/${wanted}`));
  if (named.length === 1) return named[0] as TaskRow;
  if (named.length > 1) {
    throw new InvalidArgumentError(
      `run '${runId}' has ${named.length} tasks named '${wanted}' (${named
        .map((t) => `'${t.path}'`)
        .join(', ')}): ask for one by its path or task id.`,
      { field: 'task_id' },
    );
  }
  throw new NotFoundError('task', wanted, `run '${runId}' has no task '${wanted}'.`);
}

/** The wanted task of a run: one indexed lookup by id or path, the run's tasks only for a name. */
export function requireTask(engine: EngineContext, runId: string, wanted: string): TaskRow {
  engine.store.runs.require(runId);
  return (
    engine.store.tasks.find(runId, wanted) ??
    pickTask(engine.store.tasks.ofRun(runId), runId, wanted)
  );
}
