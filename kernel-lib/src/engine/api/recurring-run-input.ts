/**
 * Reading a recurring run out of a request (create, and Pipelab's edit): its trigger, scheduling
 * options, experiment, pipeline and parameters, each checked as a fire would use it. Every
 * failure is a 400 naming the request field (`recurring_run.trigger.cron_schedule.cron`) with a
 * message that says how to fix it.
 */
import type { PipelineSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import { RunnerError, RunOptionsError, RunParameterError } from '../runner';
import { resolveRunParameters } from '../runner/parameters';
import { validateRunnableSpec } from '../runner/validate';
import { fireParameters, type StoredRuntimeConfig } from '../runs/fire';
import { resolveMaxConcurrency } from '../schedule/catchup';
import { DEFAULT_TIME_ZONE } from '../schedule/timezone';
import { validateTrigger, type ResolvedTrigger, type Trigger } from '../schedule/trigger';
import type { VersionToRun } from '../store/pipelines';
import type { EngineContext } from './context';
import { str, sub, type Decoded } from './input';
import { specFromJson } from './pipeline-spec';
import { timestamp } from './proto-json';

/** The message name request fields are reported under. */
export const FIELD = 'recurring_run';

/** The request field of a recurring run's pipeline reference. */
const REFERENCE = `${FIELD}.pipeline_version_reference`;

/** A checked trigger: as stored (and answered), and resolved. */
export interface ParsedTrigger {
  /** The API trigger, normalized (times in RFC 3339 UTC, the interval a decimal string). */
  readonly stored: Trigger;
  readonly resolved: ResolvedTrigger;
}

/**
 * Checks a decoded `trigger` (times already Dates, the interval a number).
 *
 * @param field - The request field it came in, e.g. `recurring_run.trigger`.
 */
export function parseTrigger(decoded: Decoded | undefined, field: string): ParsedTrigger {
  const given = sub(decoded ?? {}, 'cron_schedule');
  // An empty string is an unset field in proto3: no time zone, so UTC.
  const cron =
    given?.time_zone === ''
      ? Object.fromEntries(Object.entries(given).filter(([k]) => k !== 'time_zone'))
      : given;
  const periodic = sub(decoded ?? {}, 'periodic_schedule');
  const asTrigger = (): Trigger | null => {
    if (decoded === undefined) return null;
    const out: Trigger = {};
    if (cron !== undefined) out.cron_schedule = cron as unknown as Trigger['cron_schedule'];
    if (periodic !== undefined) {
      out.periodic_schedule = periodic as unknown as Trigger['periodic_schedule'];
    }
    return out;
  };
  // A ScheduleError is answered 400 naming its field (toApiError), like every other here.
  const resolved = validateTrigger(asTrigger() as Trigger, { field });
  const window = {
    start_time: timestamp(resolved.startTime?.getTime()),
    end_time: timestamp(resolved.endTime?.getTime()),
  };
  const times = Object.fromEntries(Object.entries(window).filter(([, v]) => v !== undefined));
  if (resolved.kind === 'cron') {
    const zoneGiven = typeof cron?.time_zone === 'string';
    return {
      resolved,
      stored: {
        cron_schedule: {
          cron: str(cron ?? {}, 'cron').trim(),
          ...times,
          ...(zoneGiven ? { time_zone: resolved.timeZone } : {}),
        },
      },
    };
  }
  return {
    resolved,
    stored: { periodic_schedule: { interval_second: String(resolved.intervalSeconds), ...times } },
  };
}

/** `max_concurrency` (1-10; 1 when absent, as the KFP client always sends one). */
export function parseMaxConcurrency(value: unknown): number {
  return resolveMaxConcurrency(value as number | undefined, `${FIELD}.max_concurrency`);
}

/** `max_consecutive_failures`: 0 or absent means never disable. */
export function parseMaxFailures(value: unknown): number | null {
  if (value === undefined || value === 0) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      `${FIELD}.max_consecutive_failures must be a whole number: the failed runs in a row after which the recurring run disables itself (e.g. 3), or 0 to never disable it; got ${String(value)}.`,
      { field: `${FIELD}.max_consecutive_failures` },
    );
  }
  return value;
}

/** The mode of a new recurring run: ENABLE unless DISABLE is asked. */
export function parseMode(value: unknown): 'ENABLE' | 'DISABLE' {
  return value === 'DISABLE' ? 'DISABLE' : 'ENABLE';
}

/** The experiment a recurring run goes in: checked, or the Default one. */
export function experimentOf(engine: EngineContext, experimentId: string): string {
  const { experiments } = engine.store;
  if (experimentId === '') return experiments.ensureDefault(engine.now().getTime());
  const experiment = experiments.get(experimentId);
  if (experiment === undefined) {
    throw new InvalidArgumentError(
      `${FIELD}.experiment_id: there is no experiment '${experimentId}'. Use the experiment_id of an existing experiment (GET /apis/v2beta1/experiments lists them), or leave it empty for the Default experiment.`,
      { field: `${FIELD}.experiment_id` },
    );
  }
  if (experiment.storage_state === 'ARCHIVED') {
    throw new FailedPreconditionError(
      `experiment '${experimentId}' is archived; unarchive it before scheduling runs in it.`,
      { field: `${FIELD}.experiment_id`, resourceType: 'experiment', resourceName: experimentId },
    );
  }
  return experiment.id;
}

/** The pipeline of a recurring run: inline, or a pipeline with a pinned version or none. */
export interface ParsedSource {
  readonly pipelineId: string;
  /** `''` for "the latest version at fire time". */
  readonly versionId: string;
  /** The inline spec as JSON text, or null. */
  readonly specText: string | null;
  /** The spec parameters are checked against (the latest version's, when not pinned). */
  readonly spec: PipelineSpec;
  /** The request field to blame when the spec or its parameters are at fault. */
  readonly field: string;
}

/** Whether a request sets the pipeline of a recurring run. */
export function setsSource(body: Decoded): boolean {
  return (
    body.pipeline_spec !== undefined ||
    body.pipeline_version_reference !== undefined ||
    str(body, 'pipeline_version_id') !== ''
  );
}

function unknownReference(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { field });
}

/** Reads and checks the pipeline a request names. */
export function parseSource(engine: EngineContext, body: Decoded): ParsedSource {
  const inline = sub(body, 'pipeline_spec');
  const reference = sub(body, 'pipeline_version_reference');
  const legacyVersion = str(body, 'pipeline_version_id');
  if (inline !== undefined && (reference !== undefined || legacyVersion !== '')) {
    throw new InvalidArgumentError(
      `give ${FIELD}.pipeline_spec or ${FIELD}.pipeline_version_reference, not both.`,
      { field: `${FIELD}.pipeline_spec` },
    );
  }
  let source: ParsedSource;
  if (inline !== undefined) {
    const spec = specFromJson(inline, `${FIELD}.pipeline_spec`);
    source = {
      pipelineId: '',
      versionId: '',
      specText: JSON.stringify(spec),
      spec,
      field: `${FIELD}.pipeline_spec`,
    };
  } else {
    source = referenceSource(engine, reference, legacyVersion);
  }
  try {
    validateRunnableSpec(source.spec);
  } catch (error) {
    if (error instanceof RunnerError) {
      throw new InvalidArgumentError(error.message, { field: source.field }, { cause: error });
    }
    throw error;
  }
  return source;
}

function referenceSource(
  engine: EngineContext,
  reference: Decoded | undefined,
  legacyVersion: string,
): ParsedSource {
  const prefix = REFERENCE;
  if (reference === undefined && legacyVersion === '') {
    throw new InvalidArgumentError(
      `a recurring run needs a pipeline: set ${prefix} ({"pipeline_id": "...", and "pipeline_version_id" to pin a version, or none to run the latest version at each fire}) or ${FIELD}.pipeline_spec (a compiled PipelineSpec).`,
      { field: prefix },
    );
  }
  const pipelineId = str(reference ?? {}, 'pipeline_id');
  const versionId = str(reference ?? {}, 'pipeline_version_id') || legacyVersion;
  const found = engine.store.pipelines.versionToRun(pipelineId, versionId);
  if (found.kind !== 'found') throw noVersionToRun(found, pipelineId, versionId);
  const { version, pinned } = found;
  // Pinned: that version at every fire; otherwise the pipeline's latest at each fire (this one
  // now, to check the parameters against).
  const field = pinned ? `${REFERENCE}.pipeline_version_id` : `${REFERENCE}.pipeline_id`;
  return {
    pipelineId: version.pipeline_id,
    versionId: pinned ? version.id : '',
    specText: null,
    spec: specFromJson(JSON.parse(version.pipeline_spec), field),
    field,
  };
}

/** Why a recurring run's pipeline_version_reference names no version to run, as a 400. */
function noVersionToRun(
  found: Exclude<VersionToRun, { kind: 'found' }>,
  pipelineId: string,
  versionId: string,
): InvalidArgumentError {
  const prefix = REFERENCE;
  switch (found.kind) {
    case 'version-not-found':
      return unknownReference(
        `${prefix}.pipeline_version_id`,
        `${prefix}.pipeline_version_id: there is no pipeline version '${versionId}'. Use the pipeline_version_id of an existing version (GET /apis/v2beta1/pipelines/{pipeline_id}/versions lists them), or leave it out to run the pipeline's latest version at each fire.`,
      );
    case 'other-pipeline':
      return unknownReference(
        `${prefix}.pipeline_id`,
        `pipeline version '${versionId}' belongs to pipeline '${found.version.pipeline_id}', not '${pipelineId}': fix ${prefix}.pipeline_id, or leave it out.`,
      );
    case 'nothing-named':
      return unknownReference(
        `${prefix}.pipeline_id`,
        `${prefix} needs a pipeline_id (and a pipeline_version_id to pin a version).`,
      );
    case 'pipeline-not-found':
      return unknownReference(
        `${prefix}.pipeline_id`,
        `${prefix}.pipeline_id: there is no pipeline '${pipelineId}'. Use the pipeline_id of an uploaded pipeline (GET /apis/v2beta1/pipelines lists them), or send the compiled spec as ${FIELD}.pipeline_spec.`,
      );
    case 'no-version':
      return unknownReference(
        `${prefix}.pipeline_id`,
        `pipeline '${pipelineId}' has no version to run: upload one (POST /apis/v2beta1/pipelines/upload_version) first.`,
      );
  }
}

/** A sample run id: what `[[RunUUID]]` becomes when parameters are checked. */
const SAMPLE_RUN_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Checks `runtime_config` against the spec as a fire would: macros substituted with sample
 * values, then every parameter declared, of its type, and none required missing; and the
 * pipeline root usable. Returns it as stored.
 */
export function parseRuntimeConfig(
  engine: EngineContext,
  decoded: Decoded | undefined,
  spec: PipelineSpec,
  trigger: ResolvedTrigger,
): StoredRuntimeConfig {
  const prefix = `${FIELD}.runtime_config`;
  const parameters = (sub(decoded ?? {}, 'parameters') ?? {}) as Record<string, JsonValue>;
  const pipelineRoot = str(decoded ?? {}, 'pipeline_root');
  const now = engine.now();
  const sample = fireParameters(
    { parameters },
    {
      scheduledTime: now,
      currentTime: now,
      index: 1,
      runId: SAMPLE_RUN_ID,
      timeZone: trigger.kind === 'cron' ? trigger.timeZone : DEFAULT_TIME_ZONE,
    },
  );
  try {
    resolveRunParameters(spec.pipelineInfo.name, spec.root.inputDefinitions, sample);
  } catch (error) {
    if (error instanceof RunParameterError) {
      throw new InvalidArgumentError(
        `${error.message} Fix ${prefix}.parameters.`,
        { field: `${prefix}.parameters.${error.parameter}` },
        { cause: error },
      );
    }
    throw error;
  }
  try {
    engine.runs.checkPipelineRoot(pipelineRoot);
  } catch (error) {
    if (error instanceof RunOptionsError) {
      throw new InvalidArgumentError(
        error.message,
        { field: `${prefix}.pipeline_root` },
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  return {
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
    ...(pipelineRoot !== '' ? { pipeline_root: pipelineRoot } : {}),
  };
}
