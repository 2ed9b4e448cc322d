/**
 * What runs and recurring runs are made of, read from their options the same way for both: the
 * pipeline (sent inline, or an uploaded version), the experiment, the runtime config — checked
 * here and turned into the request's fields.
 */
import type { PipelineSpec } from '../compiler/spec';
import { PipelabError } from '../errors';
import { segment } from './connection';
import { ClientOptionsError } from './errors';
import type { ExperimentsClient } from './experiments';
import { isPipelineSpec, specOf, withCaching } from './pipeline-source';
import type { CreateRunOptions, PipelineVersionRef } from './runs';
import type { V2beta1Run, V2beta1RuntimeConfig } from './types';

/** The options naming the pipeline: one of them. */
type PipelineChoice = Pick<CreateRunOptions, 'pipeline' | 'pipelineSpec' | 'pipelineVersion'>;

/** The pipeline of a run: a spec to send inline (being loaded or compiled), or an uploaded version. */
export type RunPipeline =
  { spec: Promise<PipelineSpec>; ref?: never } | { spec?: never; ref: PipelineVersionRef };

/** Checks that the options name exactly one pipeline (`required`), or at most one. */
export function checkOnePipeline(options: PipelineChoice, where: string, required: boolean): void {
  const given = (['pipeline', 'pipelineSpec', 'pipelineVersion'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (given.length > 1 || (required && given.length === 0)) {
    throw new ClientOptionsError(
      `${where}.pipeline`,
      `${where} needs ${required ? 'exactly' : 'at most'} one of pipeline, pipelineSpec or pipelineVersion; got ${given.length === 0 ? 'none' : given.join(' and ')}.`,
    );
  }
}

/** The pipeline the options name (checked, not yet loaded), or undefined when they name none. */
export function pipelineOf(options: PipelineChoice, where: string): RunPipeline | undefined {
  if (options.pipelineVersion !== undefined) {
    const ref = options.pipelineVersion;
    segment(ref?.pipelineId, `${where}.pipelineVersion.pipelineId`);
    if (ref.versionId !== undefined) segment(ref.versionId, `${where}.pipelineVersion.versionId`);
    return { ref };
  }
  if (options.pipelineSpec !== undefined) {
    if (!isPipelineSpec(options.pipelineSpec)) {
      throw new ClientOptionsError(
        `${where}.pipelineSpec`,
        'pipelineSpec must be a compiled PipelineSpec (an object with pipelineInfo and root); pass DSL pipelines and files as pipeline.',
      );
    }
    return { spec: Promise.resolve(options.pipelineSpec) };
  }
  if (options.pipeline !== undefined) {
    return { spec: specOf(options.pipeline, `${where}.pipeline`) };
  }
  return undefined;
}

/**
 * The request fields naming the pipeline: the spec inline, with caching turned on or off for
 * every task when `enableCaching` says, or the version.
 */
export function pipelineFields(
  spec: PipelineSpec | undefined,
  ref: PipelineVersionRef | undefined,
  enableCaching: boolean | undefined,
): Pick<V2beta1Run, 'pipeline_spec' | 'pipeline_version_reference'> {
  const inline =
    spec === undefined || enableCaching === undefined ? spec : withCaching(spec, enableCaching);
  return {
    ...(inline !== undefined
      ? { pipeline_spec: inline as unknown as Record<string, unknown> }
      : {}),
    ...(ref !== undefined
      ? {
          pipeline_version_reference: {
            pipeline_id: ref.pipelineId,
            ...(ref.versionId !== undefined ? { pipeline_version_id: ref.versionId } : {}),
          },
        }
      : {}),
  };
}

/** The options naming the experiment: by id, or by name (created when missing). */
type ExperimentChoice = Pick<CreateRunOptions, 'experimentId' | 'experimentName' | 'signal'>;

/** Checks that the options name the experiment at most one way. */
export function checkOneExperiment(options: ExperimentChoice, where: string): void {
  if (options.experimentId !== undefined && options.experimentName !== undefined) {
    throw new ClientOptionsError(
      `${where}.experimentId`,
      `${where} takes experimentId or experimentName, not both.`,
    );
  }
}

/** The id of the experiment the options name: `experimentName` found or created, else `experimentId`. */
export async function experimentIdOf(
  experiments: ExperimentsClient,
  options: ExperimentChoice,
): Promise<string | undefined> {
  if (options.experimentName === undefined) return options.experimentId;
  const experiment = await experiments.ensure({
    displayName: options.experimentName,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  return experiment.experiment_id;
}

/** The runtime config of new runs: the parameter values, and the pipeline root when given. */
export function runtimeConfigOf(
  options: Pick<CreateRunOptions, 'parameters' | 'pipelineRoot'>,
): V2beta1RuntimeConfig {
  return {
    parameters: { ...(options.parameters ?? {}) },
    ...(options.pipelineRoot !== undefined ? { pipeline_root: options.pipelineRoot } : {}),
  };
}

/** The id the server gave what it created, its `field`; an error when it gave none. */
export function createdId<K extends string>(
  created: Partial<Record<K, string>>,
  field: K,
  what: string,
  endpoint: string,
): string {
  const id = created[field];
  if (typeof id !== 'string' || id === '') {
    throw new PipelabError(
      `the server at ${endpoint} created ${what} but did not say its ${field}.`,
      {},
      { code: 'INVALID_RESPONSE' },
    );
  }
  return id;
}
