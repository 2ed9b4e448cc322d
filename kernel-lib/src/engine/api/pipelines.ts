/**
 * PipelineService: pipelines and pipeline versions (create, get, get by name, list, delete).
 * A version's spec comes from `package_url.pipeline_url` as in KFP, or — a Pipelab addition —
 * inline in `pipeline_version.pipeline_spec`. Uploads are in `upload.ts`.
 */
import type { PipelineSpec } from '../../compiler/spec';
import { InvalidArgumentError } from '../errors';
import { PIPELINE_FIELDS, PIPELINE_VERSION_FIELDS, type NewPipeline } from '../store/pipelines';
import type { EngineContext } from './context';
import { toApiPipeline, toApiPipelineVersion } from './convert';
import { readJson } from './http';
import { decodeMessage, str, sub, type Decoded } from './input';
import { nextPageToken, parseListQuery } from './list-options';
import { CREATE_PIPELINE_AND_VERSION, PIPELINE, PIPELINE_VERSION } from './messages';
import { fetchPackage, specFromJson, specFromPackage } from './pipeline-spec';
import { pruneTop } from './proto-json';
import type { Router } from './router';

const BASE = '/apis/v2beta1/pipelines';

/** A pipeline's name and display name: each defaults to the other, one is required. */
function pipelineFields(body: Decoded, path: string): NewPipeline {
  const name = str(body, 'name').trim() !== '' ? str(body, 'name') : str(body, 'display_name');
  const displayName = str(body, 'display_name').trim() !== '' ? str(body, 'display_name') : name;
  if (name.trim() === '') {
    throw new InvalidArgumentError(
      `${path}.display_name (or ${path}.name) is required and must not be empty.`,
      {
        field: `${path}.display_name`,
      },
    );
  }
  const tags = sub(body, 'tags') as Record<string, string> | undefined;
  return {
    name,
    display_name: displayName,
    description: str(body, 'description'),
    ...(tags ? { tags } : {}),
  };
}

/** The spec of a version given in a request: inline, or downloaded from its package URL. */
async function versionSpec(
  version: Decoded,
  path: string,
): Promise<{ spec: PipelineSpec; url: string; fileName: string }> {
  const inline = sub(version, 'pipeline_spec');
  const url = str(sub(version, 'package_url') ?? {}, 'pipeline_url');
  if (inline !== undefined && url !== '') {
    throw new InvalidArgumentError(`give ${path}.pipeline_spec or ${path}.package_url, not both.`, {
      field: `${path}.pipeline_spec`,
    });
  }
  if (inline !== undefined)
    return { spec: specFromJson(inline, `${path}.pipeline_spec`), url: '', fileName: '' };
  if (url === '') {
    throw new InvalidArgumentError(
      `${path}.package_url.pipeline_url is required (or, with Pipelab, an inline ${path}.pipeline_spec).`,
      { field: `${path}.package_url.pipeline_url` },
    );
  }
  const field = `${path}.package_url.pipeline_url`;
  const { bytes, fileName } = await fetchPackage(url, field);
  return { spec: await specFromPackage(bytes, fileName, field), url, fileName };
}

export function pipelineRoutes(router: Router, engine: EngineContext): void {
  const { store } = engine;
  const now = (): number => engine.now().getTime();

  router.add('POST', BASE, async ({ req }) => {
    const body = decodeMessage(PIPELINE, await readJson(req, 'pipeline'), 'pipeline');
    return toApiPipeline(store.pipelines.create(pipelineFields(body, 'pipeline'), now()));
  });

  router.add('POST', `${BASE}/create`, async ({ req }) => {
    const body = decodeMessage(CREATE_PIPELINE_AND_VERSION, await readJson(req, 'body'), 'body');
    const pipelineBody = sub(body, 'pipeline');
    if (pipelineBody === undefined) {
      throw new InvalidArgumentError('body.pipeline is required.', { field: 'body.pipeline' });
    }
    const versionBody = sub(body, 'pipeline_version') ?? {};
    const pipeline = pipelineFields(pipelineBody, 'body.pipeline');
    const { spec, url, fileName } = await versionSpec(versionBody, 'body.pipeline_version');
    const name = str(versionBody, 'name') || pipeline.name || fileName;
    const created = store.pipelines.createWithVersion(
      pipeline,
      {
        name,
        display_name: str(versionBody, 'display_name') || name,
        description: str(versionBody, 'description') || pipeline.description,
        pipeline_spec: JSON.stringify(spec),
        package_url: url,
        code_source_url: str(versionBody, 'code_source_url'),
      },
      now(),
    );
    return toApiPipeline(created.pipeline);
  });

  router.add('GET', BASE, ({ query }) => {
    const target = { resource: 'pipelines' };
    const list = parseListQuery(query, PIPELINE_FIELDS, target, engine.pageTokens);
    const page = store.pipelines.listPipelines(list);
    return pruneTop({
      pipelines: page.rows.map(toApiPipeline),
      total_size: page.total,
      next_page_token: nextPageToken(list, page, target, engine.pageTokens),
    });
  });

  router.add('GET', `${BASE}/names/{name}`, ({ params }) =>
    toApiPipeline(store.pipelines.requirePipelineByName(params.name ?? '')),
  );

  router.add('GET', `${BASE}/{pipeline_id}`, ({ params }) =>
    toApiPipeline(store.pipelines.requirePipeline(params.pipeline_id ?? '')),
  );

  router.add('DELETE', `${BASE}/{pipeline_id}`, ({ params, query }) => {
    // Parsed as grpc-gateway parses a bool (Go's strconv.ParseBool).
    const cascade = query.get('cascade') ?? '';
    if (!['', 'true', 'false', '1', '0', 't', 'f'].includes(cascade.toLowerCase())) {
      throw new InvalidArgumentError(`cascade must be true or false; got "${cascade}".`, {
        field: 'cascade',
      });
    }
    store.pipelines.deletePipeline(
      params.pipeline_id ?? '',
      ['true', '1', 't'].includes(cascade.toLowerCase()),
    );
    return {};
  });

  router.add('POST', `${BASE}/{pipeline_id}/versions`, async ({ req, params }) => {
    const pipelineId = params.pipeline_id ?? '';
    const body = decodeMessage(
      PIPELINE_VERSION,
      await readJson(req, 'pipeline_version'),
      'pipeline_version',
    );
    const bodyPipelineId = str(body, 'pipeline_id');
    if (bodyPipelineId !== '' && bodyPipelineId !== pipelineId) {
      throw new InvalidArgumentError(
        `pipeline_version.pipeline_id ('${bodyPipelineId}') does not match the pipeline in the path ('${pipelineId}').`,
        { field: 'pipeline_version.pipeline_id' },
      );
    }
    store.pipelines.requirePipeline(pipelineId);
    const { spec, url, fileName } = await versionSpec(body, 'pipeline_version');
    const name = str(body, 'name') || str(body, 'display_name') || fileName;
    if (name.trim() === '') {
      throw new InvalidArgumentError('pipeline_version.display_name (or name) is required.', {
        field: 'pipeline_version.display_name',
      });
    }
    const row = store.pipelines.createVersion(
      pipelineId,
      {
        name,
        display_name: str(body, 'display_name') || name,
        description: str(body, 'description'),
        pipeline_spec: JSON.stringify(spec),
        package_url: url,
        code_source_url: str(body, 'code_source_url'),
        ...(sub(body, 'tags') ? { tags: sub(body, 'tags') as Record<string, string> } : {}),
      },
      now(),
    );
    return toApiPipelineVersion(row);
  });

  router.add('GET', `${BASE}/{pipeline_id}/versions`, ({ params, query }) => {
    const pipelineId = params.pipeline_id ?? '';
    const target = { resource: 'pipeline_versions', scope: `pipeline_id=${pipelineId}` };
    const list = parseListQuery(query, PIPELINE_VERSION_FIELDS, target, engine.pageTokens);
    const page = store.pipelines.listVersions(pipelineId, list);
    return pruneTop({
      pipeline_versions: page.rows.map(toApiPipelineVersion),
      total_size: page.total,
      next_page_token: nextPageToken(list, page, target, engine.pageTokens),
    });
  });

  router.add('GET', `${BASE}/{pipeline_id}/versions/{pipeline_version_id}`, ({ params }) => {
    store.pipelines.requirePipeline(params.pipeline_id ?? '');
    return toApiPipelineVersion(
      store.pipelines.requireVersion(params.pipeline_version_id ?? '', params.pipeline_id ?? ''),
    );
  });

  router.add('DELETE', `${BASE}/{pipeline_id}/versions/{pipeline_version_id}`, ({ params }) => {
    store.pipelines.deleteVersion(params.pipeline_id ?? '', params.pipeline_version_id ?? '');
    return {};
  });
}
