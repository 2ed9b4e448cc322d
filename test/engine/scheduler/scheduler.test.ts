/**
 * The scheduler in the engine, on a fake clock: days of schedule in milliseconds. Recurring runs
 * are created through the HTTP API; runs are those of a fake launcher that end when the test
 * says (or at once), so concurrency and failures are the test's to arrange.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClockedEngine, DAY, HOUR, paramSpec, times } from './helpers';

let engine: ClockedEngine | undefined;

async function start(at: string, options = {}): Promise<ClockedEngine> {
  engine = await ClockedEngine.start(at, options);
  return engine;
}

afterEach(async () => {
  await engine?.dispose();
  engine = undefined;
});

describe('the scheduler', () => {
  it('fires a periodic schedule on its grid, one run per fire time, named and stamped as KFP does', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    e.launcher.autoFinish = 'SUCCEEDED';
    const rr = await e.create({
      display_name: 'hourly',
      trigger: { periodic_schedule: { interval_second: '3600' } },
      runtime_config: {
        parameters: { when: '[[ScheduledTime]]', note: 'run [[Index]] [[RunUUID]]', epochs: 3 },
      },
    });
    expect(rr.next_fire_time).toBe('2026-03-01T01:00:00Z');
    await e.advance(3 * DAY);
    const runs = await e.runsOf(rr.recurring_run_id);
    expect(runs.map((r) => new Date(r.scheduled_at).toISOString())).toEqual(
      times('2026-03-01T01:00:00Z', HOUR, 72),
    );
    // Created at the very instant they were due (the fake clock does not drift).
    expect(runs.every((r) => r.created_at === r.scheduled_at)).toBe(true);
    expect(runs.every((r) => r.state === 'SUCCEEDED')).toBe(true);
    // KFP's workflow name: <name>-<index>-<FNV-1a 32 of "<name>-<index>">.
    expect(runs[0]?.display_name).toBe('hourly-1-1788412146');
    expect(runs[2]?.display_name).toMatch(/^hourly-3-\d+$/);
    expect(runs[1]?.runtime_config?.parameters).toEqual({
      when: '20260301020000',
      note: `run 2 ${runs[1]?.run_id ?? ''}`,
      epochs: 3,
    });
    // The runner is told the scheduled time ({{$.pipeline_job_schedule_time_utc}}).
    const launched = e.launcher.launches.map((l) => l.request.scheduleTime.toISOString());
    expect(launched.slice(0, 2)).toEqual(['2026-03-01T01:00:00.000Z', '2026-03-01T02:00:00.000Z']);
    const after = await e.get(rr.recurring_run_id);
    expect(after.next_fire_time).toBe('2026-03-04T01:00:00Z');
    expect(after.last_run).toMatchObject({
      state: 'SUCCEEDED',
      scheduled_at: '2026-03-04T00:00:00Z',
    });
  });

  it('fires a cron only within its window: after start_time, up to end_time', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    e.launcher.autoFinish = 'SUCCEEDED';
    const rr = await e.create({
      trigger: {
        cron_schedule: {
          cron: '0 0 3 * * *',
          start_time: '2026-03-02T03:00:00Z',
          end_time: '2026-03-05T03:00:00Z',
        },
      },
    });
    await e.advance(7 * DAY);
    expect(await e.scheduledTimes(rr.recurring_run_id)).toEqual([
      '2026-03-03T03:00:00.000Z',
      '2026-03-04T03:00:00.000Z',
      '2026-03-05T03:00:00.000Z',
    ]);
    const after = await e.get(rr.recurring_run_id);
    expect(after.status).toBe('ENABLED');
    expect(after.next_fire_time).toBeUndefined();
  });

  it('catches up every missed fire time after an outage, oldest first, max_concurrency at a time', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    const rr = await e.create({
      trigger: { periodic_schedule: { interval_second: '3600' } },
      max_concurrency: '2',
    });
    await e.advance(HOUR + 60_000);
    expect(await e.finishAll()).toBe(1);
    await e.down();
    await e.clock.advanceAsync(5 * HOUR); // the engine is down from 01:01 to 06:01
    await e.up();
    const waves: string[][] = [];
    for (let wave = 0; wave < 4; wave++) {
      const active = e.launcher.active();
      expect(active.length).toBeLessThanOrEqual(2);
      if (active.length === 0) break;
      waves.push(active.map((r) => r.request.scheduleTime.toISOString()));
      await e.finishAll();
    }
    expect(waves).toEqual([
      ['2026-03-01T02:00:00.000Z', '2026-03-01T03:00:00.000Z'],
      ['2026-03-01T04:00:00.000Z', '2026-03-01T05:00:00.000Z'],
      ['2026-03-01T06:00:00.000Z'],
    ]);
    await e.advanceTo('2026-03-01T07:00:00Z');
    expect(e.launcher.active().map((r) => r.request.scheduleTime.toISOString())).toEqual([
      '2026-03-01T07:00:00.000Z',
    ]);
    expect(await e.scheduledTimes(rr.recurring_run_id)).toEqual(
      times('2026-03-01T01:00:00Z', HOUR, 7),
    );
  });

  it('with no_catchup, starts only the latest missed fire time after an outage', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    e.launcher.autoFinish = 'SUCCEEDED';
    const rr = await e.create({
      trigger: { periodic_schedule: { interval_second: '3600' } },
      no_catchup: true,
      max_concurrency: '3',
    });
    await e.advance(HOUR + 60_000);
    await e.down();
    await e.clock.advanceAsync(5 * HOUR);
    await e.up();
    e.launcher.autoFinish = 'SUCCEEDED';
    await e.advanceTo('2026-03-01T07:30:00Z');
    expect(await e.scheduledTimes(rr.recurring_run_id)).toEqual([
      '2026-03-01T01:00:00.000Z',
      '2026-03-01T06:00:00.000Z',
      '2026-03-01T07:00:00.000Z',
    ]);
  });

  it('never has more than max_concurrency runs of a schedule active: slow runs hold their slots', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    const rr = await e.create({
      trigger: { periodic_schedule: { interval_second: '60' } },
      max_concurrency: '3',
    });
    await e.advance(10 * 60_000);
    expect(e.launcher.launches).toHaveLength(3);
    expect((await e.get(rr.recurring_run_id)).next_fire_time).toBe('2026-03-01T00:04:00Z');
    e.launcher.launches[1]?.finish('SUCCEEDED');
    await e.settle();
    // The slot went to the oldest missed time, at once.
    expect(e.launcher.launches).toHaveLength(4);
    expect(e.launcher.launches[3]?.request.scheduleTime.toISOString()).toBe(
      '2026-03-01T00:04:00.000Z',
    );
    expect(e.launcher.active()).toHaveLength(3);
    await e.advance(HOUR);
    expect(e.launcher.launches).toHaveLength(4);
  });

  it('keeps a cron at 03:00 in Chicago across both daylight-saving changes', async () => {
    const e = await start('2026-03-06T00:00:00Z');
    e.launcher.autoFinish = 'SUCCEEDED';
    const rr = await e.create({
      trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: 'America/Chicago' } },
      runtime_config: { parameters: { when: '[[ScheduledTime.2006-01-02 15:04 MST]]' } },
    });
    expect(rr.trigger.cron_schedule?.time_zone).toBe('America/Chicago');
    await e.advanceTo('2026-03-10T12:00:00Z');
    const spring = await e.runsOf(rr.recurring_run_id);
    expect(spring.map((r) => new Date(r.scheduled_at).toISOString())).toEqual([
      '2026-03-06T09:00:00.000Z',
      '2026-03-07T09:00:00.000Z',
      '2026-03-08T08:00:00.000Z', // CDT from 02:00 that day
      '2026-03-09T08:00:00.000Z',
      '2026-03-10T08:00:00.000Z',
    ]);
    expect(spring[2]?.runtime_config?.parameters?.when).toBe('2026-03-08 03:00 CDT');
    await e.set(rr.recurring_run_id, 'disable');
    await e.advanceTo('2026-10-30T12:00:00Z');
    await e.set(rr.recurring_run_id, 'enable');
    await e.advanceTo('2026-11-02T12:00:00Z');
    const autumn = (await e.scheduledTimes(rr.recurring_run_id)).slice(5);
    expect(autumn).toEqual([
      '2026-10-31T08:00:00.000Z',
      '2026-11-01T09:00:00.000Z', // CST again from 02:00 that day
      '2026-11-02T09:00:00.000Z',
    ]);
  });

  it('does not backfill the period a recurring run was disabled (nor before a disabled creation)', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    e.launcher.autoFinish = 'SUCCEEDED';
    const rr = await e.create({ trigger: { periodic_schedule: { interval_second: '3600' } } });
    const later = await e.create({
      display_name: 'created disabled',
      trigger: { periodic_schedule: { interval_second: '3600' } },
      mode: 'DISABLE',
    });
    expect(later.status).toBe('DISABLED');
    expect(later.next_fire_time).toBeUndefined();
    await e.advanceTo('2026-03-01T01:30:00Z');
    await e.set(rr.recurring_run_id, 'disable');
    await e.advanceTo('2026-03-01T06:30:00Z');
    await e.set(rr.recurring_run_id, 'enable');
    await e.set(later.recurring_run_id, 'enable');
    expect(e.launcher.launches).toHaveLength(1);
    expect((await e.get(rr.recurring_run_id)).next_fire_time).toBe('2026-03-01T07:00:00Z');
    await e.advanceTo('2026-03-01T07:30:00Z');
    expect(await e.scheduledTimes(rr.recurring_run_id)).toEqual([
      '2026-03-01T01:00:00.000Z',
      '2026-03-01T07:00:00.000Z',
    ]);
    expect(await e.scheduledTimes(later.recurring_run_id)).toEqual(['2026-03-01T07:00:00.000Z']);
  });

  it('goes on with a catch-up after a restart in the middle of it: no run twice, none missed', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    const rr = await e.create({
      trigger: { periodic_schedule: { interval_second: '3600' } },
      max_concurrency: '2',
      max_consecutive_failures: 1,
    });
    await e.advance(HOUR);
    await e.finishAll();
    await e.down();
    await e.clock.advanceAsync(6 * HOUR); // down from 01:00 to 07:00: 02:00..07:00 missed
    await e.up();
    expect(e.launcher.active()).toHaveLength(2);
    e.launcher.active()[0]?.finish('SUCCEEDED'); // 02:00 done; 04:00 starts next to 03:00
    await e.settle();
    expect(e.launcher.active().map((r) => r.request.scheduleTime.getUTCHours())).toEqual([3, 4]);
    await e.down(); // 03:00 and 04:00 are stopped by the shutdown
    await e.up();
    const resumed: number[] = [];
    while (e.launcher.active().length > 0) {
      resumed.push(...e.launcher.active().map((r) => r.request.scheduleTime.getUTCHours()));
      await e.finishAll();
    }
    expect(resumed).toEqual([5, 6, 7]);
    const runs = await e.runsOf(rr.recurring_run_id);
    expect(runs.map((r) => new Date(r.scheduled_at).getUTCHours())).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(runs.filter((r) => r.state === 'FAILED').map((r) => r.error?.code)).toEqual([10, 10]);
    // Runs the engine stopped are not the pipeline's failures.
    const after = await e.get(rr.recurring_run_id);
    expect(after.status).toBe('ENABLED');
    expect(after.consecutive_failures).toBeUndefined();
  });

  it('disables itself after max_consecutive_failures failed runs in a row, saying why', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    const rr = await e.create({
      trigger: { periodic_schedule: { interval_second: '3600' } },
      max_consecutive_failures: 2,
    });
    const fire = async (state: 'SUCCEEDED' | 'FAILED') => {
      await e.advance(HOUR);
      await e.finishAll(state);
    };
    await fire('FAILED');
    expect((await e.get(rr.recurring_run_id)).consecutive_failures).toBe(1);
    await fire('SUCCEEDED');
    expect((await e.get(rr.recurring_run_id)).consecutive_failures).toBeUndefined();
    await fire('FAILED');
    await fire('FAILED');
    const disabled = await e.get(rr.recurring_run_id);
    const last = (await e.runsOf(rr.recurring_run_id)).at(-1);
    expect(disabled).toMatchObject({
      status: 'DISABLED',
      mode: 'DISABLE',
      consecutive_failures: 2,
    });
    expect(disabled.disabled_reason).toContain('Disabled after 2 failed runs in a row');
    expect(disabled.disabled_reason).toContain(last?.run_id ?? '?');
    await e.advance(5 * HOUR);
    expect(e.launcher.launches).toHaveLength(4);
    await e.set(rr.recurring_run_id, 'enable');
    const enabled = await e.get(rr.recurring_run_id);
    expect(enabled.disabled_reason).toBeUndefined();
    expect(enabled.consecutive_failures).toBeUndefined();
  });

  it('runs the latest version of a pipeline at each fire, unless a version is pinned', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    e.launcher.autoFinish = 'SUCCEEDED';
    const created = await e.api.post<{ pipeline_id: string }>('/apis/v2beta1/pipelines/create', {
      pipeline: { name: 'evolving' },
      pipeline_version: { name: 'v1', pipeline_spec: paramSpec('evolving') },
    });
    const pipelineId = created.body.pipeline_id;
    const versions = await e.api.get<{ pipeline_versions: { pipeline_version_id: string }[] }>(
      `/apis/v2beta1/pipelines/${pipelineId}/versions`,
    );
    const v1 = versions.body.pipeline_versions[0]?.pipeline_version_id ?? '';
    const trigger = { periodic_schedule: { interval_second: '3600' } };
    const latest = await e.create({
      trigger,
      pipeline_version_reference: { pipeline_id: pipelineId },
    });
    const pinned = await e.create({
      trigger,
      pipeline_version_reference: { pipeline_id: pipelineId, pipeline_version_id: v1 },
    });
    expect(latest.pipeline_version_reference).toEqual({ pipeline_id: pipelineId });
    await e.advance(HOUR);
    const v2 = await e.api.post<{ pipeline_version_id: string }>(
      `/apis/v2beta1/pipelines/${pipelineId}/versions`,
      { name: 'v2', pipeline_spec: paramSpec('evolving') },
    );
    expect(v2.status).toBe(200);
    await e.advance(HOUR);
    const versionsRun = async (id: string) =>
      (await e.runsOf(id)).map((r) => r.pipeline_version_reference?.pipeline_version_id);
    expect(await versionsRun(latest.recurring_run_id)).toEqual([v1, v2.body.pipeline_version_id]);
    expect(await versionsRun(pinned.recurring_run_id)).toEqual([v1, v1]);
    // A pinned version that is deleted: the fire records a FAILED run saying why, and counts.
    await e.api.delete(`/apis/v2beta1/pipelines/${pipelineId}/versions/${v1}`);
    await e.advance(HOUR);
    const failed = (await e.runsOf(pinned.recurring_run_id)).at(-1);
    expect(failed?.state).toBe('FAILED');
    expect(failed?.error?.message).toMatch(/pinned pipeline version .* no longer exists/);
    expect((await e.get(pinned.recurring_run_id)).consecutive_failures).toBe(1);
  });

  it('takes an edit of its trigger and concurrency without touching the runs in flight', async () => {
    const e = await start('2026-03-01T00:00:00Z');
    const rr = await e.create({ trigger: { periodic_schedule: { interval_second: '3600' } } });
    await e.advance(HOUR + 5 * 60_000); // 01:05, the 01:00 run is going
    const inFlight = e.launcher.active()[0];
    const res = await e.api.request('PATCH', `/apis/v2beta1/recurringruns/${rr.recurring_run_id}`, {
      json: { trigger: { periodic_schedule: { interval_second: '600' } }, max_concurrency: '2' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      max_concurrency: '2',
      next_fire_time: '2026-03-01T01:10:00Z',
    });
    await e.settle();
    expect(inFlight?.request.signal.aborted).toBe(false);
    expect(inFlight?.ended).toBe(false);
    await e.advanceTo('2026-03-01T01:25:00Z');
    expect(e.launcher.launches.map((l) => l.request.scheduleTime.toISOString())).toEqual([
      '2026-03-01T01:00:00.000Z',
      '2026-03-01T01:10:00.000Z',
    ]);
  });

  it('calls the daily hook once a day at 00:05 in its time zone, and survives a failing one', async () => {
    const ticks: { at: string; day: string }[] = [];
    const logged: string[] = [];
    const e = await start('2026-03-01T00:00:00Z', {
      dailyTickTimeZone: 'America/Chicago',
      log: (message: string) => logged.push(message),
      onDailyTick: ({ at, day }: { at: Date; day: string }) => {
        ticks.push({ at: at.toISOString(), day });
        if (ticks.length === 2) throw new Error('the warehouse is locked');
        return Promise.resolve();
      },
    });
    await e.advance(3 * DAY);
    expect(ticks).toEqual([
      { at: '2026-03-01T06:05:00.000Z', day: '2026-03-01' },
      { at: '2026-03-02T06:05:00.000Z', day: '2026-03-02' },
      { at: '2026-03-03T06:05:00.000Z', day: '2026-03-03' },
    ]);
    expect(logged.some((m) => m.includes('the warehouse is locked'))).toBe(true);
  });
});
