import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineToYaml } from '../../../kernel-lib/src/compiler/yaml';
import { RunParameterError } from '../../../kernel-lib/src/engine/runner';
import {
  eventually,
  FakeLauncher,
  helloSpec,
  startTestEngine,
  swaggerContract,
  type Api,
  type TestEngine,
} from './helpers';

interface RuntimeStatus {
  update_time: string;
  state: string;
  error?: { code: number; message: string };
}
interface TaskDetail {
  run_id: string;
  task_id: string;
  display_name: string;
  state: string;
  parent_task_id?: string;
  child_tasks?: { task_id: string; pod_name?: string }[];
  inputs?: Record<string, { artifact_ids: string[] }>;
  outputs?: Record<string, { artifact_ids: string[] }>;
  state_history?: RuntimeStatus[];
  error?: { code: number; message: string };
  create_time?: string;
  start_time?: string;
  end_time?: string;
}
interface Run {
  run_id: string;
  display_name: string;
  experiment_id: string;
  state: string;
  storage_state: string;
  pipeline_spec?: unknown;
  pipeline_version_reference?: { pipeline_id: string; pipeline_version_id: string };
  runtime_config?: { parameters?: Record<string, unknown>; pipeline_root?: string };
  service_account?: string;
  created_at: string;
  scheduled_at: string;
  finished_at?: string;
  error?: { code: number; message: string };
  state_history: RuntimeStatus[];
  run_details?: { task_details?: TaskDetail[] };
}

const RUNS = '/apis/v2beta1/runs';

describe('runs API (fake launcher)', () => {
  let t: TestEngine;
  let api: Api;
  const launcher = new FakeLauncher();

  const getRun = async (id: string): Promise<Run> => (await api.get<Run>(`${RUNS}/${id}`)).body;
  const waitState = (id: string, state: string): Promise<Run> =>
    eventually(
      async () => {
        const run = await getRun(id);
        return run.state === state ? run : undefined;
      },
      5000,
      `run ${id} ${state}`,
    );

  beforeAll(async () => {
    t = await startTestEngine({ launcher });
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a run from an inline spec in the Default experiment and answers at once', async () => {
    const res = await api.post<Run>(RUNS, {
      display_name: 'inline',
      pipeline_spec: helloSpec(),
      runtime_config: { parameters: { a: 1, b: false, c: '' }, pipeline_root: '/tmp/root' },
      service_account: 'sa-1',
    });
    expect(res.status).toBe(200);
    const run = res.body;
    expect(run.state).toBe('PENDING');
    expect(run.storage_state).toBe('AVAILABLE');
    expect(run.runtime_config).toEqual({
      parameters: { a: 1, b: false, c: '' },
      pipeline_root: '/tmp/root',
    });
    expect(run.service_account).toBe('sa-1');
    expect(run.pipeline_spec).toEqual(helloSpec());
    expect(run.state_history).toEqual([{ update_time: run.created_at, state: 'PENDING' }]);
    const experiments = await api.get<{
      experiments: { experiment_id: string; display_name: string }[];
    }>('/apis/v2beta1/experiments');
    const defaultExperiment = experiments.body.experiments.find(
      (e) => e.display_name === 'Default',
    );
    expect(run.experiment_id).toBe(defaultExperiment?.experiment_id);

    const request = launcher.run(run.run_id).request;
    expect(request.parameters).toEqual({ a: 1, b: false, c: '' });
    expect(request.pipelineRoot).toBe('/tmp/root');
    expect(request.runName).toBe('inline');

    const running = await waitState(run.run_id, 'RUNNING');
    expect(running.state_history.map((s) => s.state)).toEqual(['PENDING', 'RUNNING']);
    launcher.run(run.run_id).finish('SUCCEEDED');
    const done = await waitState(run.run_id, 'SUCCEEDED');
    expect(done.finished_at).toBeDefined();
    expect(done.state_history.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
  });

  it('records task details: states, history, parents, children and artifact ids', async () => {
    const res = await api.post<Run>(RUNS, { display_name: 'tasks', pipeline_spec: helloSpec() });
    const fake = launcher.run(res.body.run_id);
    const start = new Date();
    const dataset = {
      name: 'dataset',
      type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' },
      uri: 'file:///tmp/x/dataset',
      metadata: {},
    };
    fake.task({
      path: 'group',
      kind: 'dag',
      state: 'RUNNING',
      startTime: start,
      displayName: 'condition-1',
    });
    fake.task({ path: 'group/make', parentPath: 'group', state: 'RUNNING', startTime: start });
    fake.task({
      path: 'group/make',
      parentPath: 'group',
      state: 'SUCCEEDED',
      startTime: start,
      endTime: new Date(),
      outputs: { parameters: { n: 3 }, artifacts: { dataset } },
    });
    fake.task({
      path: 'use',
      state: 'FAILED',
      error: "task 'use' failed: exit code 1",
      inputs: { parameters: {}, artifacts: { data: dataset } },
    });
    fake.task({ path: 'cached', state: 'CACHED' });
    fake.finish('FAILED', "task 'use' failed: exit code 1");
    const run = await waitState(res.body.run_id, 'FAILED');
    expect(run.error).toEqual({ code: 2, message: "task 'use' failed: exit code 1" });
    expect(run.state_history.at(-1)?.error?.message).toContain("'use'");
    const tasks = run.run_details?.task_details ?? [];
    const byName = Object.fromEntries(tasks.map((x) => [x.display_name, x]));
    const group = byName['condition-1'];
    const make = byName['group/make'];
    const use = byName.use;
    expect(make?.state).toBe('SUCCEEDED');
    expect(make?.parent_task_id).toBe(group?.task_id);
    expect(group?.child_tasks).toEqual([{ task_id: make?.task_id, pod_name: 'pod-group/make' }]);
    expect(make?.state_history?.map((s) => s.state)).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(make?.outputs?.dataset?.artifact_ids).toHaveLength(1);
    expect(use?.inputs?.data?.artifact_ids).toEqual(make?.outputs?.dataset?.artifact_ids);
    expect(use?.error).toEqual({ code: 2, message: "task 'use' failed: exit code 1" });
    expect(byName.cached?.state).toBe('SKIPPED');

    const artifactId = make?.outputs?.dataset?.artifact_ids[0] ?? '';
    const artifact = await api.get(`/apis/v2beta1/artifacts/${artifactId}`);
    expect(artifact.body).toMatchObject({
      uri: 'file:///tmp/x/dataset',
      name: 'dataset',
      type: { schema_title: 'system.Dataset' },
    });

    const task = await api.get<{ parameters: { outputs: Record<string, unknown> }; path: string }>(
      `${RUNS}/${run.run_id}/tasks/${make?.task_id}`,
    );
    expect(task.status).toBe(200);
    expect(task.body.path).toBe('group/make');
    expect(task.body.parameters.outputs).toEqual({ n: 3 });
    expect((await api.get(`${RUNS}/${run.run_id}/tasks/nope`)).status).toBe(404);
    // Inside its group, a task is found by its path and by its name alone.
    for (const wanted of [encodeURIComponent('group/make'), 'make']) {
      const found = await api.get<{ task_id: string; path: string }>(
        `${RUNS}/${run.run_id}/tasks/${wanted}`,
      );
      expect(found.status, wanted).toBe(200);
      expect(found.body).toMatchObject({ task_id: make?.task_id, path: 'group/make' });
    }
    // The download route finds it the same way (its file was never written: 404 for the file).
    const download = await api.get<{ message: string }>(
      `${RUNS}/${run.run_id}/tasks/make/artifacts/dataset:download`,
    );
    expect(download.body.message).not.toMatch(/has no task/);
    expect(download.body.message).toMatch(/dataset/);
  });

  it('refuses a task name two groups share, naming their paths', async () => {
    const res = await api.post<Run>(RUNS, { display_name: 'twins', pipeline_spec: helloSpec() });
    const fake = launcher.run(res.body.run_id);
    for (const group of ['condition-1', 'condition-2']) {
      fake.task({ path: group, kind: 'dag', state: 'SUCCEEDED' });
      fake.task({ path: `${group}/train`, parentPath: group, state: 'SUCCEEDED' });
    }
    fake.finish('SUCCEEDED');
    await waitState(res.body.run_id, 'SUCCEEDED');
    for (const route of ['', '/logs']) {
      const answer = await api.get<{ code: number; message: string }>(
        `${RUNS}/${res.body.run_id}/tasks/train${route}`,
      );
      expect(answer.status, route).toBe(400);
      expect(answer.body.message).toContain("'condition-1/train', 'condition-2/train'");
    }
    const one = await api.get<{ path: string }>(
      `${RUNS}/${res.body.run_id}/tasks/${encodeURIComponent('condition-2/train')}`,
    );
    expect(one.body.path).toBe('condition-2/train');
  });

  it('creates runs from a pipeline version reference, or the latest version of a pipeline', async () => {
    const pipeline = await api.upload<{ pipeline_id: string }>(
      '/apis/v2beta1/pipelines/upload',
      { name: 'p.yaml', content: pipelineToYaml(helloSpec('versioned')) },
      { name: 'versioned' },
    );
    const pipelineId = pipeline.body.pipeline_id;
    const v2 = await api.post<{ pipeline_version_id: string }>(
      `/apis/v2beta1/pipelines/${pipelineId}/versions`,
      {
        display_name: 'v2',
        pipeline_spec: helloSpec('versioned-2'),
      },
    );
    const versions = await api.get<{
      pipeline_versions: { pipeline_version_id: string; name: string }[];
    }>(`/apis/v2beta1/pipelines/${pipelineId}/versions`);
    const v1 =
      versions.body.pipeline_versions.find((v) => v.name === 'versioned')?.pipeline_version_id ??
      '';

    const byVersion = await api.post<Run>(RUNS, {
      display_name: 'by-version',
      pipeline_version_reference: { pipeline_id: pipelineId, pipeline_version_id: v1 },
    });
    expect(byVersion.status).toBe(200);
    expect(byVersion.body.pipeline_version_reference).toEqual({
      pipeline_id: pipelineId,
      pipeline_version_id: v1,
    });
    expect(byVersion.body.pipeline_spec).toBeUndefined();
    expect(launcher.run(byVersion.body.run_id).request.spec.pipelineInfo.name).toBe('versioned');

    const latest = await api.post<Run>(RUNS, {
      display_name: 'latest',
      pipeline_version_reference: { pipeline_id: pipelineId },
    });
    expect(latest.body.pipeline_version_reference?.pipeline_version_id).toBe(
      v2.body.pipeline_version_id,
    );

    const wrongPipeline = await api.post(RUNS, {
      display_name: 'x',
      pipeline_version_reference: { pipeline_id: 'other', pipeline_version_id: v1 },
    });
    expect(wrongPipeline.status).toBe(400);
    const unknownVersion = await api.post(RUNS, {
      display_name: 'x',
      pipeline_version_reference: { pipeline_version_id: 'nope' },
    });
    expect(unknownVersion.status).toBe(404);
    const empty = await api.post<{ pipeline_id: string }>('/apis/v2beta1/pipelines', {
      name: 'no-versions',
    });
    const noVersion = await api.post(RUNS, {
      display_name: 'x',
      pipeline_version_reference: { pipeline_id: empty.body.pipeline_id },
    });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body).toMatchObject({ code: 9 });
    for (const id of [byVersion.body.run_id, latest.body.run_id])
      launcher.run(id).finish('SUCCEEDED');
  });

  it('answers bad run requests with INVALID_ARGUMENT naming the field and stores nothing', async () => {
    const before = (await api.get<{ total_size?: number }>(RUNS)).body.total_size ?? 0;
    const cases: [unknown, string][] = [
      [{ pipeline_spec: helloSpec() }, 'run.display_name'],
      [{ display_name: 'x' }, 'run.pipeline_spec'],
      [
        {
          display_name: 'x',
          pipeline_spec: helloSpec(),
          pipeline_version_reference: { pipeline_version_id: 'v' },
        },
        'run.pipeline_spec',
      ],
      [{ display_name: 'x', pipeline_spec: 'not an object' }, 'run.pipeline_spec'],
      [{ display_name: 'x', pipeline_spec: { pipelineInfo: {} } }, 'run.pipeline_spec'],
      [
        { display_name: 'x', pipeline_spec: helloSpec(), runtime_config: { parameters: [1] } },
        'run.runtime_config.parameters',
      ],
      [
        { display_name: 'x', pipeline_spec: helloSpec(), runtime_config: { pipeline_root: 3 } },
        'run.runtime_config.pipeline_root',
      ],
      [{ display_name: 'x', pipeline_spec: helloSpec(), state_history: 'no' }, 'run.state_history'],
      [
        { display_name: 'x', pipeline_spec: helloSpec(), created_at: 'yesterday' },
        'run.created_at',
      ],
      [{ display_name: 'x', pipeline_spec: helloSpec(), bogus: 1 }, 'run.bogus'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post(RUNS, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body).toMatchObject({ code: 3 });
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
    const unknownExperiment = await api.post(RUNS, {
      display_name: 'x',
      experiment_id: 'nope',
      pipeline_spec: helloSpec(),
    });
    expect(unknownExperiment.status).toBe(404);

    launcher.failWith = new RunParameterError(
      'parameter \'epochs\' must be an integer; got "x".',
      'epochs',
    );
    const rejected = await api.post(RUNS, {
      display_name: 'bad-params',
      pipeline_spec: helloSpec(),
    });
    launcher.failWith = undefined;
    expect(rejected.status).toBe(400);
    expect(String(rejected.body.message)).toContain("parameter 'epochs'");
    expect(JSON.stringify(rejected.body.details)).toContain('run.runtime_config.parameters.epochs');
    expect((await api.get<{ total_size?: number }>(RUNS)).body.total_size ?? 0).toBe(before);
  });

  it('terminates a running run: CANCELING, then CANCELED', async () => {
    const res = await api.post<Run>(RUNS, {
      display_name: 'to-terminate',
      pipeline_spec: helloSpec(),
    });
    const id = res.body.run_id;
    await waitState(id, 'RUNNING');
    launcher.run(id).task({ path: 'hello', state: 'RUNNING', startTime: new Date() });
    launcher.run(id).stuck = true;
    expect((await api.post(`${RUNS}/${id}:terminate`)).status).toBe(200);
    expect((await getRun(id)).state).toBe('CANCELING');
    expect(launcher.run(id).request.signal.aborted).toBe(true);
    expect((await api.post(`${RUNS}/${id}:terminate`)).status).toBe(200);
    launcher.run(id).finish('CANCELED', 'the run was cancelled.');
    const run = await waitState(id, 'CANCELED');
    expect(run.state_history.map((s) => s.state)).toEqual([
      'PENDING',
      'RUNNING',
      'CANCELING',
      'CANCELED',
    ]);
    expect(run.error?.code).toBe(1);
    expect(run.run_details?.task_details?.[0]?.state).toBe('CANCELED');

    const again = await api.post(`${RUNS}/${id}:terminate`);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 9 });
    expect((await api.post(`${RUNS}/nope:terminate`)).status).toBe(404);
  });

  it('retries a failed run under the same id, and refuses to retry others', async () => {
    const res = await api.post<Run>(RUNS, { display_name: 'to-retry', pipeline_spec: helloSpec() });
    const id = res.body.run_id;
    const running = await api.post(`${RUNS}/${id}:retry`);
    expect(running.status).toBe(400);
    expect(running.body).toMatchObject({ code: 9 });
    launcher.run(id).task({ path: 'hello', state: 'FAILED', error: 'boom' });
    launcher.run(id).finish('FAILED', 'boom');
    await waitState(id, 'FAILED');
    const first = launcher.run(id);
    expect((await api.post(`${RUNS}/${id}:retry`)).status).toBe(200);
    const second = launcher.run(id);
    expect(second).not.toBe(first);
    expect(second.request.workDir).toContain('attempt-2');
    const retried = await getRun(id);
    expect(retried.finished_at).toBeUndefined();
    expect(retried.error).toBeUndefined();
    expect(retried.run_details?.task_details ?? []).toEqual([]);
    second.finish('SUCCEEDED');
    const done = await waitState(id, 'SUCCEEDED');
    expect(done.state_history.map((s) => s.state)).toEqual([
      'PENDING',
      'RUNNING',
      'FAILED',
      'PENDING',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect((await api.post(`${RUNS}/${id}:retry`)).status).toBe(400);
    expect((await api.post(`${RUNS}/nope:retry`)).status).toBe(404);
  });

  it('archives, unarchives and deletes runs', async () => {
    const res = await api.post<Run>(RUNS, {
      display_name: 'to-archive',
      pipeline_spec: helloSpec(),
    });
    const id = res.body.run_id;
    expect((await api.post(`${RUNS}/${id}:archive`)).status).toBe(200);
    expect((await getRun(id)).storage_state).toBe('ARCHIVED');
    expect((await api.post(`${RUNS}/${id}:unarchive`)).status).toBe(200);
    expect((await getRun(id)).storage_state).toBe('AVAILABLE');
    expect((await api.delete(`${RUNS}/${id}`)).status).toBe(200);
    expect(launcher.run(id).request.signal.aborted).toBe(true);
    expect((await api.get(`${RUNS}/${id}`)).status).toBe(404);
    expect((await api.delete(`${RUNS}/${id}`)).status).toBe(404);
    expect((await api.post(`${RUNS}/${id}:archive`)).status).toBe(404);
    expect((await api.post(`${RUNS}/${id}:unarchive`)).status).toBe(404);
  });

  it('checked every KFP response against the swagger', () => {
    if (swaggerContract() !== null) expect(api.validated).toBeGreaterThan(40);
  });
});
