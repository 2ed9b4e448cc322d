/**
 * What the engine needs from the runner: object-store pipeline roots kept below a local folder,
 * every task announced (with its create time) when the run starts, a retry that reuses the
 * tasks an earlier attempt finished (caching off), task processes reported to a monitor, no
 * output left behind by an attempt that failed, and synchronous refusals of bad input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  executePipeline,
  localPathOfUri,
  mapObjectStoreUri,
  RunOptionsError,
  RunParameterError,
  RunSpecError,
  runPipeline,
  type TaskResult,
} from '../../../kernel-lib/src/engine/runner';
import { DATASET, eventLog, node, pipeline, task, tempDir as newTempDir } from './helpers';

const WRITE = `const fs=require('fs'),p=require('path'); function write(f, t) { fs.mkdirSync(p.dirname(f), {recursive: true}); fs.writeFileSync(f, t); }`;

/** make → use, the first counting its runs in a file, the second failing while `fail` exists. */
function twoStep(counter: string, failFlag: string) {
  return pipeline({
    name: 'two-step',
    components: {
      make: {
        outputs: { artifacts: { data: DATASET } },
        container: {
          image: 'node:20',
          command: node(`${WRITE} const [out, counter] = process.argv.slice(1);
            fs.appendFileSync(counter, 'x'); write(out, 'made');`),
          args: ["{{$.outputs.artifacts['data'].path}}", counter],
        },
      },
      use: {
        inputs: { artifacts: { data: DATASET } },
        outputs: { artifacts: { out: DATASET } },
        container: {
          image: 'node:20',
          command: node(`${WRITE} const [data, out, flag] = process.argv.slice(1);
            write(out, 'half'); if (fs.existsSync(flag)) { console.error('not now'); process.exit(1); }
            write(out, fs.readFileSync(data, 'utf8') + ' and used');`),
          args: [
            "{{$.inputs.artifacts['data'].path}}",
            "{{$.outputs.artifacts['out'].path}}",
            failFlag,
          ],
        },
      },
    },
    tasks: {
      make: task('make'),
      use: task('use', {
        inputs: {
          artifacts: {
            data: { taskOutputArtifact: { producerTask: 'make', outputArtifactKey: 'data' } },
          },
        },
      }),
    },
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed after the suite. */
function tempDir(): string {
  const dir = newTempDir();
  dirs.push(dir);
  return dir;
}

describe('runner support for the engine', () => {
  it('keeps gs://, s3:// and minio:// pipeline roots below the buckets folder', async () => {
    const dir = tempDir();
    const buckets = path.join(dir, 'buckets');
    const result = await executePipeline(twoStep(path.join(dir, 'n'), path.join(dir, 'no')), {
      workDir: path.join(dir, 'run'),
      runId: 'r1',
      pipelineRoot: 'gs://my-bucket/root/',
      bucketsDir: buckets,
    });
    expect(result.state).toBe('SUCCEEDED');
    expect(result.pipelineRoot).toBe(`file://${buckets}/gs/my-bucket/root`);
    const uri = result.tasks.use?.outputs.artifacts.out?.uri ?? '';
    expect(uri).toBe(`file://${buckets}/gs/my-bucket/root/two-step/r1/use/out`);
    expect(fs.readFileSync(localPathOfUri(uri) ?? '', 'utf8')).toBe('made and used');

    expect(mapObjectStoreUri('s3://b/k/x', buckets)).toBe(`file://${buckets}/s3/b/k/x`);
    expect(mapObjectStoreUri('minio://b/k', buckets)).toBe(`file://${buckets}/minio/b/k`);
    expect(mapObjectStoreUri('file:///x', buckets)).toBe('file:///x');
    for (const root of ['gs://b/../../etc', 'gs://', 's3:///key', 'minio://b/./k']) {
      expect(() =>
        runPipeline(twoStep('a', 'b'), { pipelineRoot: root, bucketsDir: buckets }),
      ).toThrow(RunOptionsError);
    }
    // Without a buckets folder, KFP's mount convention applies; a root with no path is refused.
    expect(() => runPipeline(twoStep('a', 'b'), { pipelineRoot: 'https://x/y' })).toThrow(
      /has no local path/,
    );
  });

  it('announces every task at the start with its create time, and reports task processes', async () => {
    const dir = tempDir();
    const { events, onEvent } = eventLog();
    const started: number[] = [];
    const ended: number[] = [];
    const result = await executePipeline(twoStep(path.join(dir, 'n'), path.join(dir, 'no')), {
      workDir: path.join(dir, 'run'),
      onEvent,
      processMonitor: { started: (pid) => started.push(pid), ended: (pid) => ended.push(pid) },
    });
    expect(result.state).toBe('SUCCEEDED');
    const running = events.findIndex((e) => e.type === 'run' && e.state === 'RUNNING');
    const announced = events
      .slice(running + 1, running + 3)
      .map((e) => (e.type === 'task' ? [e.task.path, e.task.state] : []));
    expect(announced).toEqual([
      ['make', 'PENDING'],
      ['use', 'PENDING'],
    ]);
    const make = result.tasks.make;
    expect(make?.createTime).toBeInstanceOf(Date);
    expect(make?.createTime.getTime()).toBeLessThanOrEqual(make?.startTime?.getTime() ?? 0);
    expect(result.tasks.use?.createTime).toEqual(make?.createTime);
    const pids = [make?.attempts[0]?.pid, result.tasks.use?.attempts[0]?.pid];
    expect(started).toEqual(pids);
    expect(ended).toEqual(pids);
  });

  it('leaves no output of a failed attempt, and reuses finished tasks on a retry without caching', async () => {
    const dir = tempDir();
    const counter = path.join(dir, 'made');
    const flag = path.join(dir, 'fail');
    fs.writeFileSync(flag, '');
    const spec = twoStep(counter, flag);
    const root = `file://${path.join(dir, 'artifacts')}`;
    const first = await executePipeline(spec, {
      workDir: path.join(dir, 'attempt-1'),
      runId: 'run',
      pipelineRoot: root,
      enableCaching: false,
    });
    expect(first.state).toBe('FAILED');
    // 'use' wrote half an output before failing: it is gone, with its folder.
    expect(fs.existsSync(path.join(dir, 'artifacts', 'two-step', 'run', 'use'))).toBe(false);
    expect(
      fs.readFileSync(path.join(dir, 'artifacts', 'two-step', 'run', 'make', 'data'), 'utf8'),
    ).toBe('made');

    fs.rmSync(flag);
    const { events, onEvent } = eventLog();
    const previous: TaskResult[] = Object.values(first.tasks);
    const second = await executePipeline(spec, {
      workDir: path.join(dir, 'attempt-2'),
      runId: 'run',
      pipelineRoot: root,
      enableCaching: false,
      reuseTasks: previous,
      onEvent,
    });
    expect(second.state).toBe('SUCCEEDED');
    const make = second.tasks.make;
    expect(make?.reused).toBe(true);
    expect(make?.state).toBe('SUCCEEDED');
    expect(make?.taskId).toBe(first.tasks.make?.taskId);
    expect(make?.attempts).toEqual(first.tasks.make?.attempts);
    expect(make?.createTime).toEqual(first.tasks.make?.createTime);
    expect(fs.readFileSync(counter, 'utf8')).toBe('x');
    expect(second.tasks.use?.reused).toBeUndefined();
    expect(second.tasks.use?.attempts).toHaveLength(1);
    expect(
      events.some((e) => e.type === 'task' && e.task.path === 'make' && e.task.state === 'RUNNING'),
    ).toBe(false);

    // A finished task whose output is gone, or whose inputs changed, runs again.
    fs.rmSync(path.join(dir, 'artifacts', 'two-step', 'run', 'make', 'data'));
    const third = await executePipeline(spec, {
      workDir: path.join(dir, 'attempt-3'),
      runId: 'run',
      pipelineRoot: root,
      reuseTasks: Object.values(second.tasks),
    });
    expect(third.state).toBe('SUCCEEDED');
    expect(third.tasks.make?.reused).toBeUndefined();
    expect(fs.readFileSync(counter, 'utf8')).toBe('xx');
  });

  it('refuses a bad spec, parameters or options synchronously', () => {
    const spec = twoStep('a', 'b');
    spec.root.inputDefinitions = { parameters: { n: { parameterType: 'NUMBER_INTEGER' } } };
    expect(() => runPipeline(spec, { parameters: { n: 'x' } })).toThrow(RunParameterError);
    expect(() => runPipeline(spec, { parameters: { n: 1, m: 2 } })).toThrow(RunParameterError);
    const escaping = twoStep('a', 'b');
    escaping.pipelineInfo.name = '../../elsewhere';
    expect(() => runPipeline(escaping)).toThrow(/cannot be a folder name/);
    const badOutput = twoStep('a', 'b');
    badOutput.components!['comp-use']!.outputDefinitions = {
      artifacts: { '../../../out': DATASET },
    };
    expect(() => runPipeline(badOutput)).toThrow(/output artifact named "..\/..\/..\/out"/);
    const broken = twoStep('a', 'b');
    broken.root.dag.tasks.use!.dependentTasks = ['ghost'];
    expect(() => runPipeline(broken)).toThrow(RunSpecError);
    expect(() => runPipeline(twoStep('a', 'b'), { reuseTasks: {} as never })).toThrow(
      RunOptionsError,
    );
    expect(() =>
      runPipeline(twoStep('a', 'b'), { processMonitor: { started: () => undefined } as never }),
    ).toThrow(/processMonitor/);
  });
});
