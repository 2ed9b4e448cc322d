/**
 * `client.pipelines`: KFP's PipelineService — upload pipelines and their versions (multipart
 * `uploadfile`, as `kfp.Client.upload_pipeline` sends it), get, find by name, list, delete — and
 * `client.pipelines.versions` for a pipeline's versions.
 */
import { segment, type Connection, type RequestOptions } from './connection';
import { KfpApiError } from './errors';
import {
  getPage,
  items,
  listQuery,
  pages,
  type IterateOptions,
  type ListOptions,
  type Page,
} from './paging';
import { uploadFileOf, type PipelineSource, type UploadFile } from './pipeline-source';
import type {
  V2beta1ListPipelinesResponse,
  V2beta1ListPipelineVersionsResponse,
  V2beta1Pipeline,
  V2beta1PipelineVersion,
} from './types';

/** Options of {@link PipelinesClient.upload}. */
export interface UploadPipelineOptions {
  /** The pipeline's name, unique in its namespace. @default the spec's `pipelineInfo.name` */
  name?: string;
  /** The name shown by UIs. @default the server's choice (the name) */
  displayName?: string;
  /** @default the spec's `pipelineInfo.description` */
  description?: string;
  /** The namespace (multi-user KFP). @default the client's `namespace` */
  namespace?: string;
  /** Cancels the request. @default none */
  signal?: AbortSignal;
}

/** Options of {@link PipelinesClient.uploadVersion}. */
export interface UploadPipelineVersionOptions {
  /** The version's name, unique in its pipeline. @default `<pipeline name>-<UTC time>` */
  name?: string;
  /** The name shown by UIs. @default the server's choice (the name) */
  displayName?: string;
  /** @default the spec's `pipelineInfo.description` */
  description?: string;
  /** Cancels the request. @default none */
  signal?: AbortSignal;
}

/** Options of {@link PipelinesClient.list}. */
export interface ListPipelinesOptions extends ListOptions {
  /** The namespace to list (multi-user KFP). @default the client's `namespace` */
  namespace?: string;
}

/** Options of {@link PipelinesClient.iterate}. */
export interface IteratePipelinesOptions extends IterateOptions {
  /** @default the client's `namespace` */
  namespace?: string;
}

/** Options of {@link PipelinesClient.delete}. */
export interface DeletePipelineOptions extends RequestOptions {
  /** Also delete the pipeline's versions (KFP refuses to delete a pipeline that has some otherwise). @default false */
  cascade?: boolean;
}

const BASE = '/pipelines';

function uploadForm(file: UploadFile): FormData {
  const form = new FormData();
  // A copy into a plain ArrayBuffer: Blob does not take views of shared memory.
  const blob = new Blob([file.bytes.slice().buffer as ArrayBuffer], {
    type: 'application/octet-stream',
  });
  form.append('uploadfile', blob, file.fileName);
  return form;
}

function versionStamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '').toLowerCase();
}

/** `client.pipelines.versions`: the versions of a pipeline. */
export class PipelineVersionsClient {
  constructor(private readonly connection: Connection) {}

  /** One page of a pipeline's versions. */
  async list(pipelineId: string, options: ListOptions = {}): Promise<Page<V2beta1PipelineVersion>> {
    const path = `${BASE}/${segment(pipelineId, 'pipelineId')}/versions`;
    const query = listQuery(options, 'pipelines.versions.list');
    return getPage(
      this.connection,
      { path, query, signal: options.signal },
      (response: V2beta1ListPipelineVersionsResponse) => response.pipeline_versions,
    );
  }

  /** Every version of a pipeline, following the pages. */
  iterate(
    pipelineId: string,
    options: IterateOptions = {},
  ): AsyncGenerator<V2beta1PipelineVersion> {
    return items((o) => this.list(pipelineId, o), options);
  }

  /** Every page of a pipeline's versions. */
  pages(
    pipelineId: string,
    options: ListOptions = {},
  ): AsyncGenerator<Page<V2beta1PipelineVersion>> {
    return pages((o) => this.list(pipelineId, o), options);
  }

  /** One version. */
  get(
    pipelineId: string,
    versionId: string,
    options: RequestOptions = {},
  ): Promise<V2beta1PipelineVersion> {
    return this.connection.json<V2beta1PipelineVersion>({
      method: 'GET',
      path: `${BASE}/${segment(pipelineId, 'pipelineId')}/versions/${segment(versionId, 'versionId')}`,
      signal: options.signal,
    });
  }

  /** Deletes one version. */
  async delete(pipelineId: string, versionId: string, options: RequestOptions = {}): Promise<void> {
    await this.connection.json({
      method: 'DELETE',
      path: `${BASE}/${segment(pipelineId, 'pipelineId')}/versions/${segment(versionId, 'versionId')}`,
      signal: options.signal,
    });
  }
}

/** `client.pipelines`. */
export class PipelinesClient {
  /** The versions of pipelines. */
  readonly versions: PipelineVersionsClient;

  constructor(
    private readonly connection: Connection,
    private readonly namespace: string | undefined,
  ) {
    this.versions = new PipelineVersionsClient(connection);
  }

  /**
   * Uploads a pipeline (its first version): `POST /apis/v2beta1/pipelines/upload`, the package in
   * the multipart field `uploadfile`. A DSL pipeline is compiled first; a file is checked, then
   * sent as it is.
   */
  async upload(
    source: PipelineSource,
    options: UploadPipelineOptions = {},
  ): Promise<V2beta1Pipeline> {
    const file = await uploadFileOf(source, 'pipelines.upload source');
    return this.connection.json<V2beta1Pipeline>({
      method: 'POST',
      path: `${BASE}/upload`,
      query: {
        name: options.name ?? file.pipelineName,
        display_name: options.displayName,
        description: options.description ?? file.description,
        namespace: options.namespace ?? this.namespace,
      },
      form: uploadForm(file),
      signal: options.signal,
    });
  }

  /** Uploads a new version of a pipeline: `POST /apis/v2beta1/pipelines/upload_version`. */
  async uploadVersion(
    pipelineId: string,
    source: PipelineSource,
    options: UploadPipelineVersionOptions = {},
  ): Promise<V2beta1PipelineVersion> {
    segment(pipelineId, 'pipelineId');
    const file = await uploadFileOf(source, 'pipelines.uploadVersion source');
    return this.connection.json<V2beta1PipelineVersion>({
      method: 'POST',
      path: `${BASE}/upload_version`,
      query: {
        name: options.name ?? `${file.pipelineName ?? 'version'}-${versionStamp(new Date())}`,
        display_name: options.displayName,
        pipelineid: pipelineId,
        description: options.description ?? file.description,
      },
      form: uploadForm(file),
      signal: options.signal,
    });
  }

  /** One pipeline, by id. */
  get(pipelineId: string, options: RequestOptions = {}): Promise<V2beta1Pipeline> {
    return this.connection.json<V2beta1Pipeline>({
      method: 'GET',
      path: `${BASE}/${segment(pipelineId, 'pipelineId')}`,
      signal: options.signal,
    });
  }

  /**
   * One pipeline, by name: `GET /apis/v2beta1/pipelines/names/{name}`.
   *
   * @throws {@link KfpApiError} with status 404 when there is none; see {@link findByName}.
   */
  getByName(
    name: string,
    options: RequestOptions & { namespace?: string } = {},
  ): Promise<V2beta1Pipeline> {
    return this.connection.json<V2beta1Pipeline>({
      method: 'GET',
      path: `${BASE}/names/${segment(name, 'name')}`,
      query: { namespace: options.namespace ?? this.namespace },
      signal: options.signal,
    });
  }

  /** One pipeline by name, or undefined when there is none. */
  async findByName(
    name: string,
    options: RequestOptions & { namespace?: string } = {},
  ): Promise<V2beta1Pipeline | undefined> {
    try {
      return await this.getByName(name, options);
    } catch (error) {
      if (error instanceof KfpApiError && error.isNotFound) return undefined;
      throw error;
    }
  }

  /** One page of pipelines. */
  async list(options: ListPipelinesOptions = {}): Promise<Page<V2beta1Pipeline>> {
    const query = listQuery(options, 'pipelines.list');
    const namespace = options.namespace ?? this.namespace;
    return getPage(
      this.connection,
      { path: BASE, query: { ...query, namespace }, signal: options.signal },
      (response: V2beta1ListPipelinesResponse) => response.pipelines,
    );
  }

  /** Every pipeline, following the pages: `for await (const p of client.pipelines.iterate()) …`. */
  iterate(options: IteratePipelinesOptions = {}): AsyncGenerator<V2beta1Pipeline> {
    return items((o) => this.list(o), options);
  }

  /** Every page of pipelines. */
  pages(options: ListPipelinesOptions = {}): AsyncGenerator<Page<V2beta1Pipeline>> {
    return pages((o) => this.list(o), options);
  }

  /** Deletes a pipeline (with its versions when `cascade`). */
  async delete(pipelineId: string, options: DeletePipelineOptions = {}): Promise<void> {
    await this.connection.json({
      method: 'DELETE',
      path: `${BASE}/${segment(pipelineId, 'pipelineId')}`,
      query: { cascade: options.cascade },
      signal: options.signal,
    });
  }
}
