/**
 * The embedded engine's "done when", end to end over its HTTP API: a pipeline written with the
 * DSL — container components (`node -e`) and function components, one logging metrics — is
 * compiled, uploaded (multipart), run; task states, output parameters, the Metrics artifact and a
 * task's log are read back; a second run is all cache hits; a long run is terminated and its
 * process tree is gone; and an engine killed with SIGKILL in the middle of a run (in a child
 * process) starts again with the run closed and the finished task's outputs intact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineToYaml } from '../../kernel-lib/src/compiler/yaml';
import {
  containerComponent,
  Dataset,
  functionComponent,
  Metrics,
  param,
  pipeline,
} from '../../kernel-lib/src/dsl';
import {
  eventually,
  filesBelow,
  isAlive,
  spawnEngineProcess,
  startTestEngine,
  tempDir,
  type Api,
  type EngineProcess,
  type TestEngine,
} from '../engine/api/helpers';
import { compileChecked as compile } from '../support/compile';

interface Task {
  task_id: string;
  display_name: string;
  state: string;
  error?: { message: string };
  outputs?: Record<string, { artifact_ids: string[] }>;
}
interface Run {
  run_id: string;
  state: string;
  error?: { message: string };
  state_history: { state: string }[];
  run_details?: { task_details?: Task[] };
}

const RUNS = '/apis/v2beta1/runs';

/** Writes `days` daily totals, one per line (a container component: `node -e`). */
const generate = containerComponent({
  name: 'generate',
  inputs: { days: param.integer() },
  outputs: { data: Dataset },
  image: 'node:20-slim',
  command: [
    'node',
    '-e',
    `const fs = require('fs'), p = require('path');
     const [days, out] = process.argv.slice(1);
     const rows = Array.from({ length: Number(days) }, (_, i) => String(100 + ((i * 37) % 23)));
     fs.mkdirSync(p.dirname(out), { recursive: true });
     fs.writeFileSync(out, rows.join('\\n') + '\\n');
     console.log('generated ' + days + ' days');`,
    '--',
  ],
  args: ({ inputs, outputs }) => [inputs.days, outputs.data.path],
});

/** Scores the naive forecast "mean of the previous `window` days" (a function component). */
const evaluate = functionComponent({
  name: 'evaluate',
  inputs: { data: Dataset, window: param.integer({ default: 7 }) },
  outputs: { metrics: Metrics },
  returns: param.double(),
  fn: async ({ data, window }, { metrics }) => {
    const fs = require('node:fs') as typeof import('node:fs');
    const values = (await fs.promises.readFile(data.path, 'utf8')).trim().split('\n').map(Number);
    let squares = 0;
    for (let i = window; i < values.length; i++) {
      const mean = values.slice(i - window, i).reduce((a, b) => a + b, 0) / window;
      squares += ((values[i] ?? 0) - mean) ** 2;
    }
    const rmse = Math.round(Math.sqrt(squares / (values.length - window)) * 1000) / 1000;
    metrics.logMetric('rmse', rmse);
    metrics.logMetric('days', values.length);
    console.log(`rmse over ${values.length} days: ${rmse}`);
    return rmse;
  },
});

/** Prints the score (a container component reading an upstream output parameter). */
const report = containerComponent({
  name: 'report',
  inputs: { rmse: param.double() },
  image: 'node:20-slim',
  command: ['node', '-e', "console.log('the model scores ' + process.argv[1])", '--'],
  args: ({ inputs }) => [inputs.rmse],
});

const forecast = pipeline(
  { name: 'e2e-forecast', params: { days: param.integer({ default: 30 }) } },
  ({ days }) => {
    const data = generate({ days });
    const scored = evaluate({ data: data.outputs.data });
    report({ rmse: scored.outputs.Output });
  },
);

/** Sleeps (with a child process of its own), after writing its pids and half an output. */
function sleeper(marker: string) {
  const nap = containerComponent({
    name: 'nap',
    inputs: { data: Dataset },
    outputs: { out: Dataset },
    image: 'node:20-slim',
    command: [
      'node',
      '-e',
      `const fs = require('fs'), p = require('path');
       const [out, marker] = process.argv.slice(1);
       fs.mkdirSync(p.dirname(out), { recursive: true });
       fs.writeFileSync(out, 'half');
       const child = require('child_process').spawn('sleep', ['60'], { stdio: 'ignore' });
       fs.writeFileSync(marker, process.pid + ' ' + child.pid);
       setInterval(() => {}, 1000);`,
      '--',
    ],
    args: ({ outputs }) => [outputs.out.path, marker],
  });
  return pipeline({ name: 'e2e-sleeper' }, () => {
    const data = generate({ days: 3 });
    nap({ data: data.outputs.data });
  });
}

const tasksOf = (run: Run): Record<string, Task> =>
  Object.fromEntries((run.run_details?.task_details ?? []).map((t) => [t.display_name, t]));

function finalRun(api: Api, id: string): Promise<Run> {
  return eventually(
    async () => {
      const run = (await api.get<Run>(`${RUNS}/${id}`)).body;
      return ['SUCCEEDED', 'FAILED', 'CANCELED'].includes(run.state) ? run : undefined;
    },
    20_000,
    `run ${id} to end`,
  );
}

describe('the embedded engine end to end', () => {
  const scratch = tempDir('pipelab-e2e-engine-');
  let t: TestEngine;
  let api: Api;

  beforeAll(async () => {
    t = await startTestEngine({});
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('uploads a compiled pipeline, runs it, reads its results, and reruns it from the cache', async () => {
    const yaml = pipelineToYaml(compile(forecast));
    const uploaded = await api.upload<{ pipeline_id: string }>(
      '/apis/v2beta1/pipelines/upload',
      { name: 'forecast.yaml', content: yaml },
      { name: 'forecast' },
    );
    expect(uploaded.status, uploaded.text).toBe(200);
    const runOnce = async (name: string): Promise<Run> => {
      const created = await api.post<Run>(RUNS, {
        display_name: name,
        pipeline_version_reference: { pipeline_id: uploaded.body.pipeline_id },
        runtime_config: { parameters: { days: 40 } },
      });
      expect(created.status, created.text).toBe(200);
      return finalRun(api, created.body.run_id);
    };

    const run = await runOnce('first');
    expect(run.state, JSON.stringify(run.error)).toBe('SUCCEEDED');
    const tasks = tasksOf(run);
    expect(Object.keys(tasks).sort()).toEqual(['evaluate', 'generate', 'report']);
    expect(Object.values(tasks).map((x) => x.state)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);

    const evaluated = await api.get<{ parameters: { outputs: { Output: number } } }>(
      `${RUNS}/${run.run_id}/tasks/evaluate`,
    );
    const rmse = evaluated.body.parameters.outputs.Output;
    expect(rmse).toBeGreaterThan(0);
    const metricsId = tasks.evaluate?.outputs?.metrics?.artifact_ids[0] ?? '';
    const metrics = await api.get<{ type: { schema_title: string }; metadata: unknown }>(
      `/apis/v2beta1/artifacts/${metricsId}`,
    );
    expect(metrics.body.type.schema_title).toBe('system.Metrics');
    expect(metrics.body.metadata).toEqual({ rmse, days: 40 });

    const log = await api.get(`${RUNS}/${run.run_id}/tasks/${tasks.report?.task_id}/logs`);
    expect(log.text).toBe(`the model scores ${rmse}\n`);
    const evalLog = await fetch(api.link(`${RUNS}/${run.run_id}/tasks/evaluate/logs`));
    expect(await evalLog.text()).toContain(`rmse over 40 days: ${rmse}`);
    const dataId = tasks.generate?.outputs?.data?.artifact_ids[0] ?? '';
    const data = await fetch(api.link(`/apis/v2beta1/artifacts/${dataId}:download`));
    expect((await data.text()).trim().split('\n')).toHaveLength(40);

    const again = await runOnce('second');
    expect(again.state).toBe('SUCCEEDED');
    // Every task is a cache hit, which KFP reports as SKIPPED.
    expect(Object.values(tasksOf(again)).map((x) => x.state)).toEqual([
      'SKIPPED',
      'SKIPPED',
      'SKIPPED',
    ]);
    const cached = await api.get<{
      parameters: { outputs: { Output: number } };
      cached_from: unknown;
    }>(`${RUNS}/${again.run_id}/tasks/evaluate`);
    expect(cached.body.parameters.outputs.Output).toBe(rmse);
    expect(cached.body.cached_from).toEqual({ runId: run.run_id, taskPath: 'evaluate' });
  });

  it('terminates a long run: CANCELED, and its process tree is gone', async () => {
    const marker = path.join(scratch, 'terminate.pids');
    const created = await api.post<Run>(RUNS, {
      display_name: 'long',
      pipeline_spec: compile(sleeper(marker)),
    });
    await eventually(() => fs.existsSync(marker), 15_000, 'the task to sleep');
    const pids = fs.readFileSync(marker, 'utf8').split(' ').map(Number);
    expect(pids.every(isAlive)).toBe(true);
    expect((await api.post(`${RUNS}/${created.body.run_id}:terminate`)).status).toBe(200);
    const run = await finalRun(api, created.body.run_id);
    expect(run.state).toBe('CANCELED');
    expect(run.state_history.map((s) => s.state)).toEqual([
      'PENDING',
      'RUNNING',
      'CANCELING',
      'CANCELED',
    ]);
    expect(tasksOf(run).nap?.state).toBe('CANCELED');
    await eventually(() => !pids.some(isAlive), 5000, 'the task processes to be gone');
  });

  describe('an engine killed in the middle of a run', () => {
    const dataDir = tempDir('pipelab-e2e-killed-');
    let child: EngineProcess | undefined;
    let restarted: TestEngine | undefined;

    afterAll(async () => {
      await child?.kill();
      await restarted?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('starts again with the run closed and the finished outputs kept', async () => {
      const marker = path.join(scratch, 'killed.pids');
      child = await spawnEngineProcess(dataDir);
      const uploaded = await child.api.upload<{ pipeline_id: string }>(
        '/apis/v2beta1/pipelines/upload',
        { name: 'sleeper.yaml', content: pipelineToYaml(compile(sleeper(marker))) },
        { name: 'sleeper' },
      );
      expect(uploaded.status, uploaded.text).toBe(200);
      const created = await child.api.post<Run>(RUNS, {
        display_name: 'interrupted',
        pipeline_version_reference: { pipeline_id: uploaded.body.pipeline_id },
      });
      const id = created.body.run_id;
      await eventually(() => fs.existsSync(marker), 15_000, 'the task to sleep');
      const pids = fs.readFileSync(marker, 'utf8').split(' ').map(Number);
      await child.kill();
      child = undefined;
      await eventually(() => !pids.some(isAlive), 5000, 'the orphaned task processes to go');

      restarted = await startTestEngine({ dataDir });
      const run = (await restarted.api.get<Run>(`${RUNS}/${id}`)).body;
      expect(run.state).toBe('FAILED');
      expect(run.error?.message).toContain('the engine restarted while the run was RUNNING');
      const tasks = tasksOf(run);
      expect(tasks.generate?.state).toBe('SUCCEEDED');
      expect(tasks.nap?.state).toBe('FAILED');
      const dataId = tasks.generate?.outputs?.data?.artifact_ids[0] ?? '';
      const data = await fetch(restarted.api.link(`/apis/v2beta1/artifacts/${dataId}:download`));
      expect(data.status).toBe(200);
      expect((await data.text()).trim().split('\n')).toHaveLength(3);
      expect(filesBelow(path.join(dataDir, 'artifacts'))).toEqual([
        path.join('e2e-sleeper', id, 'generate', 'data'),
      ]);
      expect(filesBelow(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  });
});
