/**
 * Durability: the engine runs in a child process and is SIGKILLed in the middle of a run (one
 * task done, one sleeping after writing half of its output) and while another run is being
 * terminated. Started again on the same data directory, it must close both runs with a message
 * saying it restarted, keep the finished task's outputs downloadable, leave no partial file in the
 * artifacts folder, have killed the orphaned task processes — and a retry must reuse the finished
 * task (caching is off) and run the rest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventually,
  filesBelow,
  isAlive,
  nodePipeline,
  spawnEngineProcess,
  startTestEngine,
  tempDir,
  type Api,
  type EngineProcess,
  type TestEngine,
} from './helpers';

interface Task {
  task_id: string;
  display_name: string;
  state: string;
  error?: { message: string };
  outputs?: Record<string, { artifact_ids: string[] }>;
}
interface Run {
  run_id: string;
  display_name: string;
  state: string;
  error?: { code: number; message: string };
  state_history: { state: string }[];
  run_details?: { task_details?: Task[] };
}

const RUNS = '/apis/v2beta1/runs';
const DATASET = { artifactType: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } };

function crashSpec(scratch: string) {
  const counter = path.join(scratch, 'first-ran');
  return nodePipeline('crash-me', {
    first: {
      script: `const fs=require('fs'),p=require('path'); const [out, rows, counter] = process.argv.slice(1);
        fs.appendFileSync(counter, 'x'); fs.mkdirSync(p.dirname(out), {recursive: true});
        fs.writeFileSync(out, 'complete\\n'); fs.writeFileSync(rows, '3');`,
      args: [
        "{{$.outputs.artifacts['data'].path}}",
        "{{$.outputs.parameters['rows'].output_file}}",
        counter,
      ],
      outputs: {
        artifacts: { data: DATASET },
        parameters: { rows: { parameterType: 'NUMBER_INTEGER' } },
      },
    },
    slow: {
      // First time: half an output, a child process, then sleep. Once 'resume' exists: finish.
      script: `const fs=require('fs'),p=require('path'); const [data, out, marker, resume] = process.argv.slice(1);
        fs.mkdirSync(p.dirname(out), {recursive: true});
        if (fs.existsSync(resume)) { fs.writeFileSync(out, fs.readFileSync(data, 'utf8').toUpperCase()); }
        else { fs.writeFileSync(out, 'partial');
          const c = require('child_process').spawn('sleep', ['60'], {stdio: 'ignore'});
          fs.writeFileSync(marker, process.pid + ' ' + c.pid); setInterval(() => {}, 1000); }`,
      args: [
        "{{$.inputs.artifacts['data'].path}}",
        "{{$.outputs.artifacts['out'].path}}",
        path.join(scratch, 'slow.pids'),
        path.join(scratch, 'resume'),
      ],
      inputs: { artifacts: { data: DATASET } },
      outputs: { artifacts: { out: DATASET } },
      taskInputs: {
        artifacts: {
          data: { taskOutputArtifact: { producerTask: 'first', outputArtifactKey: 'data' } },
        },
      },
    },
    last: { script: "console.log('last')", after: ['slow'] },
  });
}

function stubbornSpec(scratch: string) {
  return nodePipeline('stubborn', {
    stubborn: {
      script: `process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);`,
      args: [path.join(scratch, 'stubborn.pid')],
    },
  });
}

const tasksOf = (run: Run): Record<string, Task> =>
  Object.fromEntries((run.run_details?.task_details ?? []).map((t) => [t.display_name, t]));

describe('durability: kill -9 of the engine in the middle of a run', () => {
  const scratch = tempDir('pipelab-crash-scratch-');
  const dataDir = tempDir('pipelab-crash-data-');
  let child: EngineProcess | undefined;
  let restarted: TestEngine | undefined;

  afterAll(async () => {
    await child?.kill();
    await restarted?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const getRun = async (api: Api, id: string): Promise<Run> =>
    (await api.get<Run>(`${RUNS}/${id}`)).body;

  it('closes the runs, keeps finished outputs, removes partial ones, and retries from there', async () => {
    child = await spawnEngineProcess(dataDir);
    const api = child.api;
    const crash = await api.post<Run>(RUNS, {
      display_name: 'crash',
      pipeline_spec: crashSpec(scratch),
    });
    const stubborn = await api.post<Run>(RUNS, {
      display_name: 'stubborn',
      pipeline_spec: stubbornSpec(scratch),
    });
    expect(crash.status).toBe(200);
    expect(stubborn.status).toBe(200);
    const crashId = crash.body.run_id;
    const stubbornId = stubborn.body.run_id;

    // The middle of the run: 'first' has succeeded, 'slow' sleeps with half an output written.
    const pidsFile = path.join(scratch, 'slow.pids');
    const stubbornPidFile = path.join(scratch, 'stubborn.pid');
    await eventually(
      async () =>
        fs.existsSync(pidsFile) &&
        fs.existsSync(stubbornPidFile) &&
        tasksOf(await getRun(api, crashId)).first?.state === 'SUCCEEDED',
      15_000,
      'the run to reach its sleeping task',
    );
    const [slowPid = 0, sleepPid = 0] = fs.readFileSync(pidsFile, 'utf8').split(' ').map(Number);
    const stubbornPid = Number(fs.readFileSync(stubbornPidFile, 'utf8'));
    // The other run is being terminated; its task ignores SIGTERM, so it stays CANCELING.
    expect((await api.post(`${RUNS}/${stubbornId}:terminate`)).status).toBe(200);
    expect((await getRun(api, stubbornId)).state).toBe('CANCELING');
    expect((await getRun(api, crashId)).state).toBe('RUNNING');

    await child.kill();
    child = undefined;

    // The watchdog kills the task processes the dead engine left, child processes included.
    await eventually(
      () => ![slowPid, sleepPid, stubbornPid].some(isAlive),
      5000,
      'the orphaned task processes to be killed',
    );

    restarted = await startTestEngine({ dataDir });
    expect(restarted.engine.recoveredRuns).toBe(2);
    const again = restarted.api;

    const failed = await getRun(again, crashId);
    expect(failed.state).toBe('FAILED');
    expect(failed.error?.message).toMatch(/^the engine restarted while the run was RUNNING/);
    expect(failed.state_history.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    const tasks = tasksOf(failed);
    expect(tasks.first?.state).toBe('SUCCEEDED');
    expect(tasks.slow?.state).toBe('FAILED');
    expect(tasks.slow?.error?.message).toContain('the engine restarted');

    // The finished task's outputs survived and can be downloaded.
    const dataId = tasks.first?.outputs?.data?.artifact_ids[0] ?? '';
    const download = await fetch(again.link(`/apis/v2beta1/artifacts/${dataId}:download`));
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('complete\n');
    const detail = await again.get<{ parameters: { outputs: Record<string, unknown> } }>(
      `${RUNS}/${crashId}/tasks/first`,
    );
    expect(detail.body.parameters.outputs).toEqual({ rows: 3 });

    // Only complete outputs are left in the artifacts folder: no partial or temporary file.
    const artifacts = filesBelow(path.join(dataDir, 'artifacts'));
    expect(artifacts).toEqual([path.join('crash-me', crashId, 'first', 'data')]);
    expect(filesBelow(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const canceled = await getRun(again, stubbornId);
    expect(canceled.state).toBe('CANCELED');
    expect(canceled.state_history.map((s) => s.state)).toEqual([
      'PENDING',
      'RUNNING',
      'CANCELING',
      'CANCELED',
    ]);

    // A retry reuses the finished task (caching is off in this pipeline) and runs the others.
    fs.writeFileSync(path.join(scratch, 'resume'), '');
    expect((await again.post(`${RUNS}/${crashId}:retry`)).status).toBe(200);
    const retried = await eventually(
      async () => {
        const run = await getRun(again, crashId);
        return ['SUCCEEDED', 'FAILED', 'CANCELED'].includes(run.state) ? run : undefined;
      },
      15_000,
      'the retried run to end',
    );
    expect(retried.state, JSON.stringify(retried.error)).toBe('SUCCEEDED');
    const first = await again.get<{ reused?: boolean; task_id: string; attempts: unknown[] }>(
      `${RUNS}/${crashId}/tasks/first`,
    );
    expect(first.body.reused).toBe(true);
    expect(first.body.task_id).toBe(tasks.first?.task_id);
    expect(first.body.attempts).toHaveLength(1);
    expect(fs.readFileSync(path.join(scratch, 'first-ran'), 'utf8')).toBe('x');
    expect(filesBelow(path.join(dataDir, 'artifacts'))).toEqual([
      path.join('crash-me', crashId, 'first', 'data'),
      path.join('crash-me', crashId, 'slow', 'out'),
    ]);
  }, 40_000);

  it('closes cleanly after running tasks: close() resolves and the process exits by itself', async () => {
    const dir = tempDir('pipelab-close-');
    try {
      const engine = await spawnEngineProcess(dir);
      const created = await engine.api.post<Run>(RUNS, {
        display_name: 'quick',
        pipeline_spec: nodePipeline('quick', { only: { script: "console.log('ok')" } }),
      });
      await eventually(
        async () => (await getRun(engine.api, created.body.run_id)).state === 'SUCCEEDED',
        10_000,
        'the run to succeed',
      );
      const exit = new Promise<number | null>((resolve) => engine.child.once('exit', resolve));
      engine.child.kill('SIGTERM');
      const code = await Promise.race([
        exit,
        new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 5000)),
      ]);
      await engine.kill();
      expect(code).toBe(0);
      expect(engine.stdout()).toContain('closed\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
