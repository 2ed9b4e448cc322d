/**
 * Recurring runs refuse bad input with 400 INVALID_ARGUMENT, naming the field at fault (a
 * google.rpc.BadRequest field violation) and saying how to fix it. Nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeLauncher,
  nodePipeline,
  startTestEngine,
  type ApiResponse,
  type TestEngine,
} from './helpers';

const RECURRING = '/apis/v2beta1/recurringruns';

interface Status {
  code: number;
  message: string;
  details: { '@type': string; field_violations?: { field: string }[]; reason?: string }[];
}

const spec = nodePipeline(
  'bad-input',
  { work: { script: '' } },
  {
    parameters: { epochs: { parameterType: 'NUMBER_INTEGER', isOptional: true, defaultValue: 5 } },
  },
);

let t: TestEngine;
let pipelineId: string;

beforeAll(async () => {
  t = await startTestEngine({ launcher: new FakeLauncher() });
  const created = await t.api.post<{ pipeline_id: string }>('/apis/v2beta1/pipelines/create', {
    pipeline: { name: 'bad-input' },
    pipeline_version: { pipeline_spec: spec },
  });
  pipelineId = created.body.pipeline_id;
});

afterAll(async () => {
  await t.close();
});

/** Creates a recurring run from a valid body with `change` applied. */
function create(change: Record<string, unknown>): Promise<ApiResponse<Status>> {
  return t.api.post<Status>(RECURRING, {
    display_name: 'bad',
    pipeline_spec: spec,
    trigger: { cron_schedule: { cron: '0 0 3 * * *' } },
    max_concurrency: '1',
    ...change,
  });
}

async function expectRefused(
  res: ApiResponse<Status>,
  field: string,
  message: RegExp,
  code = 3,
): Promise<void> {
  expect(res.status, res.text).toBe(400);
  expect(res.body.code).toBe(code);
  expect(res.body.message).toMatch(message);
  const violations = res.body.details.flatMap((d) => d.field_violations ?? []);
  expect(violations.map((v) => v.field)).toContain(field);
  const list = await t.api.get<{ total_size?: number }>(RECURRING);
  expect(list.body.total_size ?? 0).toBe(0);
}

describe('recurring runs refuse bad input with a 400 that says how to fix it', () => {
  it('a 5-field cron: KFP has a seconds field first', async () => {
    const res = await create({ trigger: { cron_schedule: { cron: '0 3 * * *' } } });
    await expectRefused(
      res,
      'recurring_run.trigger.cron_schedule.cron',
      /5 fields, but KFP's cron has a seconds field first: write '0 0 3 \* \* \*'/,
    );
  });

  it.each([
    ['a value out of range', '0 0 25 * * *', /hour/],
    ['a month out of range', '0 0 3 * 13 *', /month/],
    ['an unknown day name', '0 0 3 * * MON-XYZ', /day-of-week|XYZ/],
    ['a range backwards', '0 0 5-3 * * *', /5-3|range/],
  ])('an invalid cron field: %s', async (_what, cron, message) => {
    const res = await create({ trigger: { cron_schedule: { cron } } });
    await expectRefused(res, 'recurring_run.trigger.cron_schedule.cron', message);
  });

  it.each([['0'], ['-3600']])('an interval of %s seconds', async (interval) => {
    const res = await create({ trigger: { periodic_schedule: { interval_second: interval } } });
    await expectRefused(
      res,
      'recurring_run.trigger.periodic_schedule.interval_second',
      /at least 1 \(e\.g\. 3600 for hourly/,
    );
  });

  it('an end before the start', async () => {
    const res = await create({
      trigger: {
        periodic_schedule: {
          interval_second: '60',
          start_time: '2026-05-01T00:00:00Z',
          end_time: '2026-04-01T00:00:00Z',
        },
      },
    });
    await expectRefused(
      res,
      'recurring_run.trigger.periodic_schedule.end_time',
      /is not after .*start_time.*move end_time later/,
    );
  });

  it.each([['0'], ['11']])('max_concurrency %s', async (value) => {
    const res = await create({ max_concurrency: value });
    await expectRefused(res, 'recurring_run.max_concurrency', /from 1 to 10/);
  });

  it('an unknown time zone, with a suggestion', async () => {
    const res = await create({
      trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: 'America/Chicgo' } },
    });
    await expectRefused(
      res,
      'recurring_run.trigger.cron_schedule.time_zone',
      /Unknown time zone 'America\/Chicgo': did you mean 'America\/Chicago'/,
    );
  });

  it('an unknown pipeline', async () => {
    const res = await create({
      pipeline_spec: undefined,
      pipeline_version_reference: { pipeline_id: 'no-such-pipeline' },
    });
    await expectRefused(
      res,
      'recurring_run.pipeline_version_reference.pipeline_id',
      /there is no pipeline 'no-such-pipeline'.*GET \/apis\/v2beta1\/pipelines lists them/,
    );
  });

  it('an unknown pipeline version', async () => {
    const res = await create({
      pipeline_spec: undefined,
      pipeline_version_reference: { pipeline_id: pipelineId, pipeline_version_id: 'no-such' },
    });
    await expectRefused(
      res,
      'recurring_run.pipeline_version_reference.pipeline_version_id',
      /there is no pipeline version 'no-such'.*or leave it out to run the pipeline's latest version/,
    );
  });

  it('an unknown experiment', async () => {
    const res = await create({ experiment_id: 'no-such-experiment' });
    await expectRefused(
      res,
      'recurring_run.experiment_id',
      /there is no experiment 'no-such-experiment'.*leave it empty for the Default experiment/,
    );
  });

  it('a parameter the pipeline does not declare', async () => {
    const res = await create({ runtime_config: { parameters: { epochs: 3, epoch: 4 } } });
    await expectRefused(
      res,
      'recurring_run.runtime_config.parameters.epoch',
      /has no parameter 'epoch'; its parameters are epochs/,
    );
  });

  it('a parameter of the wrong type, after the macros are substituted', async () => {
    const res = await create({ runtime_config: { parameters: { epochs: '[[Index]]' } } });
    await expectRefused(
      res,
      'recurring_run.runtime_config.parameters.epochs',
      /must be an integer/,
    );
  });

  it('no trigger, no pipeline, no name', async () => {
    await expectRefused(
      await create({ trigger: undefined }),
      'recurring_run.trigger',
      /trigger is required: set cron_schedule/,
    );
    await expectRefused(
      await create({ pipeline_spec: undefined }),
      'recurring_run.pipeline_version_reference',
      /needs a pipeline: set recurring_run.pipeline_version_reference/,
    );
    await expectRefused(
      await create({ display_name: ' ' }),
      'recurring_run.display_name',
      /display_name is required/,
    );
  });

  it('an edit that breaks the rules is refused the same way, and changes nothing', async () => {
    const ok = await create({});
    expect(ok.status).toBe(200);
    const id = (ok.body as unknown as { recurring_run_id: string }).recurring_run_id;
    const res = await t.api.request<Status>('PATCH', `${RECURRING}/${id}`, {
      json: { trigger: { cron_schedule: { cron: '0 3 * * *' } }, display_name: 'renamed' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/seconds field first/);
    const after = await t.api.get<{ display_name: string }>(`${RECURRING}/${id}`);
    expect(after.body.display_name).toBe('bad');
    await t.api.delete(`${RECURRING}/${id}`);
  });
});
