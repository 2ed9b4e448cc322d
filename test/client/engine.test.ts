/**
 * The client against the real embedded engine (`startEngine`): upload, experiments, runs from a
 * DSL pipeline whose tasks are `node -e` commands, waiting, logs, and the run lifecycle.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  KfpApiError,
  RunFailedError,
  filter,
  findTask,
  type V2beta1Run,
} from '../../kernel-lib/src/client';
import { runCommand } from '../../kernel-lib/src/client/cli-commands';
import { writePipelinePackage } from '../../kernel-lib/src/compiler/package';
import { containerComponent, pipeline } from '../../kernel-lib/src/dsl';
import { startEngine, type EngineHandle } from '../../kernel-lib/src/engine';
import { failingPipeline, tinyPipeline, tinySpec } from './support/fixtures';

const sleeper = pipeline({ name: 'sleeper', params: {} }, () => {
  containerComponent({
    name: 'nap',
    image: 'node:20',
    command: ['node', '-e', "console.log('napping');setTimeout(() => {}, 20000)"],
  })({});
});

describe('the client against the embedded engine', () => {
  let engine: EngineHandle;
  let dataDir: string;
  let client: Client;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pipelab-client-engine-'));
    engine = await startEngine({ dataDir, port: 0, log: () => undefined });
    client = await Client.connect({ endpoint: engine.url, dataDir, env: {} });
  });

  afterAll(async () => {
    await engine?.close();
  });

  const WAIT = { timeoutMs: 30_000, pollIntervalMs: 100 };

  it("authenticates with the engine's token file, and explains a missing token", async () => {
    expect(engine.tokenFile).toBe(path.join(dataDir, 'token'));
    const anonymous = await Client.connect({ endpoint: engine.url, env: {} });
    const refused = (await anonymous.runs.list().catch((e: unknown) => e)) as KfpApiError;
    expect(refused).toBeInstanceOf(KfpApiError);
    expect(refused.status).toBe(401);
    expect(refused.message).toMatch(/UNAUTHENTICATED.*dataDir/);
    const withToken = new Client({ endpoint: engine.url, token: engine.token, env: {} });
    expect((await withToken.runs.list()).items).toEqual([]);
  });

  it('uploads a DSL pipeline and a version, and finds them', async () => {
    const uploaded = await client.pipelines.upload(tinyPipeline, { displayName: 'Tiny' });
    expect(uploaded.pipeline_id).toBeTruthy();
    expect(uploaded.name).toBe('tiny');
    const byName = await client.pipelines.getByName('tiny');
    expect(byName.pipeline_id).toBe(uploaded.pipeline_id);
    const pipelineId = uploaded.pipeline_id ?? '';
    const version = await client.pipelines.uploadVersion(pipelineId, tinySpec(), { name: 'v2' });
    expect(version.pipeline_id).toBe(pipelineId);
    const versions = [];
    for await (const v of client.pipelines.versions.iterate(pipelineId)) versions.push(v);
    expect(versions.map((v) => v.name)).toContain('v2');
    expect(versions).toHaveLength(2);
    const got = await client.pipelines.versions.get(pipelineId, version.pipeline_version_id ?? '');
    expect((got.pipeline_spec as { pipelineInfo?: { name?: string } }).pipelineInfo?.name).toBe(
      'tiny',
    );
    const page = await client.pipelines.list({ filter: filter.eq('name', 'tiny') });
    expect(page.items.map((p) => p.pipeline_id)).toEqual([pipelineId]);
    expect(await client.pipelines.findByName('nope')).toBeUndefined();
  });

  it('ensures an experiment once', async () => {
    const a = await client.experiments.ensure({
      displayName: 'client-it',
      description: 'integration',
    });
    const b = await client.experiments.ensure({ displayName: 'client-it' });
    expect(b.experiment_id).toBe(a.experiment_id);
    expect((await client.experiments.findByName('client-it'))?.description).toBe('integration');
  });

  it('runs a DSL pipeline to SUCCEEDED and reads its task logs', async () => {
    const run = await client.runs.create({
      pipeline: tinyPipeline,
      experimentName: 'client-it',
      displayName: 'tiny run',
      parameters: { who: 'engine', times: 2 },
    });
    expect(run.link).toBe(`${engine.url}/#/runs/details/${run.id}`);
    const final = await run.wait(WAIT);
    expect(final.state).toBe('SUCCEEDED');
    expect(final.display_name).toBe('tiny run');
    const count = findTask(final, 'count');
    expect(count?.state).toBe('SUCCEEDED');
    // 'hello engine' has 12 characters, times 2.
    expect(await client.runs.logs(run.id, count?.task_id ?? '')).toContain('24');
    const followed: string[] = [];
    for await (const chunk of run.logs(findTask(final, 'greet')?.task_id ?? '', { follow: true })) {
      followed.push(chunk);
    }
    expect(followed.join('')).toContain('hello engine');
    const experiment = await client.experiments.findByName('client-it');
    const listed: V2beta1Run[] = [];
    for await (const r of client.runs.iterate({
      experimentId: experiment?.experiment_id ?? '',
      filter: filter.eq('display_name', 'tiny run'),
      sortBy: 'created_at desc',
    })) {
      listed.push(r);
    }
    expect(listed.map((r) => r.run_id)).toEqual([run.id]);
  });

  it('runs an uploaded pipeline version', async () => {
    const pipelineId = (await client.pipelines.getByName('tiny')).pipeline_id ?? '';
    const run = await client.runs.create({
      pipelineVersion: { pipelineId },
      parameters: { who: 'v' },
    });
    expect((await run.wait(WAIT)).state).toBe('SUCCEEDED');
  });

  it('reports a failed run, its log, and retries it', async () => {
    const run = await client.runs.create({ pipeline: failingPipeline });
    const error = (await run
      .wait({ ...WAIT, throwOnFailure: true })
      .catch((e: unknown) => e)) as RunFailedError;
    expect(error).toBeInstanceOf(RunFailedError);
    expect(error.state).toBe('FAILED');
    expect(error.message).toContain('boom');
    expect(await run.logs('boom')).toContain('it broke');
    await run.retry();
    expect((await run.wait(WAIT)).state).toBe('FAILED');
  });

  it('terminates a running run, archives, unarchives and deletes it', async () => {
    const run = await client.runs.create({ pipeline: sleeper });
    // Terminate once the task's process is running.
    for (let i = 0; i < 200 && findTask(await run.get(), 'nap')?.state !== 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(run.state).toBe('RUNNING');
    await run.terminate();
    expect((await run.wait(WAIT)).state).toBe('CANCELED');
    await client.runs.archive(run.id);
    expect((await run.get()).storage_state).toBe('ARCHIVED');
    await client.runs.unarchive(run.id);
    await client.runs.delete(run.id);
    const gone = (await run.get().catch((e: unknown) => e)) as KfpApiError;
    expect(gone).toBeInstanceOf(KfpApiError);
    expect(gone.status).toBe(404);
    expect(gone.grpcCode).toBe(5);
  });

  it('runs a compiled file with `pipelab run`', async () => {
    const file = path.join(dataDir, 'tiny.pipeline.tar.gz');
    await writePipelinePackage(tinySpec(), file);
    let out = '';
    let err = '';
    const code = await runCommand(
      [
        file,
        '--param',
        'who=cli',
        '--experiment',
        'client-it',
        '--endpoint',
        engine.url,
        '--data-dir',
        dataDir,
      ],
      {
        stdout: { write: (t: string) => (out += t) },
        stderr: { write: (t: string) => (err += t) },
        env: {},
        pollIntervalMs: 100,
      },
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/SUCCEEDED/);
  });
});
