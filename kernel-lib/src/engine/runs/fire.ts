/**
 * What one fire of a recurring run starts: the pipeline (its inline spec, its pinned version, or
 * the pipeline's latest version at fire time), the run's name as KFP's ScheduledWorkflow
 * controller names it, and its parameters with KFP's macros substituted.
 */
import type { PipelineSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import { EngineError } from '../errors';
import { substituteParameterMacros } from '../schedule/macros';
import type { Store } from '../store';
import type { VersionToRun } from '../store/pipelines';
import type { RecurringRunRow } from '../store/recurring-runs';

/** The pipeline a fire runs. */
export interface FireSource {
  readonly spec: PipelineSpec;
  /** `spec` as JSON text, as stored with the run. */
  readonly specText: string;
  readonly inline: boolean;
  readonly pipelineId: string;
  readonly versionId: string;
}

/** A recurring run's `runtime_config`, as stored. */
export interface StoredRuntimeConfig {
  parameters?: Record<string, JsonValue>;
  pipeline_root?: string;
}

/** A fire's pipeline cannot be found (its version or pipeline was deleted, say). */
export class FireSourceError extends EngineError {
  constructor(message: string) {
    super(message, {}, { code: 'RECURRING_RUN_SOURCE_MISSING' });
  }
}

const UTF8 = new TextEncoder();

/**
 * FNV-1a, 32 bits, of a string's UTF-8 bytes: the hash in KFP's names of scheduled runs.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of UTF8.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The name of a recurring run's `index`th run, as KFP's ScheduledWorkflow controller names the
 * workflow (and so the run): `<name>-<index>-<FNV-1a 32 of "<name>-<index>">`. KFP uses the
 * Kubernetes name of the ScheduledWorkflow; the engine, the recurring run's display name.
 */
export function scheduledRunName(name: string, index: number): string {
  const id = `${name}-${index}`;
  return `${id}-${fnv1a32(id)}`;
}

/** The parameters of a fire: KFP's macros substituted in every string value. */
export function fireParameters(
  config: StoredRuntimeConfig,
  values: {
    scheduledTime: Date;
    currentTime: Date;
    index: number;
    runId: string;
    timeZone: string;
  },
): Record<string, JsonValue> {
  return substituteParameterMacros(config.parameters ?? {}, {
    scheduledTime: values.scheduledTime,
    currentTime: values.currentTime,
    index: values.index,
    runUuid: values.runId,
    timeZone: values.timeZone,
  }) as Record<string, JsonValue>;
}

/** Why a fire of `row` finds no pipeline version to run. */
function missingSource(
  found: Exclude<VersionToRun, { kind: 'found' }>,
  row: RecurringRunRow,
): string {
  switch (found.kind) {
    case 'version-not-found':
    case 'other-pipeline':
      return `its pinned pipeline version '${row.pipeline_version_id}' no longer exists: edit the recurring run to run another version (or the latest one).`;
    case 'nothing-named':
    case 'pipeline-not-found':
      return `its pipeline '${row.pipeline_id}' no longer exists: edit the recurring run to run another pipeline, or delete it.`;
    case 'no-version':
      return `its pipeline '${row.pipeline_id}' has no version left: upload a version of it.`;
  }
}

interface Parsed {
  readonly text: string;
  readonly spec: PipelineSpec;
}

/**
 * Finds the pipeline of each fire, parsing each spec once: inline specs are kept by recurring
 * run (until its spec changes), versions by id (a version never changes).
 */
export class FireSources {
  private readonly inline = new Map<string, Parsed>();
  private readonly versions = new Map<string, Parsed>();

  constructor(private readonly store: Store) {}

  private parse(cache: Map<string, Parsed>, key: string, text: string): Parsed {
    const known = cache.get(key);
    if (known !== undefined && known.text === text) return known;
    const parsed = { text, spec: JSON.parse(text) as PipelineSpec };
    if (cache.size >= 1024) cache.clear();
    cache.set(key, parsed);
    return parsed;
  }

  /**
   * The pipeline a fire of `row` runs now.
   *
   * @throws {@link FireSourceError} when the pinned version, or the pipeline, or any version of
   *   it, no longer exists.
   */
  resolve(row: RecurringRunRow): FireSource {
    if (row.pipeline_spec !== null) {
      const { spec, text } = this.parse(this.inline, row.id, row.pipeline_spec);
      return { spec, specText: text, inline: true, pipelineId: '', versionId: '' };
    }
    // A pinned version is looked up alone: its pipeline is the one stored with it.
    const found = this.store.pipelines.versionToRun(
      row.pipeline_version_id !== '' ? '' : row.pipeline_id,
      row.pipeline_version_id,
    );
    if (found.kind !== 'found') throw new FireSourceError(missingSource(found, row));
    const { version } = found;
    const { spec, text } = this.parse(this.versions, version.id, version.pipeline_spec);
    return {
      spec,
      specText: text,
      inline: false,
      pipelineId: version.pipeline_id,
      versionId: version.id,
    };
  }
}
