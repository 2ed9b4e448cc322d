/**
 * Runs executed end to end by the real local runner: each task a `node -e` process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  nodePipeline,
  startTestEngine,
  tempDir,
  type Api,
  type TestEngine,
} from './helpers';

interface TaskDetail {
  task_id: string;
  display_name: string;
  state: string;
  outputs?: Record<string, { artifact_ids: string[] }>;
  inputs?: Record<string, { artifact_ids: string[] }>;
  error?: { message: string };
}
interface Run {
  run_id: string;
  state: string;
  error?: { message: string };
  state_history: { state: string }[];
  run_details?: { task_details?: TaskDetail[] };
}

const RUNS = '/apis/v2beta1/runs';
const WRITE =
  "const fs=require('fs'),p=require('path');function write(f,t){fs.mkdirSync(p.dirname(f),{recursive:true});fs.writeFileSync(f,t);}";

const twoStep = nodePipeline(
  'two-step',
  {
    produce: {
      script: `${WRITE} const [count, out, data] = process.argv.slice(1); console.log('producing ' + count); write(out, String(Number(count) * 2)); write(data, 'a,b\\n1,2\\n');`,
      args: [
        "{{$.inputs.parameters['count']}}",
        "{{$.outputs.parameters['doubled'].output_file}}",
        "{{$.outputs.artifacts['data'].path}}",
      ],
      inputs: { parameters: { count: { parameterType: 'NUMBER_INTEGER' } } },
      outputs: {
        parameters: { doubled: { parameterType: 'NUMBER_INTEGER' } },
        artifacts: {
          data: { artifactType: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } },
        },
      },
      taskInputs: { parameters: { count: { componentInputParameter: 'count' } } },
      cache: true,
    },
    consume: {
      script: `const fs=require('fs'); const [n, data] = process.argv.slice(1); console.log('got ' + n); console.error('rows ' + fs.readFileSync(data,'utf8').trim().split('\\n').length);`,
      args: ["{{$.inputs.parameters['n']}}", "{{$.inputs.artifacts['data'].path}}"],
      inputs: {
        parameters: { n: { parameterType: 'NUMBER_INTEGER' } },
        artifacts: {
          data: { artifactType: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } },
        },
      },
      taskInputs: {
        parameters: {
          n: { taskOutputParameter: { producerTask: 'produce', outputParameterKey: 'doubled' } },
        },
        artifacts: {
          data: { taskOutputArtifact: { producerTask: 'produce', outputArtifactKey: 'data' } },
        },
      },
    },
  },
  { parameters: { count: { parameterType: 'NUMBER_INTEGER', defaultValue: 2 } } },
);

describe('runs executed by the local runner', () => {
  let t: TestEngine;
  let api: Api;
  let scratch: string;

  const waitFinal = (id: string): Promise<Run> =>
    eventually(
      async () => {
        const run = (await api.get<Run>(`${RUNS}/${id}`)).body;
        return ['SUCCEEDED', 'FAILED', 'CANCELED'].includes(run.state) ? run : undefined;
      },
      20_000,
      `run ${id} to end`,
    );

  beforeAll(async () => {
    scratch = tempDir('pipelab-exec-');
    t = await startTestEngine({ parallelism: 2 });
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a two-task pipeline: states, parameters, artifacts, logs', async () => {
    const created = await api.post<Run>(RUNS, {
      display_name: 'two-step',
      pipeline_spec: twoStep,
      runtime_config: { parameters: { count: 21 } },
    });
    expect(created.status).toBe(200);
    const run = await waitFinal(created.body.run_id);
    expect(run.state, JSON.stringify(run.error)).toBe('SUCCEEDED');
    expect(run.state_history.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    const tasks = Object.fromEntries(
      (run.run_details?.task_details ?? []).map((x) => [x.display_name, x]),
    );
    expect(tasks.produce?.state).toBe('SUCCEEDED');
    expect(tasks.consume?.state).toBe('SUCCEEDED');
    const dataId = tasks.produce?.outputs?.data?.artifact_ids[0] ?? '';
    expect(tasks.consume?.inputs?.data?.artifact_ids).toEqual([dataId]);

    const detail = await api.get<{
      parameters: { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    }>(`${RUNS}/${run.run_id}/tasks/produce`);
    expect(detail.body.parameters).toEqual({ inputs: { count: 21 }, outputs: { doubled: 42 } });

    const download = await fetch(`${api.baseUrl}/apis/v2beta1/artifacts/${dataId}:download`, {
      headers: api.auth(),
    });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('a,b\n1,2\n');
    // As a browser link: the token in the query.
    const byName = await fetch(
      api.link(`${RUNS}/${run.run_id}/tasks/${tasks.produce?.task_id}/artifacts/data:download`),
    );
    expect(await byName.text()).toBe('a,b\n1,2\n');
    expect(
      (await api.get(`${RUNS}/${run.run_id}/tasks/produce/artifacts/nope:download`)).status,
    ).toBe(404);
    expect((await api.get('/apis/v2beta1/artifacts/999999:download')).status).toBe(404);
    expect((await api.get('/apis/v2beta1/artifacts/abc')).status).toBe(400);

    const logs = await api.get(`${RUNS}/${run.run_id}/tasks/${tasks.consume?.task_id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.headers.get('content-type')).toContain('text/plain');
    expect(logs.text).toContain('got 42');
    expect(logs.text).toContain('rows 2');
    const followed = await api.get(`${RUNS}/${run.run_id}/tasks/produce/logs`, { follow: 'true' });
    expect(followed.text).toContain('producing 21');
    expect((await api.get(`${RUNS}/${run.run_id}/tasks/nope/logs`)).status).toBe(404);
    expect(
      (await api.get(`${RUNS}/${run.run_id}/tasks/produce/logs`, { attempt: 'x' })).status,
    ).toBe(400);
  });

  it('follows a log while the task runs', async () => {
    const spec = nodePipeline('slow-log', {
      talk: {
        script:
          "let i=0;const t=setInterval(()=>{console.log('tick '+(++i));if(i===5){clearInterval(t);}},60);",
      },
    });
    const created = await api.post<Run>(RUNS, { display_name: 'slow-log', pipeline_spec: spec });
    const id = created.body.run_id;
    const taskId = await eventually(
      async () => {
        const run = (await api.get<Run>(`${RUNS}/${id}`)).body;
        return run.run_details?.task_details?.[0]?.task_id;
      },
      10_000,
      'task to appear',
    );
    const response = await fetch(
      api.link(`${RUNS}/${id}/tasks/${taskId}/logs`, { follow: 'true' }),
    );
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const text = await response.text();
    expect(text.trim().split('\n')).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5']);
    expect((await waitFinal(id)).state).toBe('SUCCEEDED');
  });

  it('reuses cached task outputs in a later run (reported as SKIPPED)', async () => {
    const created = await api.post<Run>(RUNS, {
      display_name: 'two-step-again',
      pipeline_spec: twoStep,
      runtime_config: { parameters: { count: 21 } },
    });
    const run = await waitFinal(created.body.run_id);
    expect(run.state).toBe('SUCCEEDED');
    const tasks = Object.fromEntries(
      (run.run_details?.task_details ?? []).map((x) => [x.display_name, x]),
    );
    expect(tasks.produce?.state).toBe('SKIPPED');
    expect(tasks.consume?.state).toBe('SUCCEEDED');
  });

  it('fails a run whose task exits non-zero, naming the task', async () => {
    const spec = nodePipeline('failing', {
      boom: { script: "console.error('bad things'); process.exit(3)" },
    });
    const created = await api.post<Run>(RUNS, { display_name: 'failing', pipeline_spec: spec });
    const run = await waitFinal(created.body.run_id);
    expect(run.state).toBe('FAILED');
    expect(run.error?.message).toContain('boom');
    const task = run.run_details?.task_details?.[0];
    expect(task?.state).toBe('FAILED');
    expect(task?.error?.message).toBeTruthy();
  });

  it('refuses parameters the pipeline does not declare, storing nothing', async () => {
    const res = await api.post(RUNS, {
      display_name: 'bad',
      pipeline_spec: twoStep,
      runtime_config: { parameters: { count: 'many' } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 3 });
    expect(String(res.body.message)).toContain('count');
    const list = await api.get<{ runs?: Run[] }>(RUNS, {
      filter: JSON.stringify({
        predicates: [{ operation: 'EQUALS', key: 'display_name', stringValue: 'bad' }],
      }),
    });
    expect(list.body.runs).toBeUndefined();
  });

  it('terminates a running run (its process is stopped), then retries it to success', async () => {
    const marker = path.join(scratch, 'marker');
    const spec = nodePipeline('retryable', {
      work: {
        script: `const fs=require('fs'); const m=process.argv[1]; if (fs.existsSync(m)) { console.log('second time'); } else { fs.writeFileSync(m, String(process.pid)); setTimeout(()=>{}, 60000); }`,
        args: [marker],
      },
    });
    const created = await api.post<Run>(RUNS, { display_name: 'retryable', pipeline_spec: spec });
    const id = created.body.run_id;
    await eventually(
      () => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') !== '',
      10_000,
      'task to start',
    );
    const pid = Number(fs.readFileSync(marker, 'utf8'));
    expect((await api.post(`${RUNS}/${id}:terminate`)).status).toBe(200);
    const canceled = await waitFinal(id);
    expect(canceled.state).toBe('CANCELED');
    expect(canceled.state_history.map((s) => s.state)).toEqual([
      'PENDING',
      'RUNNING',
      'CANCELING',
      'CANCELED',
    ]);
    expect(() => process.kill(pid, 0)).toThrow();

    expect((await api.post(`${RUNS}/${id}:retry`)).status).toBe(200);
    const retried = await waitFinal(id);
    expect(retried.state).toBe('SUCCEEDED');
    const taskId = retried.run_details?.task_details?.[0]?.task_id ?? '';
    const logs = await api.get(`${RUNS}/${id}/tasks/${taskId}/logs`);
    expect(logs.text).toContain('second time');
  });

  it("keeps a gs:// pipeline root's artifacts below <dataDir>/buckets, and removes them with the run", async () => {
    const created = await api.post<Run>(RUNS, {
      display_name: 'to-gcs',
      pipeline_spec: twoStep,
      runtime_config: { parameters: { count: 5 }, pipeline_root: 'gs://team-bucket/pipelines' },
    });
    const run = await waitFinal(created.body.run_id);
    expect(run.state, JSON.stringify(run.error)).toBe('SUCCEEDED');
    expect(
      (await api.get<{ runtime_config: { pipeline_root: string } }>(`${RUNS}/${run.run_id}`)).body
        .runtime_config.pipeline_root,
    ).toBe('gs://team-bucket/pipelines');
    const produce = run.run_details?.task_details?.find((d) => d.display_name === 'produce');
    const artifact = await api.get<{ uri: string }>(
      `/apis/v2beta1/artifacts/${produce?.outputs?.data?.artifact_ids[0] ?? ''}`,
    );
    const local = path.join(
      t.dataDir,
      'buckets',
      'gs',
      'team-bucket',
      'pipelines',
      'two-step',
      run.run_id,
    );
    expect(artifact.body.uri).toBe(`file://${path.join(local, 'produce', 'data')}`);
    const download = await fetch(
      api.link(`/apis/v2beta1/artifacts/${produce?.outputs?.data?.artifact_ids[0] ?? ''}:download`),
    );
    expect(await download.text()).toBe('a,b\n1,2\n');
    expect((await api.delete(`${RUNS}/${run.run_id}`)).status).toBe(200);
    await eventually(() => !fs.existsSync(local), 5000, 'the run files to go');
    expect(fs.existsSync(path.join(t.dataDir, 'runs', run.run_id))).toBe(false);
  });

  it("gives task processes the engine's taskEnv without changing the engine's own environment", async () => {
    const marker = path.join(scratch, 'task-env.txt');
    const e = await startTestEngine({
      taskEnv: { ...process.env, PIPELAB_TEST_TASK_ENV: 'from-the-engine-option' },
    });
    try {
      const created = await e.api.post<Run>(RUNS, {
        display_name: 'task-env',
        pipeline_spec: nodePipeline('task-env', {
          env: {
            script: `require('fs').writeFileSync(process.argv[1], String(process.env.PIPELAB_TEST_TASK_ENV));`,
            args: [marker],
          },
        }),
      });
      const run = await eventually(
        async () => {
          const r = (await e.api.get<Run>(`${RUNS}/${created.body.run_id}`)).body;
          return ['SUCCEEDED', 'FAILED'].includes(r.state) ? r : undefined;
        },
        20_000,
        'the task-env run to end',
      );
      expect(run.state, JSON.stringify(run.error)).toBe('SUCCEEDED');
      expect(fs.readFileSync(marker, 'utf8')).toBe('from-the-engine-option');
      expect(process.env.PIPELAB_TEST_TASK_ENV).toBeUndefined();
    } finally {
      await e.close();
    }
  });
});
