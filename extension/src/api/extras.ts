/**
 * Calls the views need beyond what the client's sub-clients offer: uploads of browser files,
 * recurring runs (KFP's RecurringRunService, by its REST shapes), and the engine's additions
 * (task records, artifacts).
 */
import type {
  Client,
  PipelabRecurringRun,
  PipelabTrigger,
  PreviewRecurringRunResponse,
  V2beta1ListRecurringRunsResponse,
  V2beta1Pipeline,
  V2beta1PipelineVersion,
  V2beta1Run,
} from 'pipelab/client';
import { KfpApiError } from 'pipelab/client';
import type { ArtifactRecord, TaskRecord } from './types';

function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Uploads a pipeline file (`.yaml`, `.json`, `.tar.gz`) as a new pipeline, or a new version of one. */
export async function uploadPipelineFile(
  client: Client,
  file: Blob,
  fileName: string,
  options: { name?: string; pipelineId?: string } = {},
): Promise<V2beta1Pipeline | V2beta1PipelineVersion> {
  const form = new FormData();
  form.append('uploadfile', file, fileName);
  const base = fileName.replace(/(\.pipeline)?\.(ya?ml|json|tar\.gz|tgz|zip)$/i, '');
  if (options.pipelineId !== undefined) {
    const stamp = new Date().toISOString().replace(/[-:.]/g, '').toLowerCase();
    return client.connection.json<V2beta1PipelineVersion>({
      method: 'POST',
      path: '/pipelines/upload_version',
      query: { name: options.name ?? `${base}-${stamp}`, pipelineid: options.pipelineId },
      form,
    });
  }
  return client.connection.json<V2beta1Pipeline>({
    method: 'POST',
    path: '/pipelines/upload',
    query: { name: options.name ?? base },
    form,
  });
}

/** The latest runs of a recurring run (for servers that do not say its `last_run`). */
export async function runsOfRecurringRun(
  client: Client,
  recurringRunId: string,
  pageSize = 1,
): Promise<V2beta1Run[]> {
  const page = await client.runs.list({
    pageSize,
    sortBy: 'created_at desc',
    filter: {
      predicates: [{ key: 'recurring_run_id', operation: 'EQUALS', string_value: recurringRunId }],
    },
  });
  return page.items;
}

/**
 * True when a failure says the server lacks the operation (Kubeflow Pipelines, or an engine from
 * before it), rather than that the request was wrong or the recurring run is missing: 501, 405,
 * or a 404 that the engine does not mark as its own answer about a resource.
 */
export function isMissingOperation(error: unknown): boolean {
  if (!(error instanceof KfpApiError) || ![404, 405, 501].includes(error.status)) return false;
  if (error.status !== 404) return true;
  const engine = error.details.find(
    (d) => (d as { domain?: unknown }).domain === 'pipelab.engine',
  ) as { reason?: unknown } | undefined;
  return engine === undefined || engine.reason === 'ROUTE_NOT_FOUND';
}

/** Thrown by {@link RecurringRunsApi.update} when the server cannot edit recurring runs. */
export class CannotEditError extends Error {
  constructor(endpoint: string) {
    super(
      `The server at ${endpoint} cannot edit a recurring run (Kubeflow Pipelines has no update): delete it and create it again.`,
    );
    this.name = 'CannotEditError';
  }
}

/** What {@link RecurringRunsApi.preview} previews: a trigger, or a stored recurring run. */
export type PreviewTarget = { trigger: PipelabTrigger } | { recurringRunId: string };

/**
 * KFP's RecurringRunService over the connection, with the engine's additions: the edit in place
 * (`PATCH`), the preview of fire times, and the output fields `next_fire_time`, `last_run`,
 * `consecutive_failures` and `disabled_reason` (see kernel-lib/src/engine/API.md).
 */
export class RecurringRunsApi {
  constructor(private readonly client: Client) {}

  async list(
    options: { experimentId?: string; pageSize?: number } = {},
  ): Promise<PipelabRecurringRun[]> {
    const response = await this.client.connection.json<
      V2beta1ListRecurringRunsResponse & {
        recurringRuns?: PipelabRecurringRun[];
        recurring_runs?: PipelabRecurringRun[];
      }
    >({
      method: 'GET',
      path: '/recurringruns',
      query: {
        page_size: options.pageSize ?? 100,
        sort_by: 'created_at desc',
        experiment_id: options.experimentId,
      },
    });
    return response.recurringRuns ?? response.recurring_runs ?? [];
  }

  get(id: string): Promise<PipelabRecurringRun> {
    return this.client.connection.json({ method: 'GET', path: `/recurringruns/${seg(id)}` });
  }

  create(body: PipelabRecurringRun): Promise<PipelabRecurringRun> {
    return this.client.connection.json({ method: 'POST', path: '/recurringruns', json: body });
  }

  /**
   * Edits a recurring run in place: the engine's additive `PATCH /recurringruns/{id}` (then its
   * `POST …:update` twin, for proxies that refuse PATCH). KFP has no update.
   *
   * @throws {@link CannotEditError} when the server has neither.
   */
  async update(id: string, body: PipelabRecurringRun): Promise<PipelabRecurringRun> {
    for (const [method, path] of [
      ['PATCH', `/recurringruns/${seg(id)}`],
      ['POST', `/recurringruns/${seg(id)}:update`],
    ] as const) {
      try {
        return await this.client.connection.json<PipelabRecurringRun>({ method, path, json: body });
      } catch (error) {
        if (!isMissingOperation(error)) throw error;
      }
    }
    throw new CannotEditError(this.client.endpoint);
  }

  /**
   * The next fire times from the engine's `POST /recurringruns:preview`, or undefined when the
   * server does not have it (Kubeflow Pipelines: the caller computes them itself). A trigger the
   * server refuses throws its 400, naming the field (`trigger.cron_schedule.cron`).
   */
  async preview(
    target: PreviewTarget,
    options: { count?: number; from?: Date } = {},
  ): Promise<Date[] | undefined> {
    try {
      const response = await this.client.connection.json<PreviewRecurringRunResponse>({
        method: 'POST',
        path: '/recurringruns:preview',
        json: {
          ...('trigger' in target
            ? { trigger: target.trigger }
            : { recurring_run_id: target.recurringRunId }),
          count: options.count ?? 5,
          ...(options.from !== undefined ? { from: options.from.toISOString() } : {}),
        },
      });
      return (response.fire_times ?? []).map((t) => new Date(t));
    } catch (error) {
      if (isMissingOperation(error)) return undefined;
      throw error;
    }
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.client.connection.json({
      method: 'POST',
      path: `/recurringruns/${seg(id)}:${enabled ? 'enable' : 'disable'}`,
    });
  }

  async delete(id: string): Promise<void> {
    await this.client.connection.json({ method: 'DELETE', path: `/recurringruns/${seg(id)}` });
  }
}

/** One task's record with its parameters and artifacts (engine only). */
export function getTaskRecord(client: Client, runId: string, taskId: string): Promise<TaskRecord> {
  return client.connection.json<TaskRecord>({
    method: 'GET',
    path: `/runs/${seg(runId)}/tasks/${seg(taskId)}`,
  });
}

/** An artifact's record (engine only). */
export function getArtifact(client: Client, artifactId: string): Promise<ArtifactRecord> {
  return client.connection.json<ArtifactRecord>({
    method: 'GET',
    path: `/artifacts/${seg(artifactId)}`,
  });
}

/** An artifact's content: a file's bytes, or a directory as `.tar.gz` (engine only). */
export async function downloadArtifact(
  client: Client,
  artifactId: string,
): Promise<{ bytes: Uint8Array; gzip: boolean }> {
  const response = await client.connection.send({
    method: 'GET',
    path: `/artifacts/${seg(artifactId)}:download`,
    accept: '*/*',
  });
  const type = response.headers.get('content-type') ?? '';
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { bytes, gzip: type.includes('gzip') || (bytes[0] === 0x1f && bytes[1] === 0x8b) };
}
