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
 * The task, or an error: 404 when the run has none such, 400 when a bare name is ambiguous
 * (its paths are listed, so the caller can ask for one).
 */
export function requireTask(engine: EngineContext, runId: string, wanted: string): TaskRow {
  engine.store.runs.require(runId);
  const exact = engine.store.tasks.find(runId, wanted);
  if (exact !== undefined) return exact;
  const named = wanted.includes('/')
    ? []
    : engine.store.tasks.ofRun(runId).filter((t) => t.path.endsWith(`/${wanted}`));
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
