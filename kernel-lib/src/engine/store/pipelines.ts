/**
 * Pipelines and their versions in the metadata database. A pipeline's `name` is unique in its
 * namespace; a version's `name` is unique within its pipeline. A version keeps the compiled
 * PipelineSpec as JSON.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../errors';
import { statement, isUniqueViolation, type Db } from './database';
import { listPage, type FieldMap, type ListQuery, type Page } from './list-query';

/** A pipeline as stored. */
export interface PipelineRow {
  seq: number;
  id: string;
  name: string;
  display_name: string;
  description: string;
  namespace: string;
  created_at: number;
  /** JSON object of string tags, or null. */
  tags: string | null;
}

/** A pipeline version as stored. */
export interface PipelineVersionRow {
  seq: number;
  id: string;
  pipeline_id: string;
  name: string;
  display_name: string;
  description: string;
  created_at: number;
  /** The PipelineSpec as JSON text. */
  pipeline_spec: string;
  package_url: string;
  code_source_url: string;
  tags: string | null;
}

/**
 * Which pipeline version a run or a recurring run executes ({@link PipelineStore.versionToRun}),
 * or why there is none; each caller words the reason for its own request.
 */
export type VersionToRun =
  /** The version named, or the pipeline's latest when none is (`pinned` false). */
  | { readonly kind: 'found'; readonly version: PipelineVersionRow; readonly pinned: boolean }
  /** The version named does not exist. */
  | { readonly kind: 'version-not-found' }
  /** The version named belongs to another pipeline than the one named. */
  | { readonly kind: 'other-pipeline'; readonly version: PipelineVersionRow }
  /** Neither a version nor a pipeline is named. */
  | { readonly kind: 'nothing-named' }
  /** No version is named, and the pipeline named does not exist. */
  | { readonly kind: 'pipeline-not-found' }
  /** No version is named, and the pipeline named has none. */
  | { readonly kind: 'no-version' };

/** The fields KFP lets pipelines be filtered and sorted on. */
export const PIPELINE_FIELDS: FieldMap = {
  pipeline_id: { column: 'id', kind: 'string' },
  id: { column: 'id', kind: 'string' },
  name: { column: 'name', kind: 'string' },
  display_name: { column: 'display_name', kind: 'string' },
  created_at: { column: 'created_at', kind: 'time' },
  description: { column: 'description', kind: 'string' },
  namespace: { column: 'namespace', kind: 'string' },
};

/** The fields KFP lets pipeline versions be filtered and sorted on. */
export const PIPELINE_VERSION_FIELDS: FieldMap = {
  pipeline_version_id: { column: 'id', kind: 'string' },
  id: { column: 'id', kind: 'string' },
  name: { column: 'name', kind: 'string' },
  display_name: { column: 'display_name', kind: 'string' },
  created_at: { column: 'created_at', kind: 'time' },
  description: { column: 'description', kind: 'string' },
  pipeline_id: { column: 'pipeline_id', kind: 'string' },
};

/** What creating a pipeline takes. */
export interface NewPipeline {
  name: string;
  display_name: string;
  description: string;
  tags?: Record<string, string>;
}

/** What creating a pipeline version takes. */
export interface NewPipelineVersion {
  name: string;
  display_name: string;
  description: string;
  /** The PipelineSpec as JSON text. */
  pipeline_spec: string;
  package_url?: string;
  code_source_url?: string;
  tags?: Record<string, string>;
}

function tagsJson(tags: Record<string, string> | undefined): string | null {
  return tags === undefined || Object.keys(tags).length === 0 ? null : JSON.stringify(tags);
}

export class PipelineStore {
  constructor(private readonly db: Db) {}

  private insertPipeline(input: NewPipeline, now: number): string {
    const id = randomUUID();
    try {
      statement(
        this.db,
        `INSERT INTO pipelines (id, name, display_name, description, namespace, created_at, tags)
           VALUES (?, ?, ?, ?, '', ?, ?)`,
      ).run(id, input.name, input.display_name, input.description, now, tagsJson(input.tags));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AlreadyExistsError(
          `a pipeline named '${input.name}' already exists; choose another name, or upload it as a new version of that pipeline.`,
          { field: 'pipeline.name', resourceType: 'pipeline', resourceName: input.name },
        );
      }
      throw error;
    }
    return id;
  }

  private insertVersion(pipelineId: string, input: NewPipelineVersion, now: number): string {
    const id = randomUUID();
    try {
      statement(
        this.db,
        `INSERT INTO pipeline_versions (id, pipeline_id, name, display_name, description, created_at,
             pipeline_spec, package_url, code_source_url, tags)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        pipelineId,
        input.name,
        input.display_name,
        input.description,
        now,
        input.pipeline_spec,
        input.package_url ?? '',
        input.code_source_url ?? '',
        tagsJson(input.tags),
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AlreadyExistsError(
          `pipeline '${pipelineId}' already has a version named '${input.name}'; choose another name.`,
          {
            field: 'pipeline_version.name',
            resourceType: 'pipeline_version',
            resourceName: input.name,
          },
        );
      }
      throw error;
    }
    return id;
  }

  /** @throws {@link AlreadyExistsError} */
  create(input: NewPipeline, now: number): PipelineRow {
    return this.requirePipeline(this.insertPipeline(input, now));
  }

  /** Creates a pipeline and its first version in one transaction. */
  createWithVersion(
    pipeline: NewPipeline,
    version: NewPipelineVersion,
    now: number,
  ): { pipeline: PipelineRow; version: PipelineVersionRow } {
    return this.db.transaction(() => {
      const pipelineId = this.insertPipeline(pipeline, now);
      const versionId = this.insertVersion(pipelineId, version, now);
      return {
        pipeline: this.requirePipeline(pipelineId),
        version: this.requireVersion(versionId),
      };
    })();
  }

  /** @throws {@link NotFoundError} when the pipeline does not exist; {@link AlreadyExistsError} */
  createVersion(pipelineId: string, input: NewPipelineVersion, now: number): PipelineVersionRow {
    return this.db.transaction(() => {
      this.requirePipeline(pipelineId);
      return this.requireVersion(this.insertVersion(pipelineId, input, now));
    })();
  }

  getPipeline(id: string): PipelineRow | undefined {
    return statement(this.db, 'SELECT * FROM pipelines WHERE id = ?').get(id) as
      PipelineRow | undefined;
  }

  /** @throws {@link NotFoundError} */
  requirePipeline(id: string): PipelineRow {
    const row = this.getPipeline(id);
    if (row === undefined) throw new NotFoundError('pipeline', id);
    return row;
  }

  /** @throws {@link NotFoundError} */
  requirePipelineByName(name: string): PipelineRow {
    const row = statement(this.db, `SELECT * FROM pipelines WHERE namespace = '' AND name = ?`).get(
      name,
    ) as PipelineRow | undefined;
    if (row === undefined) {
      throw new NotFoundError('pipeline', name, `no pipeline named '${name}'.`);
    }
    return row;
  }

  listPipelines(query: ListQuery): Page<PipelineRow> {
    return listPage<PipelineRow>(this.db, 'pipelines', PIPELINE_FIELDS, [], query);
  }

  getVersion(id: string): PipelineVersionRow | undefined {
    return statement(this.db, 'SELECT * FROM pipeline_versions WHERE id = ?').get(id) as
      PipelineVersionRow | undefined;
  }

  /** @throws {@link NotFoundError} */
  requireVersion(id: string, pipelineId?: string): PipelineVersionRow {
    const row = this.getVersion(id);
    if (row === undefined || (pipelineId !== undefined && row.pipeline_id !== pipelineId)) {
      throw new NotFoundError(
        'pipeline_version',
        id,
        pipelineId === undefined
          ? `pipeline version '${id}' not found.`
          : `pipeline version '${id}' not found in pipeline '${pipelineId}'.`,
      );
    }
    return row;
  }

  /** The newest version of a pipeline, if it has any. */
  latestVersion(pipelineId: string): PipelineVersionRow | undefined {
    return statement(
      this.db,
      'SELECT * FROM pipeline_versions WHERE pipeline_id = ? ORDER BY created_at DESC, seq DESC LIMIT 1',
    ).get(pipelineId) as PipelineVersionRow | undefined;
  }

  /**
   * The version to run for a reference to `pipelineId` and `versionId` (either may be `''`): the
   * version named (which must belong to the pipeline, when one is named too), else the pipeline's
   * latest version.
   */
  versionToRun(pipelineId: string, versionId: string): VersionToRun {
    if (versionId !== '') {
      const version = this.getVersion(versionId);
      if (version === undefined) return { kind: 'version-not-found' };
      if (pipelineId !== '' && version.pipeline_id !== pipelineId) {
        return { kind: 'other-pipeline', version };
      }
      return { kind: 'found', version, pinned: true };
    }
    if (pipelineId === '') return { kind: 'nothing-named' };
    if (this.getPipeline(pipelineId) === undefined) return { kind: 'pipeline-not-found' };
    const latest = this.latestVersion(pipelineId);
    if (latest === undefined) return { kind: 'no-version' };
    return { kind: 'found', version: latest, pinned: false };
  }

  /** @throws {@link NotFoundError} when the pipeline does not exist. */
  listVersions(pipelineId: string, query: ListQuery): Page<PipelineVersionRow> {
    this.requirePipeline(pipelineId);
    return listPage<PipelineVersionRow>(
      this.db,
      'pipeline_versions',
      PIPELINE_VERSION_FIELDS,
      [{ sql: 'pipeline_id = ?', params: [pipelineId] }],
      query,
    );
  }

  /**
   * Deletes a pipeline. Without `cascade` a pipeline that still has versions is refused.
   *
   * @throws {@link NotFoundError}; {@link FailedPreconditionError} when versions remain.
   */
  deletePipeline(id: string, cascade: boolean): void {
    this.db.transaction(() => {
      this.requirePipeline(id);
      const latest = this.latestVersion(id);
      if (latest !== undefined && !cascade) {
        throw new FailedPreconditionError(
          `pipeline '${id}' still has versions (e.g. '${latest.id}'); delete them first, or pass cascade=true.`,
          { resourceType: 'pipeline', resourceName: id },
        );
      }
      statement(this.db, 'DELETE FROM pipeline_versions WHERE pipeline_id = ?').run(id);
      statement(this.db, 'DELETE FROM pipelines WHERE id = ?').run(id);
    })();
  }

  /** @throws {@link NotFoundError} */
  deleteVersion(pipelineId: string, versionId: string): void {
    this.db.transaction(() => {
      this.requirePipeline(pipelineId);
      this.requireVersion(versionId, pipelineId);
      statement(this.db, 'DELETE FROM pipeline_versions WHERE id = ?').run(versionId);
    })();
  }
}
