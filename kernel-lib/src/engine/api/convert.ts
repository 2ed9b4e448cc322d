/**
 * Stored rows to the v2beta1 API messages (snake_case fields, enum names, RFC 3339 times),
 * pruned of unpopulated fields as KFP's server writes them.
 */
import type { TaskState } from '../runner';
import type { ExperimentRow } from '../store/experiments';
import type { PipelineRow, PipelineVersionRow } from '../store/pipelines';
import type { RecurringRunRow } from '../store/recurring-runs';
import type { LatestRunRow, RunRow, RunStateRow, StoredStatus } from '../store/runs';
import type { StoredTaskIO, TaskDetailRow, TaskStateEntry } from '../store/tasks';
import { GrpcCode } from '../errors';
import { prune, timestamp } from './proto-json';

/** A JSON object as the API writes it. */
export type ApiMessage = Record<string, unknown>;

function parseJson<T>(text: string | null): T | undefined {
  if (text === null || text === '') return undefined;
  return JSON.parse(text) as T;
}

export function toApiExperiment(row: ExperimentRow): ApiMessage {
  return prune({
    experiment_id: row.id,
    display_name: row.display_name,
    description: row.description,
    created_at: timestamp(row.created_at),
    namespace: row.namespace,
    storage_state: row.storage_state,
    last_run_created_at: timestamp(row.last_run_created_at),
  });
}

export function toApiPipeline(row: PipelineRow): ApiMessage {
  return prune({
    pipeline_id: row.id,
    display_name: row.display_name,
    name: row.name,
    description: row.description,
    created_at: timestamp(row.created_at),
    namespace: row.namespace,
    tags: parseJson<Record<string, string>>(row.tags),
  });
}

export function toApiPipelineVersion(row: PipelineVersionRow): ApiMessage {
  return prune({
    pipeline_id: row.pipeline_id,
    pipeline_version_id: row.id,
    display_name: row.display_name,
    name: row.name,
    description: row.description,
    created_at: timestamp(row.created_at),
    package_url: { pipeline_url: row.package_url },
    code_source_url: row.code_source_url,
    pipeline_spec: parseJson<unknown>(row.pipeline_spec),
    tags: parseJson<Record<string, string>>(row.tags),
  });
}

/** KFP's RuntimeState name for a runner task state (a cache hit is reported as SKIPPED). */
export function apiTaskState(state: TaskState): string {
  return state === 'CACHED' ? 'SKIPPED' : state;
}

function taskStatus(
  state: TaskState,
  message: string | null | undefined,
): StoredStatus | undefined {
  if (message === null || message === undefined || message === '') return undefined;
  if (state === 'CANCELED') return { code: GrpcCode.CANCELLED, message };
  if (state === 'FAILED') return { code: GrpcCode.UNKNOWN, message };
  return undefined;
}

function artifactLists(io: StoredTaskIO | undefined): Record<string, { artifact_ids: string[] }> {
  const lists: Record<string, { artifact_ids: string[] }> = {};
  for (const [name, artifact] of Object.entries(io?.artifacts ?? {})) {
    lists[name] = { artifact_ids: [String(artifact.artifact_id)] };
  }
  return lists;
}

/** The run's tasks as `run_details.task_details`. */
export function toApiTaskDetails(tasks: readonly TaskDetailRow[]): ApiMessage[] {
  const byPath = new Map(tasks.map((t) => [t.path, t]));
  return tasks.map((task) => {
    const parent = task.parent_path === null ? undefined : byPath.get(task.parent_path);
    const children = tasks.filter((t) => t.parent_path === task.path);
    const history = parseJson<TaskStateEntry[]>(task.state_history) ?? [];
    return prune({
      run_id: task.run_id,
      task_id: task.task_id,
      display_name: task.display_name,
      create_time: timestamp(task.create_time),
      start_time: timestamp(task.start_time),
      end_time: timestamp(task.end_time),
      executor_detail: task.kind === 'dag' ? undefined : { main_job: task.pod_name },
      state: apiTaskState(task.state),
      error: taskStatus(task.state, task.error),
      inputs: artifactLists(parseJson<StoredTaskIO>(task.inputs)),
      outputs: artifactLists(parseJson<StoredTaskIO>(task.outputs)),
      parent_task_id: parent?.task_id,
      state_history: history.map((entry) => ({
        update_time: timestamp(entry.update_time),
        state: apiTaskState(entry.state),
        error: taskStatus(entry.state, entry.error),
      })),
      pod_name: task.kind === 'dag' ? undefined : task.pod_name,
      child_tasks: children.map((child) => ({
        task_id: child.task_id,
        pod_name: child.kind === 'dag' ? undefined : child.pod_name,
      })),
    });
  });
}

/** What a run message is built from. */
export interface RunView {
  run: RunRow;
  states: readonly RunStateRow[];
  tasks: readonly TaskDetailRow[];
}

export function toApiRun({ run, states, tasks }: RunView): ApiMessage {
  return prune({
    experiment_id: run.experiment_id,
    run_id: run.id,
    display_name: run.display_name,
    storage_state: run.storage_state,
    description: run.description,
    pipeline_spec: run.spec_inline === 1 ? parseJson<unknown>(run.pipeline_spec) : undefined,
    pipeline_version_reference:
      run.spec_inline === 1
        ? undefined
        : { pipeline_id: run.pipeline_id, pipeline_version_id: run.pipeline_version_id },
    runtime_config: {
      parameters: parseJson<Record<string, unknown>>(run.parameters),
      pipeline_root: run.pipeline_root,
    },
    service_account: run.service_account,
    created_at: timestamp(run.created_at),
    scheduled_at: timestamp(run.scheduled_at),
    finished_at: timestamp(run.finished_at),
    state: run.state,
    error: parseJson<StoredStatus>(run.error),
    run_details: { task_details: toApiTaskDetails(tasks) },
    recurring_run_id: run.recurring_run_id ?? undefined,
    state_history: states.map((s) => ({
      update_time: timestamp(s.update_time),
      state: s.state,
      error: parseJson<StoredStatus>(s.error),
    })),
  });
}

/** What a recurring run message is built from, besides its row. */
export interface RecurringRunView {
  /** When it fires next (undefined when disabled or past its end). */
  readonly nextFireTime: Date | undefined;
  /** Its latest run, by scheduled time. */
  readonly lastRun: LatestRunRow | undefined;
}

/**
 * A recurring run as `v2beta1RecurringRun`, plus Pipelab's additions (see API.md):
 * `trigger.cron_schedule.time_zone`, `max_consecutive_failures`, `consecutive_failures`,
 * `disabled_reason`, `next_fire_time` and `last_run`.
 */
export function toApiRecurringRun(row: RecurringRunRow, view: RecurringRunView): ApiMessage {
  const inline = row.pipeline_spec !== null;
  const last = view.lastRun;
  return prune({
    recurring_run_id: row.id,
    display_name: row.display_name,
    description: row.description,
    pipeline_spec: inline ? parseJson<unknown>(row.pipeline_spec) : undefined,
    pipeline_version_reference: inline
      ? undefined
      : { pipeline_id: row.pipeline_id, pipeline_version_id: row.pipeline_version_id },
    runtime_config: parseJson<Record<string, unknown>>(row.runtime_config),
    service_account: row.service_account,
    max_concurrency: String(row.max_concurrency),
    trigger: parseJson<Record<string, unknown>>(row.trigger),
    mode: row.mode,
    created_at: timestamp(row.created_at),
    updated_at: timestamp(row.updated_at),
    status: row.mode === 'ENABLE' ? 'ENABLED' : 'DISABLED',
    no_catchup: row.no_catchup === 1,
    namespace: row.namespace,
    experiment_id: row.experiment_id,
    max_consecutive_failures: row.max_consecutive_failures ?? undefined,
    consecutive_failures: row.consecutive_failures,
    disabled_reason: row.disabled_reason ?? undefined,
    next_fire_time: timestamp(view.nextFireTime?.getTime()),
    last_run:
      last === undefined
        ? undefined
        : {
            run_id: last.id,
            display_name: last.display_name,
            state: last.state,
            scheduled_at: timestamp(last.scheduled_at),
            created_at: timestamp(last.created_at),
            finished_at: timestamp(last.finished_at),
          },
  });
}
