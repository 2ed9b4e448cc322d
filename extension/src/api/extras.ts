/**
 * Calls the views need beyond what the client's sub-clients offer: uploads of browser files,
 * recurring runs (KFP's RecurringRunService, by its REST shapes), and the engine's additions
 * (task records, artifacts).
 */
import type {
  Client,
  V2beta1ListRecurringRunsResponse,
  V2beta1Pipeline,
  V2beta1PipelineVersion,
  V2beta1RecurringRun,
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

/** Runs of a pipeline, uploaded or inline, by id. */
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

/** KFP's RecurringRunService, over the connection. */
export class RecurringRunsApi {
  constructor(private readonly client: Client) {}

  async list(
    options: { experimentId?: string; pageSize?: number } = {},
  ): Promise<V2beta1RecurringRun[]> {
    const response = await this.client.connection.json<
      V2beta1ListRecurringRunsResponse & { recurring_runs?: V2beta1RecurringRun[] }
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

  get(id: string): Promise<V2beta1RecurringRun> {
    return this.client.connection.json({ method: 'GET', path: `/recurringruns/${seg(id)}` });
  }

  create(body: V2beta1RecurringRun): Promise<V2beta1RecurringRun> {
    return this.client.connection.json({ method: 'POST', path: '/recurringruns', json: body });
  }

  /**
   * Edits a recurring run in place: the engine's additive `PATCH /recurringruns/{id}` (KFP has
   * no update; there one would delete and create again).
   */
  async update(id: string, body: V2beta1RecurringRun): Promise<V2beta1RecurringRun> {
    try {
      return await this.client.connection.json({
        method: 'PATCH',
        path: `/recurringruns/${seg(id)}`,
        json: body,
      });
    } catch (error) {
      if (error instanceof KfpApiError && [404, 405, 501].includes(error.status)) {
        return this.client.connection.json({
          method: 'POST',
          path: `/recurringruns/${seg(id)}:update`,
          json: body,
        });
      }
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
