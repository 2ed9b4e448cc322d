/**
 * `client.runs`: KFP's RunService — create a run (from a DSL pipeline, a compiled spec or file,
 * or an uploaded pipeline version) and get a {@link RunHandle}; get, list, terminate, retry,
 * archive, unarchive, delete — plus the embedded engine's task logs.
 *
 * Task logs (`GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs`, plain text, `?follow=true`
 * streams until the task ends) are a Pipelab engine addition: Kubeflow Pipelines has no such
 * operation (its logs live with the task's pod), so against KFP {@link RunsClient.logs} throws an
 * {@link EngineOnlyError}.
 */
import type { PipelineSpec } from '../compiler/spec';
import { segment, type Connection, type RequestOptions } from './connection';
import { ClientOptionsError, EngineOnlyError, missingOperation } from './errors';
import type { ExperimentsClient } from './experiments';
import {
  getPage,
  items,
  listQuery,
  pages,
  type IterateOptions,
  type ListOptions,
  type Page,
} from './paging';
import type { PipelineSource } from './pipeline-source';
import { RunHandle, type WaitOptions } from './run-handle';
import { runLink } from './run-helpers';
import {
  checkOneExperiment,
  checkOnePipeline,
  createdId,
  experimentIdOf,
  pipelineFields,
  pipelineOf,
  runtimeConfigOf,
  type RunPipeline,
} from './run-request';
import type { JsonValue, V2beta1ListRunsResponse, V2beta1Run } from './types';

/** Which uploaded pipeline version a run runs. */
export interface PipelineVersionRef {
  pipelineId: string;
  /** @default the pipeline's latest version */
  versionId?: string;
}

/** Options of {@link RunsClient.create}. Give exactly one of `pipeline`, `pipelineSpec`, `pipelineVersion`. */
export interface CreateRunOptions {
  /**
   * The pipeline to run: a DSL pipeline (compiled for you), a compiled PipelineSpec, the path of
   * a compiled file (Node), or package bytes. Sent inline as the run's `pipeline_spec`.
   * @default none
   */
  pipeline?: PipelineSource;
  /** A compiled PipelineSpec, sent inline. @default none */
  pipelineSpec?: PipelineSpec;
  /** An uploaded pipeline version. @default none */
  pipelineVersion?: PipelineVersionRef;
  /** The run's name. @default `<pipeline name> <local date and time>`, as kfp.Client names runs */
  displayName?: string;
  /** @default none */
  description?: string;
  /** The experiment to run in. @default the server's default experiment */
  experimentId?: string;
  /** The experiment to run in, by name; created when missing (like kfp.Client). @default none */
  experimentName?: string;
  /** Values of the pipeline's parameters. @default {} (the pipeline's defaults) */
  parameters?: Record<string, JsonValue>;
  /** Where the run's artifacts go. @default the server's (the engine: `<dataDir>/artifacts`) */
  pipelineRoot?: string;
  /**
   * Turns task caching on or off for every task, overriding what the pipeline says (like
   * kfp.Client's `enable_caching`). Only for a pipeline sent inline. @default as compiled
   */
  enableCaching?: boolean;
  /** The Kubernetes service account of the run's pods (KFP). @default the server's */
  serviceAccount?: string;
  /** Cancels the request(s). @default none */
  signal?: AbortSignal;
}

/** Options of {@link RunsClient.list}. */
export interface ListRunsOptions extends ListOptions {
  /** Only the runs of this experiment. @default all experiments */
  experimentId?: string;
  /** @default the client's `namespace` */
  namespace?: string;
}

/** Options of {@link RunsClient.iterate}. */
export interface IterateRunsOptions
  extends IterateOptions, Pick<ListRunsOptions, 'experimentId' | 'namespace'> {}

/** Options of {@link RunsClient.logs}. */
export interface TaskLogOptions {
  /** Which attempt of a retried task. @default the last */
  attempt?: number;
  /** Cancels the request (and ends a followed log). @default none */
  signal?: AbortSignal;
}

const BASE = '/runs';
const LOGS_OPERATION = 'GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs';
const KFP_LOGS_ADVICE =
  "On Kubeflow Pipelines a task's log is its pod's: see task_details[].pod_name and `kubectl logs -n <namespace> <pod>`, or the KFP UI.";

function localStamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`;
}

/** The `v2beta1Run` request body, in the field order kfp.Client writes. */
function runBody(
  options: CreateRunOptions,
  spec: PipelineSpec | undefined,
  ref: PipelineVersionRef | undefined,
  experimentId: string | undefined,
): V2beta1Run {
  return {
    display_name:
      options.displayName ?? `${spec?.pipelineInfo.name || 'run'} ${localStamp(new Date())}`,
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(experimentId !== undefined && experimentId !== '' ? { experiment_id: experimentId } : {}),
    ...pipelineFields(spec, ref, options.enableCaching),
    runtime_config: runtimeConfigOf(options),
    ...(options.serviceAccount !== undefined ? { service_account: options.serviceAccount } : {}),
  };
}

/** `client.runs`. */
export class RunsClient {
  constructor(
    private readonly connection: Connection,
    private readonly experiments: ExperimentsClient,
    private readonly settings: { namespace: string | undefined; uiUrl: string },
  ) {}

  /** The UI link of a run. */
  link(runId: string): string {
    return runLink(this.settings.uiUrl, runId);
  }

  /** A handle on an existing run (no request is made). */
  handle(runId: string): RunHandle {
    segment(runId, 'runId');
    return new RunHandle(this, runId, this.link(runId));
  }

  /**
   * Creates a run: `POST /apis/v2beta1/runs`, with the pipeline inline (`pipeline_spec`) or by
   * reference (`pipeline_version_reference`). With `experimentName`, the experiment is found or
   * created first. The run starts on the server; wait for it with the handle.
   *
   * ```ts
   * const run = await client.runs.create({ pipeline: chicago, experimentName: 'Chicago', parameters: { epochs: 5 } });
   * console.log(run.link);
   * const final = await run.wait({ timeoutMs: 3_600_000 });
   * ```
   */
  async create(options: CreateRunOptions): Promise<RunHandle> {
    if (typeof options !== 'object' || options === null) {
      throw new ClientOptionsError('runs.create', 'runs.create needs an options object.');
    }
    checkOnePipeline(options, 'runs.create', true);
    checkOneExperiment(options, 'runs.create');
    const source = this.source(options);
    // The pipeline first: a pipeline that does not load or compile leaves no experiment behind.
    const spec = await source.spec;
    const experimentId = await experimentIdOf(this.experiments, options);
    const run = await this.connection.json<V2beta1Run>({
      method: 'POST',
      path: BASE,
      json: runBody(options, spec, source.ref, experimentId),
      signal: options.signal,
    });
    const id = createdId(run, 'run_id', 'a run', this.connection.endpoint);
    return new RunHandle(this, id, this.link(id), run);
  }

  private source(options: CreateRunOptions): RunPipeline {
    const source = pipelineOf(options, 'runs.create') as RunPipeline;
    if (source.ref !== undefined && options.enableCaching !== undefined) {
      throw new ClientOptionsError(
        'runs.create.enableCaching',
        'enableCaching rewrites the pipeline sent with the run, so it needs pipeline or pipelineSpec; an uploaded version runs as it was compiled.',
      );
    }
    return source;
  }

  /** One run, with its task details. */
  get(runId: string, options: RequestOptions = {}): Promise<V2beta1Run> {
    return this.connection.json<V2beta1Run>({
      method: 'GET',
      path: `${BASE}/${segment(runId, 'runId')}`,
      signal: options.signal,
    });
  }

  /** Waits for a run to end; see {@link RunHandle.wait}. */
  wait(runId: string, options: WaitOptions = {}): Promise<V2beta1Run> {
    return this.handle(runId).wait(options);
  }

  /** One page of runs. */
  async list(options: ListRunsOptions = {}): Promise<Page<V2beta1Run>> {
    const query = {
      experiment_id: options.experimentId,
      namespace: options.namespace ?? this.settings.namespace,
      ...listQuery(options, 'runs.list'),
    };
    return getPage(
      this.connection,
      { path: BASE, query, signal: options.signal },
      (response: V2beta1ListRunsResponse) => response.runs,
    );
  }

  /** Every run, following the pages. */
  iterate(options: IterateRunsOptions = {}): AsyncGenerator<V2beta1Run> {
    return items((o) => this.list(o), options);
  }

  /** Every page of runs. */
  pages(options: ListRunsOptions = {}): AsyncGenerator<Page<V2beta1Run>> {
    return pages((o) => this.list(o), options);
  }

  private async action(runId: string, verb: string, options: RequestOptions): Promise<void> {
    await this.connection.json({
      method: 'POST',
      path: `${BASE}/${segment(runId, 'runId')}:${verb}`,
      signal: options.signal,
    });
  }

  /** Stops a run; its state becomes CANCELING, then CANCELED. */
  terminate(runId: string, options: RequestOptions = {}): Promise<void> {
    return this.action(runId, 'terminate', options);
  }

  /** Re-runs a failed or canceled run's unfinished tasks. */
  retry(runId: string, options: RequestOptions = {}): Promise<void> {
    return this.action(runId, 'retry', options);
  }

  /** Archives a run (hidden from default lists, kept). */
  archive(runId: string, options: RequestOptions = {}): Promise<void> {
    return this.action(runId, 'archive', options);
  }

  /** Restores an archived run. */
  unarchive(runId: string, options: RequestOptions = {}): Promise<void> {
    return this.action(runId, 'unarchive', options);
  }

  /** Deletes a run. */
  async delete(runId: string, options: RequestOptions = {}): Promise<void> {
    await this.connection.json({
      method: 'DELETE',
      path: `${BASE}/${segment(runId, 'runId')}`,
      signal: options.signal,
    });
  }

  /**
   * A task's log, **Pipelab engine only**: `GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs`.
   * `taskId` is a `task_details[].task_id` (the engine also takes the task's name). Without
   * `follow`, resolves with the log so far; with `follow: true`, yields chunks as they are
   * written until the task ends.
   *
   * @throws {@link EngineOnlyError} against Kubeflow Pipelines, which has no such operation.
   */
  logs(
    runId: string,
    taskId: string,
    options?: TaskLogOptions & { follow?: false },
  ): Promise<string>;
  logs(
    runId: string,
    taskId: string,
    options: TaskLogOptions & { follow: true },
  ): AsyncGenerator<string>;
  logs(
    runId: string,
    taskId: string,
    options: TaskLogOptions & { follow?: boolean } = {},
  ): Promise<string> | AsyncGenerator<string> {
    const { attempt } = options;
    if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1)) {
      throw new ClientOptionsError(
        'logs.attempt',
        `attempt must be a positive integer; got ${String(attempt)}.`,
      );
    }
    const request = {
      method: 'GET' as const,
      path: `${BASE}/${segment(runId, 'runId')}/tasks/${segment(taskId, 'taskId')}/logs`,
      query: { attempt, ...(options.follow === true ? { follow: true } : {}) },
      accept: 'text/plain',
      signal: options.signal,
    };
    if (options.follow === true) return this.followLogs(request);
    return this.engineOnly(() => this.connection.text(request));
  }

  private async engineOnly<T>(call: () => Promise<T>): Promise<T> {
    if (this.connection.viaKubernetes) {
      throw new EngineOnlyError(LOGS_OPERATION, this.connection.endpoint, KFP_LOGS_ADVICE);
    }
    try {
      return await call();
    } catch (error) {
      if (missingOperation(error)) {
        throw new EngineOnlyError(LOGS_OPERATION, this.connection.endpoint, KFP_LOGS_ADVICE, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private async *followLogs(request: Parameters<Connection['send']>[0]): AsyncGenerator<string> {
    const response = await this.engineOnly(() =>
      this.connection.send({ ...request, timeout: false }),
    );
    const body = response.body;
    if (body === null) return;
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (text !== '') yield text;
      }
      const rest = decoder.decode();
      if (rest !== '') yield rest;
    } finally {
      // Stops the download when the consumer breaks out early.
      await reader.cancel().catch(() => undefined);
    }
  }
}
