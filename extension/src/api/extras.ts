/**
 * Calls the views need beyond what the client's sub-clients offer: uploads of browser files, the
 * recurring-run form's raw requests (create, the engine's edit and preview, by their REST
 * shapes), and the engine's additions (task records, artifact downloads).
 */
import type {
  Client,
  PipelabRecurringRun,
  PipelabTrigger,
  PreviewRecurringRunResponse,
  V2beta1Pipeline,
  V2beta1PipelineVersion,
  V2beta1Run,
} from 'pipelab/client';
import { missingOperation } from 'pipelab/client';
import type { TaskRecord } from './types';

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
 * Every recurring run (following the pages), newest first: `client.recurringRuns`, with the
 * engine's output fields (`next_fire_time`, `last_run`, ...) as the server sends them.
 */
export async function listRecurringRuns(client: Client): Promise<PipelabRecurringRun[]> {
  const all: PipelabRecurringRun[] = [];
  for await (const rr of client.recurringRuns.iterate({ sortBy: 'created_at desc', pageSize: 100 }))
    all.push(rr);
  return all;
}

/**
 * What the recurring-run form sends as it is, since it builds the REST bodies itself (the
 * server's field violations name their fields) and must know whether a preview came from the
 * server: the create, the engine's edit in place and its preview of fire times. Everything else
 * goes through `client.recurringRuns`.
 */
export class RecurringRunsApi {
  constructor(private readonly client: Client) {}

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
        if (!missingOperation(error, true)) throw error;
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
      if (missingOperation(error, true)) return undefined;
      throw error;
    }
  }
}

/** One task's record with its parameters and artifacts (engine only). */
export function getTaskRecord(client: Client, runId: string, taskId: string): Promise<TaskRecord> {
  return client.connection.json<TaskRecord>({
    method: 'GET',
    path: `/runs/${seg(runId)}/tasks/${seg(taskId)}`,
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
