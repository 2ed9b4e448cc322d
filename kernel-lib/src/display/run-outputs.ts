/**
 * What a task of a run produced — its output parameters and the metadata of its output artifacts
 * (a Metrics artifact's metadata holds the metrics) — for showing it in a notebook.
 *
 * KFP's REST API leaves these out (they live in ML Metadata, which a KFP cluster's UI reads); the
 * embedded engine serves them at `GET /apis/v2beta1/runs/{run_id}/tasks/{task}`, a Pipelab
 * addition. Against Kubeflow Pipelines {@link taskOutputs} throws an {@link EngineOnlyError}: look
 * at the run in KFP's UI (the run link) instead.
 */
import type { Connection } from '../client/connection';
import { EngineOnlyError, KfpApiError } from '../client/errors';
import type { JsonValue } from '../client/types';

const API_PREFIX = '/apis/v2beta1';
const OPERATION = 'GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}';
const DOWNLOAD_OPERATION = 'GET /apis/v2beta1/artifacts/{artifact_id}:download';
const KFP_ADVICE =
  "On Kubeflow Pipelines, a run's output parameters and metrics are shown on its page in the KFP UI (the run link).";

/** An output artifact of a task, as the engine records it. */
export interface TaskArtifact {
  name?: string;
  uri?: string;
  type?: { schema_title?: string; schema_version?: string };
  /** The artifact's metadata; for `system.Metrics`, the metrics. */
  metadata?: Record<string, JsonValue>;
  /** Where the content can be downloaded, relative to the endpoint. */
  download_url?: string;
}

/** What a task produced. */
export interface TaskOutputs {
  /** The task's name in the pipeline. */
  task: string;
  state: string | undefined;
  /** Output parameters by name. */
  parameters: Record<string, JsonValue>;
  /** Output artifacts by name. */
  artifacts: Record<string, TaskArtifact>;
}

interface EngineTask {
  display_name?: string;
  state?: string;
  parameters?: { outputs?: Record<string, JsonValue> };
  artifacts?: { outputs?: Record<string, TaskArtifact | null> };
}

/** Anything holding a {@link Connection}: a `Client`. */
export interface HasConnection {
  readonly connection: Connection;
}

/**
 * The outputs of one task of a run (by its name in the pipeline, e.g. `train`, or its task id).
 *
 * @throws {@link EngineOnlyError} when the server is not Pipelab's engine; {@link KfpApiError}
 *   (404) when the run has no such task.
 */
export async function taskOutputs(
  client: HasConnection,
  runId: string,
  task: string,
): Promise<TaskOutputs> {
  const { connection } = client;
  if (connection.viaKubernetes) {
    throw new EngineOnlyError(OPERATION, connection.endpoint, KFP_ADVICE);
  }
  let detail: EngineTask;
  try {
    // The engine finds a task inside a condition group by its name alone when it is unique.
    detail = await connection.json<EngineTask>({
      method: 'GET',
      path: `/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(task)}`,
    });
  } catch (error) {
    // KFP's gateway answers 404 (no route) or 501 for paths it does not serve; the engine's own
    // 404 for an unknown task carries its ErrorInfo domain.
    if (
      error instanceof KfpApiError &&
      [404, 405, 501].includes(error.status) &&
      !error.details.some((d) => d.domain === 'pipelab.engine' && d.reason !== 'ROUTE_NOT_FOUND')
    ) {
      throw new EngineOnlyError(OPERATION, connection.endpoint, KFP_ADVICE, { cause: error });
    }
    throw error;
  }
  const artifacts: Record<string, TaskArtifact> = {};
  for (const [name, artifact] of Object.entries(detail.artifacts?.outputs ?? {})) {
    if (artifact) artifacts[name] = artifact;
  }
  return {
    task: detail.display_name ?? task,
    state: detail.state,
    parameters: { ...(detail.parameters?.outputs ?? {}) },
    artifacts,
  };
}

function numbersOf(values: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** The numeric entries of a Metrics artifact's metadata (others, such as notes, are left out). */
export function numericMetrics(artifact: TaskArtifact | undefined): Record<string, number> {
  return numbersOf(artifact?.metadata);
}

/**
 * The content of an output artifact (a file), as text, through the engine's download route.
 *
 * @throws {@link EngineOnlyError} when the artifact has no download URL (KFP).
 */
export async function artifactText(client: HasConnection, artifact: TaskArtifact): Promise<string> {
  const { connection } = client;
  const url = artifact.download_url;
  if (url === undefined || !url.startsWith(API_PREFIX)) {
    throw new EngineOnlyError(DOWNLOAD_OPERATION, connection.endpoint, KFP_ADVICE);
  }
  return connection.text({ method: 'GET', path: url.slice(API_PREFIX.length), accept: '*/*' });
}

/**
 * The metrics of a task's Metrics artifact: the numbers of its metadata (where KFP keeps them),
 * else those of its content when that is a flat JSON object (a step that wrote its metrics file
 * without telling the launcher).
 */
export async function taskMetrics(
  client: HasConnection,
  runId: string,
  task: string,
  artifact = 'metrics',
): Promise<Record<string, number>> {
  return outputsMetrics(client, await taskOutputs(client, runId, task), artifact);
}

/**
 * {@link taskMetrics} of outputs already fetched with {@link taskOutputs}: the numbers of the
 * Metrics artifact's metadata, else of its content (downloaded only then).
 */
export async function outputsMetrics(
  client: HasConnection,
  outputs: TaskOutputs,
  artifact = 'metrics',
): Promise<Record<string, number>> {
  const found = outputs.artifacts[artifact];
  const fromMetadata = numericMetrics(found);
  if (Object.keys(fromMetadata).length > 0 || found === undefined) return fromMetadata;
  try {
    return numbersOf(JSON.parse(await artifactText(client, found)) as Record<string, unknown>);
  } catch {
    return {};
  }
}
