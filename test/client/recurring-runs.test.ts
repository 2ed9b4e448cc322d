/**
 * `client.recurringRuns`: against the embedded engine (on a fake clock) for what it does, and
 * against a recording server for what it sends — the same requests as kfp.Client's
 * `create_recurring_run` (../shared/kfp/reference/kfp_client_requests.txt), and KFP's answers
 * to the engine's additions (no update; preview computed here).
 */
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  ClientOptionsError,
  EngineOnlyError,
  KfpApiError,
  type PipelabRecurringRun,
} from '../../kernel-lib/src/client';
import type { PipelineSpec } from '../../kernel-lib/src/compiler/spec';
import { loadPipelinePackage } from '../../kernel-lib/src/compiler/package';
import { FakeClock } from '../../kernel-lib/src/engine/schedule';
import { FakeLauncher, startTestEngine, type TestEngine } from '../engine/api/helpers';
import { describeShared } from '../support/shared';
import { CREATED, tinyPipeline, tinySpec } from './support/fixtures';
import { expectSameRequest, readReference } from './support/kfp-reference';
import { RecordingServer } from './support/recording-server';
import { swaggerIfShared } from './support/swagger';

/** Never called: what TypeScript must refuse (checked by `tsc`, which covers the tests). */
export function typeChecks(client: Client, spec: PipelineSpec): void {
  void client.recurringRuns.create({
    displayName: 'fine',
    pipelineSpec: spec,
    trigger: { cron: '0 0 3 * * MON-FRI', timeZone: 'America/Chicago' },
  });
  void client.recurringRuns.create({
    displayName: 'fine',
    pipelineSpec: spec,
    trigger: { cron: '@daily' },
  });
  void client.recurringRuns.create({
    displayName: 'a crontab line',
    pipelineSpec: spec,
    // @ts-expect-error KFP's cron has 6 fields, seconds first: a 5-field literal does not compile.
    trigger: { cron: '0 3 * * *' },
  });
}

describe('client.recurringRuns against the embedded engine', () => {
  let t: TestEngine;
  let client: Client;
  const clock = new FakeClock(new Date('2026-03-06T12:00:00Z'));

  beforeAll(async () => {
    t = await startTestEngine({ launcher: new FakeLauncher(), clock });
    client = new Client({ endpoint: t.engine.url, token: t.engine.token, env: {} });
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates from a DSL pipeline with a cron in a time zone, lists, gets, edits and deletes', async () => {
    const rr = await client.recurringRuns.create({
      displayName: 'nightly retrain',
      pipeline: tinyPipeline,
      experimentName: 'Chicago Crime Prediction',
      trigger: { cron: '0 0 3 * * *', timeZone: 'America/Chicago' },
      parameters: { who: '[[ScheduledTime.2006-01-02]]', times: 3 },
      pipelineRoot: 'gs://bucket/root',
      maxConcurrency: 2,
      noCatchup: true,
      maxConsecutiveFailures: 3,
    });
    expect(rr).toMatchObject({
      display_name: 'nightly retrain',
      status: 'ENABLED',
      max_concurrency: '2',
      no_catchup: true,
      max_consecutive_failures: 3,
      trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: 'America/Chicago' } },
      next_fire_time: '2026-03-07T09:00:00Z',
    });
    const id = rr.recurring_run_id ?? '';
    const experiment = await client.experiments.findByName('Chicago Crime Prediction');
    expect(rr.experiment_id).toBe(experiment?.experiment_id);
    expect((await client.recurringRuns.get(id)).display_name).toBe('nightly retrain');

    const listed: PipelabRecurringRun[] = [];
    for await (const item of client.recurringRuns.iterate({
      experimentId: rr.experiment_id ?? '',
      pageSize: 1,
    })) {
      listed.push(item);
    }
    expect(listed.map((r) => r.recurring_run_id)).toEqual([id]);

    const edited = await client.recurringRuns.update(id, {
      displayName: 'nightly (edited)',
      parameters: { who: 'edited', times: 1 },
      trigger: { cron: '0 30 2 * * *', timeZone: 'America/Chicago' },
    });
    expect(edited).toMatchObject({
      display_name: 'nightly (edited)',
      // The pipeline root was kept: runtime_config is replaced as a whole, so the client sent it.
      runtime_config: {
        parameters: { who: 'edited', times: 1 },
        pipeline_root: 'gs://bucket/root',
      },
      next_fire_time: '2026-03-07T08:30:00Z',
    });
    await client.recurringRuns.disable(id);
    expect((await client.recurringRuns.get(id)).status).toBe('DISABLED');
    await client.recurringRuns.update(id, { enabled: true, maxConsecutiveFailures: 0 });
    const enabled = await client.recurringRuns.get(id);
    expect(enabled.status).toBe('ENABLED');
    expect(enabled.max_consecutive_failures).toBeUndefined();
    await client.recurringRuns.delete(id);
    const gone = (await client.recurringRuns.get(id).catch((e: unknown) => e)) as KfpApiError;
    expect(gone).toBeInstanceOf(KfpApiError);
    expect(gone.isNotFound).toBe(true);
  });

  it('schedules an uploaded pipeline every hour, disabled at first; previews fire times', async () => {
    const uploaded = await client.pipelines.upload(tinySpec(), { name: 'tiny-hourly' });
    const rr = await client.recurringRuns.create({
      displayName: 'hourly',
      pipelineVersion: { pipelineId: uploaded.pipeline_id ?? '' },
      trigger: { every: '1h', startTime: new Date('2026-03-06T00:00:00Z') },
      enabled: false,
    });
    expect(rr).toMatchObject({
      status: 'DISABLED',
      pipeline_version_reference: { pipeline_id: uploaded.pipeline_id },
      trigger: {
        periodic_schedule: { interval_second: '3600', start_time: '2026-03-06T00:00:00Z' },
      },
    });
    const byId = await client.recurringRuns.preview(rr.recurring_run_id ?? '', { count: 2 });
    expect(byId.map((d) => d.toISOString())).toEqual([
      '2026-03-06T13:00:00.000Z',
      '2026-03-06T14:00:00.000Z',
    ]);
    const chicago = await client.recurringRuns.preview(
      { cron: '0 0 3 * * *', timeZone: 'America/Chicago' },
      { count: 3, from: '2026-03-07T00:00:00Z' },
    );
    expect(chicago.map((d) => d.toISOString())).toEqual([
      '2026-03-07T09:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
      '2026-03-09T08:00:00.000Z',
    ]);
    const page = await client.recurringRuns.list({
      filter: { predicates: [] },
      sortBy: 'created_at desc',
    });
    expect(page.items[0]?.recurring_run_id).toBe(rr.recurring_run_id);
  });

  it('refuses bad options before sending anything, with the server’s messages', async () => {
    const attempt = async (
      trigger: unknown,
      extra: Record<string, unknown> = {},
    ): Promise<ClientOptionsError> => {
      try {
        await client.recurringRuns.create({
          displayName: 'bad',
          pipelineSpec: tinySpec(),
          trigger,
          ...extra,
        } as never);
      } catch (error) {
        return error as ClientOptionsError;
      }
      throw new Error(`accepted ${JSON.stringify(trigger)}`);
    };
    const fiveFields = await attempt({ cron: '0 3 * * *' });
    expect(fiveFields).toBeInstanceOf(ClientOptionsError);
    expect(fiveFields.message).toMatch(/seconds field first: write '0 0 3 \* \* \*'/);
    expect(fiveFields.option).toBe('recurringRuns.create.trigger.cron_schedule.cron');
    expect((await attempt({ every: '1d' })).message).toMatch(/day unit.*24h/);
    expect((await attempt({ every: '1500ms' })).message).toMatch(/whole number of seconds/);
    expect((await attempt({ cron: '@daily', every: '1h' })).message).toMatch(/not both/);
    expect((await attempt({})).message).toMatch(/exactly one of cron, intervalSecond or every/);
    expect((await attempt({ every: '1h' }, { maxConcurrency: 11 })).message).toMatch(/1 to 10/);
    expect((await attempt({ cron: '@daily', timeZone: 'Mars/Base' })).message).toMatch(
      /Unknown time zone 'Mars\/Base'/,
    );
    const list = await client.recurringRuns.list({ filter: { predicates: [] } });
    expect(list.items.some((r) => r.display_name === 'bad')).toBe(false);
  });
});

describeShared('client.recurringRuns against a KFP server', (shared) => {
  let server: RecordingServer;
  let client: Client;
  let chicago: PipelineSpec;

  const answer: PipelabRecurringRun = {
    recurring_run_id: 'rr-1',
    display_name: 'nightly',
    max_concurrency: '2',
    mode: 'ENABLE',
    status: 'ENABLED',
    created_at: CREATED,
    trigger: { cron_schedule: { cron: '0 0 3 * * *' } },
  };

  beforeAll(async () => {
    chicago = await loadPipelinePackage(
      path.join(shared, 'kfp/reference/chicago_pipeline.kfp-sdk-2.15.2.yaml'),
    );
  });

  beforeEach(async () => {
    server = await RecordingServer.start({ swagger: swaggerIfShared() });
    client = new Client({ endpoint: server.url, token: 'test-token', env: {} });
  });

  afterEach(async () => {
    const violations = [...server.violations];
    await server.close();
    expect(violations).toEqual([]);
  });

  /** kfp.Client writes int64 fields as numbers, grpc-gateway (and this client) as strings. */
  function int64AsText(body: unknown): unknown {
    const copy = structuredClone(body) as Record<string, unknown> & {
      trigger?: { periodic_schedule?: Record<string, unknown> };
    };
    if (copy.max_concurrency !== undefined) copy.max_concurrency = String(copy.max_concurrency);
    const periodic = copy.trigger?.periodic_schedule;
    if (periodic?.interval_second !== undefined) {
      periodic.interval_second = String(periodic.interval_second);
    }
    return copy;
  }

  it("sends kfp.Client's create_recurring_run requests (cron and periodic)", async () => {
    const reference = readReference(path.join(shared, 'kfp/reference/kfp_client_requests.txt'));
    server.on('POST', '/apis/v2beta1/recurringruns', { json: answer });
    await client.recurringRuns.create({
      displayName: 'nightly',
      description: 'cron job',
      experimentId: 'exp-1',
      pipelineSpec: chicago,
      parameters: { epochs: 5 },
      maxConcurrency: 2,
      noCatchup: true,
      trigger: {
        cron: '0 0 3 * * *',
        startTime: '2024-01-01T00:00:00Z',
        endTime: new Date('2025-01-01T00:00:00Z'),
      },
    });
    await client.recurringRuns.create({
      displayName: 'hourly',
      experimentId: 'exp-1',
      pipelineVersion: { pipelineId: 'pipe-1', versionId: 'ver-1' },
      trigger: { intervalSecond: 3600 },
      enabled: false,
    });
    const [cron, periodic] = server.requests;
    const theirs = (name: string) => {
      const request = reference.get(name)?.[0];
      if (request === undefined) throw new Error(`no reference for ${name}`);
      return { ...request, body: int64AsText(request.body) };
    };
    expect(cron?.json).toMatchObject({
      trigger: { cron_schedule: { end_time: '2025-01-01T00:00:00.000Z' } },
    });
    const endAsReference = structuredClone(cron?.json) as {
      trigger: { cron_schedule: { end_time: string } };
    };
    endAsReference.trigger.cron_schedule.end_time = '2025-01-01T00:00:00Z';
    expectSameRequest(
      { ...(cron as NonNullable<typeof cron>), json: endAsReference },
      theirs('create_recurring_run(cron)'),
      chicago,
    );
    expectSameRequest(
      periodic as NonNullable<typeof periodic>,
      theirs('create_recurring_run(periodic)'),
    );
  });

  it('lists (recurringRuns), enables, disables and deletes with KFP paths', async () => {
    server.on('GET', '/apis/v2beta1/recurringruns', {
      json: { recurringRuns: [answer], total_size: 1 },
    });
    server.on('POST', '/apis/v2beta1/recurringruns/{recurring_run_id}:enable', { json: {} });
    server.on('POST', '/apis/v2beta1/recurringruns/{recurring_run_id}:disable', { json: {} });
    server.on('DELETE', '/apis/v2beta1/recurringruns/{recurring_run_id}', { json: {} });
    const page = await client.recurringRuns.list({ experimentId: 'exp-1', pageSize: 10 });
    expect(page.items.map((r) => r.recurring_run_id)).toEqual(['rr-1']);
    expect(page.totalSize).toBe(1);
    await client.recurringRuns.enable('rr-1');
    await client.recurringRuns.disable('rr-1');
    await client.recurringRuns.delete('rr-1');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /apis/v2beta1/recurringruns',
      'POST /apis/v2beta1/recurringruns/rr-1:enable',
      'POST /apis/v2beta1/recurringruns/rr-1:disable',
      'DELETE /apis/v2beta1/recurringruns/rr-1',
    ]);
    expect(server.requests[0]?.query).toMatchObject({
      experiment_id: ['exp-1'],
      page_size: ['10'],
    });
  });

  it('says update is an engine addition, and previews here when the server cannot', async () => {
    const notFound = { status: 404, json: { code: 5, message: 'Not Found', details: [] } };
    server.on('PATCH', '/apis/v2beta1/recurringruns/{recurring_run_id}', notFound);
    server.on('POST', '/apis/v2beta1/recurringruns/{recurring_run_id}:update', notFound);
    server.on('POST', '/apis/v2beta1/recurringruns:preview', notFound);
    server.on('GET', '/apis/v2beta1/recurringruns/{recurring_run_id}', { json: answer });
    const refused = await client.recurringRuns
      .update('rr-1', { maxConcurrency: 3 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineOnlyError);
    expect((refused as Error).message).toMatch(/delete it and create it again/);
    const times = await client.recurringRuns.preview(
      { cron: '0 0 3 * * *' },
      { count: 2, from: '2026-03-01T00:00:00Z' },
    );
    expect(times.map((d) => d.toISOString())).toEqual([
      '2026-03-01T03:00:00.000Z',
      '2026-03-02T03:00:00.000Z',
    ]);
    const ofRun = await client.recurringRuns.preview('rr-1', {
      count: 1,
      from: '2026-03-01T04:00:00Z',
    });
    expect(ofRun.map((d) => d.toISOString())).toEqual(['2026-03-02T03:00:00.000Z']);
  });
});
