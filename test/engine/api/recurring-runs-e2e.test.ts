/**
 * End to end, on the real clock and the real runner: a pipeline compiled from the DSL (one
 * `node -e` task), scheduled through the HTTP API every second, fires real runs that succeed,
 * each knowing its scheduled time — through `{{$.pipeline_job_schedule_time_utc}}` and the
 * `[[ScheduledTime]]` macro.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compile } from '../../../kernel-lib/src/compiler/build';
import { containerComponent, param, pipeline } from '../../../kernel-lib/src/dsl';
import { eventually, startTestEngine, type TestEngine } from './helpers';

const stamp = containerComponent({
  name: 'stamp',
  inputs: { when: param.string() },
  image: 'node:20',
  command: ['node', '-e'],
  args: ({ inputs }) => [
    "console.log('scheduled ' + process.argv[1] + ' macro ' + process.argv[2])",
    '{{$.pipeline_job_schedule_time_utc}}',
    inputs.when,
  ],
});

const stamped = pipeline(
  { name: 'stamped', params: { when: param.string({ default: 'never' }) } },
  ({ when }) => {
    stamp({ when });
  },
);

interface Run {
  run_id: string;
  state: string;
  scheduled_at: string;
  created_at: string;
  run_details?: { task_details?: { task_id: string; display_name: string }[] };
}

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine();
});

afterAll(async () => {
  await t.close();
});

it('fires real runs of a compiled pipeline every second, each knowing its scheduled time', async () => {
  const created = await t.api.post<{ recurring_run_id: string }>('/apis/v2beta1/recurringruns', {
    display_name: 'every second',
    pipeline_spec: compile(stamped),
    trigger: { periodic_schedule: { interval_second: '1' } },
    max_concurrency: '1',
    runtime_config: { parameters: { when: '[[ScheduledTime.2006-01-02T15:04:05Z07:00]]' } },
  });
  expect(created.status, created.text).toBe(200);
  const id = created.body.recurring_run_id;
  const filter = JSON.stringify({
    predicates: [{ key: 'recurring_run_id', operation: 'EQUALS', string_value: id }],
  });
  const succeeded = await eventually(
    async () => {
      const res = await t.api.get<{ runs?: Run[] }>('/apis/v2beta1/runs', {
        filter,
        sort_by: 'scheduled_at',
      });
      const done = (res.body.runs ?? []).filter((r) => r.state === 'SUCCEEDED');
      return done.length >= 2 ? done : undefined;
    },
    15_000,
    'two scheduled runs to succeed',
  );
  await t.api.post(`/apis/v2beta1/recurringruns/${id}:disable`);
  const [first, second] = succeeded;
  const gap = Date.parse(second?.scheduled_at ?? '') - Date.parse(first?.scheduled_at ?? '');
  expect(gap % 1000).toBe(0);
  expect(gap).toBeGreaterThanOrEqual(1000);
  for (const run of succeeded) {
    expect(run.scheduled_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(run.created_at) - Date.parse(run.scheduled_at)).toBeLessThan(1000);
    const log = await t.api.get(`/apis/v2beta1/runs/${run.run_id}/tasks/stamp/logs`);
    expect(log.text).toContain(`scheduled ${run.scheduled_at} macro ${run.scheduled_at}`);
  }
});
