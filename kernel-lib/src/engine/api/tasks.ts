/**
 * Pipelab addition: one task of a run with what KFP's task details leave out,
 * `GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}` (task id, path or unique name): the KFP
 * PipelineTaskDetail fields plus `path`, `parameters` (input and output values), `artifacts`
 * (the records behind the artifact ids), `attempts`, `reused`, `skip_reason` and `cached_from`.
 */
import type { StoredAttempt, StoredTaskIO } from '../store/tasks';
import { toApiArtifact } from './artifacts';
import type { EngineContext } from './context';
import { toApiTaskDetails } from './convert';
import { timestamp } from './proto-json';
import type { Router } from './router';
import { pickTask } from './task-lookup';

export function taskRoutes(router: Router, engine: EngineContext): void {
  router.add('GET', '/apis/v2beta1/runs/{run_id}/tasks/{task_id}', ({ params }) => {
    const runId = params.run_id ?? '';
    engine.store.runs.require(runId);
    const tasks = engine.store.tasks.ofRun(runId);
    const task = pickTask(tasks, runId, params.task_id ?? '');
    const detail = toApiTaskDetails(tasks)[tasks.indexOf(task)] ?? {};
    const inputs = JSON.parse(task.inputs) as StoredTaskIO;
    const outputs = JSON.parse(task.outputs) as StoredTaskIO;
    const artifact = (id: number): Record<string, unknown> | undefined => {
      const row = engine.store.artifacts.get(id);
      return row === undefined ? undefined : toApiArtifact(engine, row);
    };
    const records = (io: StoredTaskIO): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(io.artifacts).map(([name, a]) => [name, artifact(a.artifact_id)]),
      );
    return {
      ...detail,
      path: task.path,
      parameters: { inputs: inputs.parameters, outputs: outputs.parameters },
      artifacts: { inputs: records(inputs), outputs: records(outputs) },
      attempts: (JSON.parse(task.attempts) as StoredAttempt[]).map((a) => ({
        attempt: a.attempt,
        start_time: timestamp(a.start_time),
        ...(a.end_time !== undefined ? { end_time: timestamp(a.end_time) } : {}),
        ...(a.exit_code !== undefined && a.exit_code !== null ? { exit_code: a.exit_code } : {}),
        ...(a.exit_signal ? { exit_signal: a.exit_signal } : {}),
        ...(a.error ? { error: a.error } : {}),
        ...(a.pid !== undefined ? { pid: a.pid } : {}),
        log_url: `/apis/v2beta1/runs/${runId}/tasks/${task.task_id}/logs?attempt=${a.attempt}`,
      })),
      ...(task.reused === 1 ? { reused: true } : {}),
      ...(task.skip_reason ? { skip_reason: task.skip_reason } : {}),
      ...(task.cached_from ? { cached_from: JSON.parse(task.cached_from) as unknown } : {}),
    };
  });
}
