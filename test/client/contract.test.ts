/**
 * The client against a recording server: every request is compared with what the real Python
 * kfp.Client sends (../shared/kfp/reference/kfp_client_requests.txt) where the reference has the
 * operation, request bodies and canned answers are checked against the KFP swagger.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { Client, ClientOptionsError, filter, type V2beta1Run } from '../../kernel-lib/src/client';
import { loadPipelinePackage, writePipelinePackage } from '../../kernel-lib/src/compiler/package';
import type { PipelineSpec } from '../../kernel-lib/src/compiler/spec';
import { PipelineLoadError } from '../../kernel-lib/src/errors';
import { describeShared } from '../support/shared';
import {
  experiment,
  pipelineResource,
  runResource,
  tinyPipeline,
  tinySpec,
  versionResource,
} from './support/fixtures';
import { expectSameRequest, readReference, type ReferenceRequest } from './support/kfp-reference';
import { RecordingServer } from './support/recording-server';
import { Swagger } from './support/swagger';

describeShared('client requests match the KFP API and kfp.Client', (shared) => {
  const swagger = new Swagger(
    path.join(shared, 'kfp/swagger_v2beta1/kfp_api_single_file.swagger.json'),
  );
  const reference = readReference(path.join(shared, 'kfp/reference/kfp_client_requests.txt'));
  const chicagoFile = path.join(shared, 'kfp/reference/chicago_pipeline.kfp-sdk-2.15.2.yaml');
  let chicago: PipelineSpec;
  let server: RecordingServer;
  let client: Client;

  const scenario = (name: string): ReferenceRequest[] => {
    const requests = reference.get(name);
    if (requests === undefined) throw new Error(`the reference has no scenario '${name}'`);
    return requests;
  };
  const at = <T>(list: readonly T[], i: number): T => {
    const item = list[i];
    if (item === undefined) throw new Error(`no item ${i}`);
    return item;
  };

  beforeAll(async () => {
    chicago = await loadPipelinePackage(chicagoFile);
  });

  beforeEach(async () => {
    server = await RecordingServer.start({ swagger });
    client = new Client({ endpoint: server.url, token: 'test-token', env: {} });
  });

  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  it('has a recording server that flags what the swagger does not allow', async () => {
    server.on('POST', '/apis/v2beta1/experiments', { json: { experiment_id: 7, invented: true } });
    const raw = new Client({ endpoint: server.url, env: {} }).connection;
    await raw.json({
      method: 'POST',
      path: '/experiments',
      json: { display_name: 'x', displayName: 'y' },
    });
    expect(server.violations.join('\n')).toMatch(
      /request POST .* must NOT have additional properties/,
    );
    expect(server.violations.join('\n')).toMatch(/answer to POST .*experiment_id must be string/);
    expect(server.violations.join('\n')).toMatch(/answer to POST .*invented/);
    server.reset();
  });

  it('checks health on connect, as kfp.Client(host=...) does, with the bearer token', async () => {
    server.on('GET', '/apis/v2beta1/healthz', { json: { multi_user: false } });
    const connected = await Client.connect({ endpoint: server.url, token: 'test-token', env: {} });
    expect(connected.endpoint).toBe(server.url);
    const [request] = server.requests;
    expectSameRequest(at(server.requests, 0), at(scenario('Client(host=...)'), 0));
    expect(request?.headers.authorization).toBe('Bearer test-token');
    expect(request?.headers.accept).toBe('application/json');
  });

  it('uploads a compiled file as kfp.Client.upload_pipeline does', async () => {
    server.on('POST', '/apis/v2beta1/pipelines/upload', {
      json: pipelineResource('pipe-1', 'chicago-crime-prediction', {
        description: 'chicago sample',
      }),
    });
    const uploaded = await client.pipelines.upload(chicagoFile, {
      name: 'chicago-crime-prediction',
      description: 'chicago sample',
    });
    expect(uploaded.pipeline_id).toBe('pipe-1');
    const theirs = at(scenario('upload_pipeline'), 0);
    const ours = at(server.requests, 0);
    expectSameRequest(ours, theirs);
    expect(ours.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const part = (
      theirs.body as {
        _multipart: { name: string; content_type: string; size: number; head: string }[];
      }
    )._multipart[0];
    expect(ours.files).toHaveLength(1);
    const file = at(ours.files, 0);
    expect(file.field).toBe(part?.name);
    expect(file.type).toBe(part?.content_type);
    expect(file.fileName).toBe(path.basename(chicagoFile));
    expect(file.bytes.length).toBe(part?.size);
    expect(file.bytes.toString('utf8').startsWith(part?.head ?? '?')).toBe(true);
    expect(file.bytes.equals(readFileSync(chicagoFile))).toBe(true);
  });

  it('compiles a DSL pipeline for upload and names it after the pipeline', async () => {
    server.on('POST', '/apis/v2beta1/pipelines/upload', {
      json: pipelineResource('pipe-2', 'tiny'),
    });
    await client.pipelines.upload(tinyPipeline);
    const ours = at(server.requests, 0);
    expect(ours.query).toEqual({ name: ['tiny'], description: ['Greets and counts.'] });
    const file = at(ours.files, 0);
    expect(file.fileName).toBe('tiny.yaml');
    expect(await loadPipelinePackage(file.bytes)).toEqual(tinySpec());
  });

  it('uploads a PipelineSpec object, and .tar.gz packages as they are', async () => {
    server.on('POST', '/apis/v2beta1/pipelines/upload', {
      json: pipelineResource('pipe-3', 'tiny'),
    });
    await client.pipelines.upload(tinySpec(), {
      name: 'other',
      displayName: 'Other',
      namespace: 'team-a',
    });
    expect(at(server.requests, 0).query).toEqual({
      name: ['other'],
      display_name: ['Other'],
      description: ['Greets and counts.'],
      namespace: ['team-a'],
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'pipelab-client-'));
    const archive = path.join(dir, 'tiny.pipeline.tar.gz');
    await writePipelinePackage(tinySpec(), archive);
    await client.pipelines.upload(archive);
    const file = at(at(server.requests, 1).files, 0);
    expect(file.fileName).toBe('tiny.pipeline.tar.gz');
    expect(file.bytes.equals(readFileSync(archive))).toBe(true);
    await client.pipelines.upload(
      { bytes: readFileSync(archive), fileName: 'x.tar.gz' },
      { name: 'x' },
    );
    expect(at(at(server.requests, 2).files, 0).fileName).toBe('x.tar.gz');
  });

  it('checks a file before uploading it', async () => {
    await expect(
      client.pipelines.upload({ bytes: 'not: [a pipeline', fileName: 'bad.yaml' }),
    ).rejects.toBeInstanceOf(PipelineLoadError);
    await expect(client.pipelines.upload(path.join(shared, 'nope.yaml'))).rejects.toBeInstanceOf(
      ClientOptionsError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('uploads a version, gets, finds, lists and deletes pipelines and versions', async () => {
    server
      .on('POST', '/apis/v2beta1/pipelines/upload_version', (req) => ({
        json: versionResource('pipe-1', 'ver-2', req.query.name?.[0] ?? ''),
      }))
      .on('GET', '/apis/v2beta1/pipelines/{pipeline_id}', ({ path: p }) => ({
        json: pipelineResource(p.split('/').pop() ?? '', 'tiny'),
      }))
      .on('GET', '/apis/v2beta1/pipelines/names/{name}', (_req, { name }) =>
        name === 'tiny'
          ? { json: pipelineResource('pipe-1', 'tiny') }
          : { status: 404, json: { code: 5, message: `pipeline ${name} not found`, details: [] } },
      )
      .on('GET', '/apis/v2beta1/pipelines', {
        json: { pipelines: [pipelineResource('pipe-1', 'tiny')], total_size: 1 },
      })
      .on('DELETE', '/apis/v2beta1/pipelines/{pipeline_id}', { json: {} })
      .on('GET', '/apis/v2beta1/pipelines/{pipeline_id}/versions', {
        json: { pipeline_versions: [versionResource('pipe-1', 'ver-1', 'v1')], total_size: 1 },
      })
      .on('GET', '/apis/v2beta1/pipelines/{pipeline_id}/versions/{pipeline_version_id}', {
        json: versionResource('pipe-1', 'ver-1', 'v1'),
      })
      .on('DELETE', '/apis/v2beta1/pipelines/{pipeline_id}/versions/{pipeline_version_id}', {
        json: {},
      });

    const version = await client.pipelines.uploadVersion('pipe-1', tinyPipeline, { name: 'v2' });
    expect(version.pipeline_version_id).toBe('ver-2');
    expect(at(server.requests, 0).query).toEqual({
      name: ['v2'],
      pipelineid: ['pipe-1'],
      description: ['Greets and counts.'],
    });
    const unnamed = await client.pipelines.uploadVersion('pipe-1', tinySpec());
    expect(unnamed.name).toMatch(/^tiny-\d{8}t\d{9}z$/);

    expect((await client.pipelines.get('pipe-1')).pipeline_id).toBe('pipe-1');
    expect((await client.pipelines.getByName('tiny')).pipeline_id).toBe('pipe-1');
    expect(await client.pipelines.findByName('missing')).toBeUndefined();
    const page = await client.pipelines.list({
      filter: filter.eq('name', 'tiny'),
      sortBy: 'created_at desc',
    });
    expect(page).toEqual({
      items: [pipelineResource('pipe-1', 'tiny')],
      nextPageToken: undefined,
      totalSize: 1,
    });
    await client.pipelines.delete('pipe-1', { cascade: true });
    expect((await client.pipelines.versions.list('pipe-1')).items).toHaveLength(1);
    expect((await client.pipelines.versions.get('pipe-1', 'ver-1')).name).toBe('v1');
    await client.pipelines.versions.delete('pipe-1', 'ver-1');

    const calls = server.requests.map((r) => {
      const query = new URLSearchParams(
        Object.entries(r.query).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])),
      );
      return `${r.method} ${r.path} ${query.toString()}`.trim();
    });
    expect(calls.slice(2)).toEqual([
      'GET /apis/v2beta1/pipelines/pipe-1',
      'GET /apis/v2beta1/pipelines/names/tiny',
      'GET /apis/v2beta1/pipelines/names/missing',
      `GET /apis/v2beta1/pipelines sort_by=created_at+desc&filter=${encodeURIComponent(JSON.stringify(filter.eq('name', 'tiny')))}`,
      'DELETE /apis/v2beta1/pipelines/pipe-1 cascade=true',
      'GET /apis/v2beta1/pipelines/pipe-1/versions',
      'GET /apis/v2beta1/pipelines/pipe-1/versions/ver-1',
      'DELETE /apis/v2beta1/pipelines/pipe-1/versions/ver-1',
    ]);
  });

  it('follows next_page_token through every page, resending sort and filter', async () => {
    const all = ['a', 'b', 'c', 'd', 'e'].map((n) => pipelineResource(`pipe-${n}`, n));
    server.on('GET', '/apis/v2beta1/pipelines', (req) => {
      const start = Number(req.query.page_token?.[0] ?? '0');
      const next = start + 2 < all.length ? String(start + 2) : undefined;
      return {
        json: {
          pipelines: all.slice(start, start + 2),
          total_size: all.length,
          ...(next !== undefined ? { next_page_token: next } : {}),
        },
      };
    });
    const names: string[] = [];
    for await (const p of client.pipelines.iterate({
      pageSize: 2,
      sortBy: 'name',
      filter: filter.contains('name', ''),
    })) {
      names.push(p.name ?? '');
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(server.requests.map((r) => r.query.page_token?.[0])).toEqual([undefined, '2', '4']);
    for (const r of server.requests) {
      expect(r.query.sort_by).toEqual(['name']);
      expect(r.query.page_size).toEqual(['2']);
      expect(r.query.filter).toHaveLength(1);
    }
    const limited: string[] = [];
    for await (const p of client.pipelines.iterate({ pageSize: 2, limit: 3 }))
      limited.push(p.name ?? '');
    expect(limited).toEqual(['a', 'b', 'c']);
    const pages: number[] = [];
    for await (const page of client.pipelines.pages({ pageSize: 2 })) pages.push(page.items.length);
    expect(pages).toEqual([2, 2, 1]);
  });

  it('finds or creates an experiment as kfp.Client.create_experiment does', async () => {
    server
      .on('GET', '/apis/v2beta1/experiments', { json: {} })
      .on('POST', '/apis/v2beta1/experiments', (req) => ({
        json: experiment('exp-1', (req.json as { display_name: string }).display_name, {
          description: 'exp desc',
        }),
      }));
    const created = await client.experiments.ensure({
      displayName: 'chicago',
      description: 'exp desc',
    });
    expect(created.experiment_id).toBe('exp-1');
    const theirs = scenario('create_experiment');
    expect(server.requests).toHaveLength(theirs.length);
    theirs.forEach((request, i) => expectSameRequest(at(server.requests, i), request));
  });

  it('returns the existing experiment without creating one, and survives a concurrent create', async () => {
    let listed = 0;
    server
      .on('GET', '/apis/v2beta1/experiments', () => {
        listed += 1;
        return {
          json: listed === 2 || listed === 3 ? { experiments: [experiment('exp-9', 'raced')] } : {},
        };
      })
      .on('POST', '/apis/v2beta1/experiments', {
        status: 409,
        json: { code: 6, message: 'experiment raced already exists', details: [] },
      });
    // First ensure: not found, create conflicts, found on the second look.
    expect((await client.experiments.ensure({ displayName: 'raced' })).experiment_id).toBe('exp-9');
    // Second ensure: found at once.
    expect((await client.experiments.ensure({ displayName: 'raced' })).experiment_id).toBe('exp-9');
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'GET']);
  });

  it('gets, lists, archives, unarchives and deletes experiments', async () => {
    server
      .on('GET', '/apis/v2beta1/experiments/{experiment_id}', {
        json: experiment('exp-1', 'chicago'),
      })
      .on('GET', '/apis/v2beta1/experiments', {
        json: { experiments: [experiment('exp-1', 'chicago')], total_size: 1 },
      })
      .on('POST', '/apis/v2beta1/experiments/{experiment_id}:archive', { json: {} })
      .on('POST', '/apis/v2beta1/experiments/{experiment_id}:unarchive', { json: {} })
      .on('DELETE', '/apis/v2beta1/experiments/{experiment_id}', { json: {} });
    const namespaced = new Client({ endpoint: server.url, namespace: 'team-a', env: {} });
    expect((await client.experiments.get('exp-1')).display_name).toBe('chicago');
    expect((await namespaced.experiments.list({ pageSize: 3 })).items).toHaveLength(1);
    await client.experiments.archive('exp-1');
    await client.experiments.unarchive('exp-1');
    await client.experiments.delete('exp-1');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /apis/v2beta1/experiments/exp-1',
      'GET /apis/v2beta1/experiments',
      'POST /apis/v2beta1/experiments/exp-1:archive',
      'POST /apis/v2beta1/experiments/exp-1:unarchive',
      'DELETE /apis/v2beta1/experiments/exp-1',
    ]);
    expect(at(server.requests, 1).query).toEqual({ page_size: ['3'], namespace: ['team-a'] });
    expect(server.requests[1]?.headers.authorization).toBeUndefined();
  });

  it('creates a run from a compiled pipeline as kfp.Client.create_run_from_pipeline_package does', async () => {
    server
      .on('GET', '/apis/v2beta1/experiments', { json: {} })
      .on('POST', '/apis/v2beta1/experiments', { json: experiment('exp-1', 'chicago') })
      .on('POST', '/apis/v2beta1/runs', (req) => ({
        json: { ...runResource('run-a1', 'PENDING'), ...(req.json as V2beta1Run), run_details: {} },
      }));
    const run = await client.runs.create({
      pipelineSpec: chicago,
      displayName: 'run-a',
      experimentName: 'chicago',
      parameters: { epochs: 3, project_id: 'p1' },
      pipelineRoot: 'gs://bucket/root',
      serviceAccount: 'sa-1',
    });
    expect(run.id).toBe('run-a1');
    expect(run.link).toBe(`${server.url}/#/runs/details/run-a1`);
    expect(run.state).toBe('PENDING');
    const theirs = scenario('create_run_from_pipeline_package');
    expect(server.requests).toHaveLength(theirs.length);
    theirs.forEach((request, i) => expectSameRequest(at(server.requests, i), request, chicago));
  });

  it('creates runs from a DSL pipeline, with caching overridden, and from a pipeline version', async () => {
    server.on('POST', '/apis/v2beta1/runs', (req) => ({
      json: { ...runResource('run-b', 'PENDING'), ...(req.json as V2beta1Run) },
    }));
    const ui = new Client({ endpoint: server.url, uiUrl: 'https://ui.example/pipeline/', env: {} });
    const run = await ui.runs.create({
      pipeline: tinyPipeline,
      enableCaching: false,
      experimentId: 'exp-7',
    });
    expect(run.link).toBe('https://ui.example/pipeline/#/runs/details/run-b');
    const body = at(server.requests, 0).json as V2beta1Run & { pipeline_spec: PipelineSpec };
    expect(body.display_name).toMatch(/^tiny \d{4}-\d\d-\d\d \d\d-\d\d-\d\d$/);
    expect(body.experiment_id).toBe('exp-7');
    expect(body.runtime_config).toEqual({ parameters: {} });
    const tasks = Object.values(body.pipeline_spec.root.dag.tasks);
    expect(tasks.length).toBe(2);
    for (const t of tasks) expect(t.cachingOptions?.enableCache).toBe(false);

    await client.runs.create({
      pipelineVersion: { pipelineId: 'pipe-1', versionId: 'ver-1' },
      displayName: 'by version',
      parameters: { who: 'you' },
    });
    expect(at(server.requests, 1).json).toEqual({
      display_name: 'by version',
      pipeline_version_reference: { pipeline_id: 'pipe-1', pipeline_version_id: 'ver-1' },
      runtime_config: { parameters: { who: 'you' } },
    });
  });

  it('refuses contradictory run options before sending anything', async () => {
    await expect(client.runs.create({ displayName: 'x' })).rejects.toThrow(/exactly one of/);
    await expect(
      client.runs.create({ pipelineSpec: tinySpec(), pipelineVersion: { pipelineId: 'p' } }),
    ).rejects.toBeInstanceOf(ClientOptionsError);
    await expect(
      client.runs.create({ pipelineSpec: tinySpec(), experimentId: 'e', experimentName: 'n' }),
    ).rejects.toThrow(/not both/);
    await expect(
      client.runs.create({ pipelineVersion: { pipelineId: 'p' }, enableCaching: true }),
    ).rejects.toThrow(/enableCaching/);
    expect(server.requests).toHaveLength(0);
  });

  it('lists runs as kfp.Client.list_runs does, with and without an experiment', async () => {
    server.on('GET', '/apis/v2beta1/runs', {
      json: { runs: [runResource('run-1', 'SUCCEEDED')], total_size: 1, next_page_token: 'tok' },
    });
    const page = await client.runs.list({
      experimentId: 'exp-1',
      filter: filter.eq('display_name', 'run-a'),
      pageSize: 5,
      sortBy: 'created_at desc',
    });
    expect(page.nextPageToken).toBe('tok');
    expect(page.items[0]?.run_id).toBe('run-1');
    expectSameRequest(at(server.requests, 0), at(scenario('list_runs'), 0));
    await client.runs.list({ pageSize: 10 });
    expectSameRequest(at(server.requests, 1), at(scenario('list_runs(no experiment)'), 0));
  });

  it('gets a run and waits for it as kfp.Client.get_run / wait_for_run_completion do', async () => {
    server.on('GET', '/apis/v2beta1/runs/run-1', { json: runResource('run-1', 'SUCCEEDED') });
    expect((await client.runs.get('run-1')).state).toBe('SUCCEEDED');
    expectSameRequest(at(server.requests, 0), at(scenario('get_run'), 0));

    server.reset();
    const states = ['RUNNING', 'RUNNING', 'SUCCEEDED'] as const;
    let polled = 0;
    server.on('GET', '/apis/v2beta1/runs/run-2', () => ({
      json: runResource('run-2', states[Math.min(polled++, states.length - 1)] ?? 'SUCCEEDED'),
    }));
    const seen: string[] = [];
    const final = await client.runs.wait('run-2', {
      pollIntervalMs: 5,
      onUpdate: (r) => seen.push(r.state ?? ''),
    });
    expect(final.state).toBe('SUCCEEDED');
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
    const theirs = scenario('wait_for_run_completion');
    expect(server.requests).toHaveLength(theirs.length);
    theirs.forEach((request, i) => expectSameRequest(at(server.requests, i), request));
  });

  it('terminates, retries, archives, unarchives and deletes runs', async () => {
    for (const verb of ['terminate', 'retry', 'archive', 'unarchive']) {
      server.on('POST', `/apis/v2beta1/runs/{run_id}:${verb}`, { json: {} });
    }
    server.on('DELETE', '/apis/v2beta1/runs/{run_id}', { json: {} });
    const handle = client.runs.handle('run-1');
    await handle.terminate();
    await handle.retry();
    await client.runs.archive('run-1');
    await client.runs.unarchive('run-1');
    await client.runs.delete('run-1');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /apis/v2beta1/runs/run-1:terminate',
      'POST /apis/v2beta1/runs/run-1:retry',
      'POST /apis/v2beta1/runs/run-1:archive',
      'POST /apis/v2beta1/runs/run-1:unarchive',
      'DELETE /apis/v2beta1/runs/run-1',
    ]);
    for (const r of server.requests) expect(r.body.length).toBe(0);
  });
});
