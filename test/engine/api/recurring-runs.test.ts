/**
 * RecurringRunService over HTTP: create, get, list (filter, sort, paging, by experiment),
 * enable, disable, delete as KFP answers them (every answer checked against the swagger, plus
 * the documented additions), and the engine's additions: edit in place (PATCH and `:update`),
 * the preview of fire times, archived experiments disabling their recurring runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../kernel-lib/src/engine/schedule';
import { FakeLauncher, nodePipeline, startTestEngine, type TestEngine } from './helpers';

const RECURRING = '/apis/v2beta1/recurringruns';

interface RecurringRun {
  recurring_run_id: string;
  display_name: string;
  description?: string;
  status: string;
  mode: string;
  max_concurrency: string;
  no_catchup?: boolean;
  experiment_id: string;
  trigger: {
    cron_schedule?: { cron: string; time_zone?: string; start_time?: string; end_time?: string };
    periodic_schedule?: { interval_second: string };
  };
  runtime_config?: { parameters?: Record<string, unknown>; pipeline_root?: string };
  pipeline_spec?: { pipelineInfo: { name: string } };
  pipeline_version_reference?: { pipeline_id: string; pipeline_version_id?: string };
  created_at: string;
  updated_at: string;
  next_fire_time?: string;
  max_consecutive_failures?: number;
  disabled_reason?: string;
}

const spec = nodePipeline(
  'api-pipeline',
  { work: { script: '' } },
  {
    parameters: {
      epochs: { parameterType: 'NUMBER_INTEGER', isOptional: true, defaultValue: 5 },
      day: { parameterType: 'STRING', isOptional: true, defaultValue: '' },
    },
  },
);

let t: TestEngine;
const clock = new FakeClock(new Date('2026-03-01T12:00:00Z'));

beforeAll(async () => {
  t = await startTestEngine({ launcher: new FakeLauncher(), clock });
});

afterAll(async () => {
  await t.close();
});

async function create(body: Record<string, unknown>): Promise<RecurringRun> {
  const res = await t.api.post<RecurringRun>(RECURRING, {
    display_name: 'api',
    pipeline_spec: spec,
    trigger: { cron_schedule: { cron: '0 0 3 * * *' } },
    max_concurrency: 1,
    ...body,
  });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

describe('RecurringRunService', () => {
  it('creates, gets and deletes a recurring run as KFP answers', async () => {
    const rr = await create({
      display_name: 'nightly',
      description: 'every night',
      max_concurrency: 2,
      no_catchup: true,
      mode: 'ENABLE',
      service_account: 'sa-1',
      runtime_config: { parameters: { epochs: 7, day: '[[ScheduledTime.2006-01-02]]' } },
      trigger: {
        cron_schedule: {
          cron: '0 0 3 * * *',
          start_time: '2026-01-01T00:00:00+01:00',
          end_time: '2027-01-01T00:00:00Z',
        },
      },
      max_consecutive_failures: 3,
    });
    expect(rr).toMatchObject({
      display_name: 'nightly',
      description: 'every night',
      max_concurrency: '2',
      no_catchup: true,
      mode: 'ENABLE',
      status: 'ENABLED',
      created_at: '2026-03-01T12:00:00Z',
      updated_at: '2026-03-01T12:00:00Z',
      trigger: {
        cron_schedule: {
          cron: '0 0 3 * * *',
          start_time: '2025-12-31T23:00:00Z',
          end_time: '2027-01-01T00:00:00Z',
        },
      },
      runtime_config: { parameters: { epochs: 7, day: '[[ScheduledTime.2006-01-02]]' } },
      pipeline_spec: { pipelineInfo: { name: 'api-pipeline' } },
      // Started in the past without catch-up: the latest missed time runs at once.
      next_fire_time: '2026-03-01T03:00:00Z',
      max_consecutive_failures: 3,
    });
    expect(rr.trigger.cron_schedule?.time_zone).toBeUndefined();
    expect(rr.pipeline_version_reference).toBeUndefined();
    await clock.advanceAsync(0);
    const got = await t.api.get<RecurringRun & { last_run: { scheduled_at: string } }>(
      `${RECURRING}/${rr.recurring_run_id}`,
    );
    expect(got.body).toMatchObject({
      next_fire_time: '2026-03-02T03:00:00Z',
      last_run: { scheduled_at: '2026-03-01T03:00:00Z', state: 'RUNNING' },
    });
    const { next_fire_time: _next, last_run: _last, ...unchanged } = got.body;
    const { next_fire_time: _created, ...asCreated } = rr;
    expect(unchanged).toEqual(asCreated);
    expect((await t.api.delete(`${RECURRING}/${rr.recurring_run_id}`)).status).toBe(200);
    const gone = await t.api.get<{ code: number }>(`${RECURRING}/${rr.recurring_run_id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe(5);
    expect((await t.api.delete(`${RECURRING}/${rr.recurring_run_id}`)).status).toBe(404);
    for (const verb of ['enable', 'disable']) {
      expect((await t.api.post(`${RECURRING}/${rr.recurring_run_id}:${verb}`)).status).toBe(404);
    }
  });

  it('lists with filter, sort, paging and experiment_id; the list field is recurringRuns', async () => {
    const experiment = await t.api.post<{ experiment_id: string }>('/apis/v2beta1/experiments', {
      display_name: 'listing',
    });
    const experimentId = experiment.body.experiment_id;
    const ids: string[] = [];
    for (const name of ['list-b', 'list-a', 'list-c']) {
      ids.push(
        (await create({ display_name: name, experiment_id: experimentId })).recurring_run_id,
      );
      await clock.advanceAsync(1000);
    }
    await t.api.post(`${RECURRING}/${ids[1]}:disable`);
    const page1 = await t.api.get<{
      recurringRuns: RecurringRun[];
      total_size: number;
      next_page_token: string;
    }>(RECURRING, { experiment_id: experimentId, page_size: '2', sort_by: 'display_name desc' });
    expect(page1.body.total_size).toBe(3);
    expect(page1.body.recurringRuns.map((r) => r.display_name)).toEqual(['list-c', 'list-b']);
    const page2 = await t.api.get<{ recurringRuns: RecurringRun[]; next_page_token?: string }>(
      RECURRING,
      { experiment_id: experimentId, page_size: '2', page_token: page1.body.next_page_token },
    );
    expect(page2.body.recurringRuns.map((r) => r.display_name)).toEqual(['list-a']);
    expect(page2.body.next_page_token).toBeUndefined();
    const disabled = await t.api.get<{ recurringRuns: RecurringRun[] }>(RECURRING, {
      filter: JSON.stringify({
        predicates: [{ key: 'status', operation: 'EQUALS', string_value: 'DISABLED' }],
      }),
    });
    expect(disabled.body.recurringRuns.map((r) => r.recurring_run_id)).toEqual([ids[1]]);
    const substring = await t.api.get<{ recurringRuns: RecurringRun[] }>(RECURRING, {
      filter: JSON.stringify({
        predicates: [{ key: 'display_name', operation: 'IS_SUBSTRING', stringValue: 'list-' }],
      }),
      sort_by: 'created_at',
    });
    expect(substring.body.recurringRuns.map((r) => r.display_name)).toEqual([
      'list-b',
      'list-a',
      'list-c',
    ]);
    const none = await t.api.get(RECURRING, { experiment_id: 'no-such' });
    expect(none.body).toEqual({});
    const badSort = await t.api.get<{ message: string }>(RECURRING, { sort_by: 'cron' });
    expect(badSort.status).toBe(400);
    expect(badSort.body.message).toMatch(/cannot sort on field "cron"/);
  });

  it('disables and enables, showing the next fire time only while enabled', async () => {
    const rr = await create({ trigger: { periodic_schedule: { interval_second: 3600 } } });
    expect(rr.next_fire_time).toBe(
      new Date(Date.parse(rr.created_at) + 3_600_000).toISOString().replace('.000', ''),
    );
    await t.api.post(`${RECURRING}/${rr.recurring_run_id}:disable`);
    const off = await t.api.get<RecurringRun>(`${RECURRING}/${rr.recurring_run_id}`);
    expect(off.body).toMatchObject({ status: 'DISABLED', mode: 'DISABLE' });
    expect(off.body.next_fire_time).toBeUndefined();
    await t.api.post(`${RECURRING}/${rr.recurring_run_id}:disable`); // again: no error
    await t.api.post(`${RECURRING}/${rr.recurring_run_id}:enable`);
    const on = await t.api.get<RecurringRun>(`${RECURRING}/${rr.recurring_run_id}`);
    expect(on.body).toMatchObject({ status: 'ENABLED', mode: 'ENABLE' });
    expect(on.body.next_fire_time).toBeDefined();
  });

  it('edits in place with PATCH or POST :update: only what is sent changes', async () => {
    const upload = await t.api.post<{ pipeline_id: string }>('/apis/v2beta1/pipelines/create', {
      pipeline: { name: 'editable' },
      pipeline_version: { pipeline_spec: spec },
    });
    const rr = await create({ runtime_config: { parameters: { epochs: 2 } } });
    const patched = await t.api.request<RecurringRun>(
      'PATCH',
      `${RECURRING}/${rr.recurring_run_id}`,
      {
        json: {
          display_name: 'renamed',
          trigger: { cron_schedule: { cron: '0 30 6 * * MON-FRI', time_zone: 'europe/paris' } },
          runtime_config: { parameters: { epochs: 9 }, pipeline_root: 'gs://bucket/root' },
          pipeline_version_reference: { pipeline_id: upload.body.pipeline_id },
        },
      },
    );
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({
      recurring_run_id: rr.recurring_run_id,
      display_name: 'renamed',
      max_concurrency: '1',
      trigger: { cron_schedule: { cron: '0 30 6 * * MON-FRI', time_zone: 'Europe/Paris' } },
      runtime_config: { parameters: { epochs: 9 }, pipeline_root: 'gs://bucket/root' },
      pipeline_version_reference: { pipeline_id: upload.body.pipeline_id },
      created_at: rr.created_at,
      next_fire_time: '2026-03-02T05:30:00Z',
    });
    expect(patched.body.pipeline_spec).toBeUndefined();
    const viaPost = await t.api.post<RecurringRun>(`${RECURRING}/${rr.recurring_run_id}:update`, {
      max_concurrency: '4',
      no_catchup: true,
      max_consecutive_failures: 0,
    });
    expect(viaPost.body).toMatchObject({
      display_name: 'renamed',
      max_concurrency: '4',
      no_catchup: true,
    });
    const parameters = await t.api.request<{ message: string }>(
      'PATCH',
      `${RECURRING}/${rr.recurring_run_id}`,
      { json: { runtime_config: { parameters: { epochz: 1 } } } },
    );
    expect(parameters.status).toBe(400);
    expect(parameters.body.message).toMatch(/has no parameter 'epochz'/);
    const otherId = await t.api.request<{ message: string }>(
      'PATCH',
      `${RECURRING}/${rr.recurring_run_id}`,
      { json: { recurring_run_id: 'another' } },
    );
    expect(otherId.status).toBe(400);
    expect((await t.api.request('PATCH', `${RECURRING}/no-such`, { json: {} })).status).toBe(404);
  });

  it('reads an empty time_zone as unset (UTC), as proto3 reads an empty string', async () => {
    const rr = await create({ trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: '' } } });
    expect(rr.trigger).toEqual({ cron_schedule: { cron: '0 0 3 * * *' } });
    expect(rr.next_fire_time).toBe('2026-03-02T03:00:00Z');
  });

  it('previews the next fire times of a trigger or of a recurring run', async () => {
    const preview = (body: unknown) =>
      t.api.post<{ fire_times?: string[]; message?: string }>(`${RECURRING}:preview`, body);
    const chicago = await preview({
      trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: 'America/Chicago' } },
      count: 3,
      from: '2026-03-07T00:00:00Z',
    });
    expect(chicago.body.fire_times).toEqual([
      '2026-03-07T09:00:00Z',
      '2026-03-08T08:00:00Z',
      '2026-03-09T08:00:00Z',
    ]);
    const periodic = await preview({
      trigger: {
        periodic_schedule: {
          interval_second: '5400',
          start_time: '2026-03-01T00:00:00Z',
          end_time: '2026-03-01T16:00:00Z',
        },
      },
    });
    expect(periodic.body.fire_times).toEqual(['2026-03-01T13:30:00Z', '2026-03-01T15:00:00Z']);
    const rr = await create({ trigger: { cron_schedule: { cron: '@every 2h' } } });
    const byId = await preview({ recurring_run_id: rr.recurring_run_id, count: 2 });
    expect(byId.body.fire_times).toHaveLength(2);
    const bad = await preview({ trigger: { cron_schedule: { cron: '0 0 3 * *' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/has 5 fields/);
    const tooMany = await preview({
      trigger: { periodic_schedule: { interval_second: 60 } },
      count: 5000,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toMatch(/count must be a whole number from 1 to 1000/);
    expect((await preview({ recurring_run_id: 'no-such' })).status).toBe(404);
  });

  it('archiving an experiment disables its recurring runs; enabling waits for the unarchive', async () => {
    const experiment = await t.api.post<{ experiment_id: string }>('/apis/v2beta1/experiments', {
      display_name: 'archived-later',
    });
    const id = experiment.body.experiment_id;
    const rr = await create({ experiment_id: id });
    await t.api.post(`/apis/v2beta1/experiments/${id}:archive`);
    const after = await t.api.get<RecurringRun>(`${RECURRING}/${rr.recurring_run_id}`);
    expect(after.body.status).toBe('DISABLED');
    expect(after.body.disabled_reason).toMatch(/was archived/);
    const refused = await t.api.post<{ code: number }>(
      `${RECURRING}/${rr.recurring_run_id}:enable`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(9);
    const inArchived = await t.api.post<{ code: number }>(RECURRING, {
      display_name: 'x',
      pipeline_spec: spec,
      experiment_id: id,
      trigger: { periodic_schedule: { interval_second: 60 } },
    });
    expect(inArchived.status).toBe(400);
    expect(inArchived.body.code).toBe(9);
    await t.api.post(`/apis/v2beta1/experiments/${id}:unarchive`);
    expect((await t.api.post(`${RECURRING}/${rr.recurring_run_id}:enable`)).status).toBe(200);
  });
});
