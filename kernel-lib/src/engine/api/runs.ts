/**
 * RunService: create (from an inline pipeline_spec or a pipeline version), get, list,
 * terminate, retry, archive, unarchive and delete runs. Creating answers at once; the run
 * executes in the background.
 */
import type { PipelineSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  type ApiError,
} from '../errors';
import type { VersionToRun } from '../store/pipelines';
import { RUN_FIELDS, type RunRow } from '../store/runs';
import type { EngineContext } from './context';
import { toApiRun } from './convert';
import { readJson } from './http';
import { decodeMessage, requireString, str, sub, type Decoded } from './input';
import { nextPageToken, parseListQuery } from './list-options';
import { RUN } from './messages';
import { specFromJson } from './pipeline-spec';
import { pruneTop } from './proto-json';
import type { Router } from './router';

const BASE = '/apis/v2beta1/runs';

interface SpecSource {
  spec: PipelineSpec;
  inline: boolean;
  pipelineId: string;
  versionId: string;
}

function specSource(engine: EngineContext, run: Decoded): SpecSource {
  const inline = sub(run, 'pipeline_spec');
  const reference = sub(run, 'pipeline_version_reference');
  const legacyVersionId = str(run, 'pipeline_version_id');
  if (inline !== undefined && (reference !== undefined || legacyVersionId !== '')) {
    throw new InvalidArgumentError(
      'give run.pipeline_spec or run.pipeline_version_reference, not both.',
      {
        field: 'run.pipeline_spec',
      },
    );
  }
  if (inline !== undefined) {
    return {
      spec: specFromJson(inline, 'run.pipeline_spec'),
      inline: true,
      pipelineId: '',
      versionId: '',
    };
  }
  if (reference === undefined && legacyVersionId === '') {
    throw new InvalidArgumentError(
      'a run needs a pipeline: set run.pipeline_spec (the compiled PipelineSpec) or run.pipeline_version_reference.',
      { field: 'run.pipeline_spec' },
    );
  }
  const pipelineId = str(reference ?? {}, 'pipeline_id');
  const versionId = str(reference ?? {}, 'pipeline_version_id') || legacyVersionId;
  const found = engine.store.pipelines.versionToRun(pipelineId, versionId);
  if (found.kind !== 'found') throw noVersionToRun(found, pipelineId, versionId);
  const { version } = found;
  return {
    spec: specFromJson(JSON.parse(version.pipeline_spec), 'pipeline_spec'),
    inline: false,
    pipelineId: version.pipeline_id,
    versionId: version.id,
  };
}

/** Why a run's pipeline_version_reference names no version to run, as the API answers it. */
function noVersionToRun(
  found: Exclude<VersionToRun, { kind: 'found' }>,
  pipelineId: string,
  versionId: string,
): ApiError {
  switch (found.kind) {
    case 'nothing-named':
      return new InvalidArgumentError(
        'run.pipeline_version_reference needs pipeline_id or pipeline_version_id.',
        { field: 'run.pipeline_version_reference.pipeline_id' },
      );
    case 'pipeline-not-found':
      return new NotFoundError('pipeline', pipelineId);
    case 'no-version':
      return new FailedPreconditionError(`pipeline '${pipelineId}' has no version to run.`, {
        resourceType: 'pipeline',
        resourceName: pipelineId,
      });
    case 'version-not-found':
      return new NotFoundError(
        'pipeline_version',
        versionId,
        `pipeline version '${versionId}' not found.`,
      );
    case 'other-pipeline':
      return new InvalidArgumentError(
        `pipeline version '${versionId}' belongs to pipeline '${found.version.pipeline_id}', not '${pipelineId}'.`,
        { field: 'run.pipeline_version_reference.pipeline_id' },
      );
  }
}

function experimentOf(engine: EngineContext, experimentId: string): string {
  const { experiments } = engine.store;
  if (experimentId === '') return experiments.ensureDefault(engine.now().getTime());
  const experiment = experiments.require(experimentId);
  if (experiment.storage_state === 'ARCHIVED') {
    throw new FailedPreconditionError(
      `experiment '${experimentId}' is archived; unarchive it before creating runs in it.`,
      { field: 'run.experiment_id', resourceType: 'experiment', resourceName: experimentId },
    );
  }
  return experiment.id;
}

function view(engine: EngineContext, run: RunRow): Record<string, unknown> {
  return toApiRun({
    run,
    states: engine.store.runs.states(run.id),
    tasks: engine.store.tasks.ofRun(run.id),
  });
}

export function runRoutes(router: Router, engine: EngineContext): void {
  const { store } = engine;

  router.add('POST', BASE, async ({ req, query }) => {
    const run = decodeMessage(RUN, await readJson(req, 'run'), 'run');
    const displayName = requireString(run, 'display_name', 'run');
    const experimentId = experimentOf(
      engine,
      str(run, 'experiment_id') || (query.get('experiment_id') ?? ''),
    );
    const source = specSource(engine, run);
    const runtimeConfig = sub(run, 'runtime_config') ?? {};
    const row = engine.runs.create({
      display_name: displayName,
      description: str(run, 'description'),
      experiment_id: experimentId,
      pipeline_id: source.pipelineId,
      pipeline_version_id: source.versionId,
      spec: source.spec,
      spec_inline: source.inline,
      parameters: (sub(runtimeConfig, 'parameters') ?? {}) as Record<string, JsonValue>,
      pipeline_root: str(runtimeConfig, 'pipeline_root'),
      service_account: str(run, 'service_account'),
    });
    return view(engine, store.runs.require(row.id));
  });

  router.add('GET', BASE, ({ query }) => {
    const experimentId = query.get('experiment_id') ?? '';
    const target = {
      resource: 'runs',
      scope: experimentId === '' ? '' : `experiment_id=${experimentId}`,
    };
    const list = parseListQuery(query, RUN_FIELDS, target, engine.pageTokens);
    const page = store.runs.list(list, experimentId === '' ? undefined : experimentId);
    // Two queries for the whole page, not two per run.
    const ids = page.rows.map((row) => row.id);
    const states = store.runs.statesOf(ids);
    const tasks = store.tasks.detailsOfRuns(ids);
    return pruneTop({
      runs: page.rows.map((run) =>
        toApiRun({ run, states: states.get(run.id) ?? [], tasks: tasks.get(run.id) ?? [] }),
      ),
      total_size: page.total,
      next_page_token: nextPageToken(list, page, target, engine.pageTokens),
    });
  });

  router.add('GET', `${BASE}/{run_id}`, ({ params }) =>
    view(engine, store.runs.require(params.run_id ?? '')),
  );

  router.add('DELETE', `${BASE}/{run_id}`, ({ params }) => {
    engine.runs.delete(params.run_id ?? '');
    return {};
  });

  router.add('POST', `${BASE}/{run_id}:terminate`, ({ params }) => {
    engine.runs.terminate(params.run_id ?? '');
    return {};
  });

  router.add('POST', `${BASE}/{run_id}:retry`, ({ params }) => {
    engine.runs.retry(params.run_id ?? '');
    return {};
  });

  router.add('POST', `${BASE}/{run_id}:archive`, ({ params }) => {
    store.runs.setStorageState(params.run_id ?? '', 'ARCHIVED');
    return {};
  });

  router.add('POST', `${BASE}/{run_id}:unarchive`, ({ params }) => {
    const run = store.runs.require(params.run_id ?? '');
    const experiment = store.experiments.get(run.experiment_id);
    if (experiment?.storage_state === 'ARCHIVED') {
      throw new FailedPreconditionError(
        `run '${run.id}' is in archived experiment '${experiment.id}'; unarchive the experiment first.`,
        { resourceType: 'run', resourceName: run.id },
      );
    }
    store.runs.setStorageState(run.id, 'AVAILABLE');
    return {};
  });
}
