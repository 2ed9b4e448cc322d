import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RunParameterError,
  RunSpecError,
  executePipeline,
  localPathOfUri,
  parseDuration,
  runPipeline,
  type TaskState,
} from '../../../kernel-lib/src/engine/runner';
import {
  DATASET,
  PRELUDE,
  WRITE,
  eventLog,
  node,
  pipeline,
  task,
  tempDir,
  taskLog,
} from './helpers';

/** produce(text) -> out (Dataset, metadata via executor_output.json), n; consume(data, count) -> result. */
function chainSpec() {
  const produce = `${PRELUDE} ${WRITE}
    const [text, out, nFile, executorInput] = argv;
    write(out, text);
    write(nFile, String(text.length));
    const ei = JSON.parse(executorInput);
    write(ei.outputs.outputFile, JSON.stringify({ artifacts: { out: { artifacts: [{ metadata: { chars: text.length } }] } } }));
    console.log('produced ' + text.length + ' chars');`;
  const consume = `${PRELUDE} ${WRITE}
    const [data, count, metadata, resultFile] = argv;
    write(resultFile, fs.readFileSync(data, 'utf8') + ':' + count + ':' + JSON.parse(metadata).chars + '\\n');`;
  return pipeline({
    name: 'chain',
    components: {
      produce: {
        inputs: { parameters: { text: { parameterType: 'STRING' } } },
        outputs: {
          artifacts: { out: DATASET },
          parameters: { n: { parameterType: 'NUMBER_INTEGER' } },
        },
        container: {
          image: 'node:20-slim',
          command: node(produce),
          args: [
            "{{$.inputs.parameters['text']}}",
            "{{$.outputs.artifacts['out'].path}}",
            "{{$.outputs.parameters['n'].output_file}}",
            '{{$}}',
          ],
        },
      },
      consume: {
        inputs: {
          artifacts: { data: DATASET },
          parameters: { count: { parameterType: 'NUMBER_INTEGER' } },
        },
        outputs: { parameters: { result: { parameterType: 'STRING' } } },
        container: {
          image: 'node:20-slim',
          command: node(consume),
          args: [
            "{{$.inputs.artifacts['data'].path}}",
            "{{$.inputs.parameters['count']}}",
            "{{$.inputs.artifacts['data'].metadata}}",
            "{{$.outputs.parameters['result'].output_file}}",
          ],
        },
      },
    },
    tasks: {
      produce: task('produce', {
        inputs: { parameters: { text: { componentInputParameter: 'text' } } },
      }),
      consume: task('consume', {
        dependentTasks: ['produce'],
        inputs: {
          artifacts: {
            data: { taskOutputArtifact: { producerTask: 'produce', outputArtifactKey: 'out' } },
          },
          parameters: {
            count: { taskOutputParameter: { producerTask: 'produce', outputParameterKey: 'n' } },
          },
        },
      }),
    },
    inputs: {
      parameters: { text: { parameterType: 'STRING', defaultValue: 'hello', isOptional: true } },
    },
    outputs: { parameters: { result: { parameterType: 'STRING' } }, artifacts: { data: DATASET } },
    dagOutputs: {
      parameters: {
        result: {
          valueFromParameter: { producerSubtask: 'consume', outputParameterKey: 'result' },
        },
      },
      artifacts: {
        data: { artifactSelectors: [{ producerSubtask: 'produce', outputArtifactKey: 'out' }] },
      },
    },
  });
}

describe('runPipeline', () => {
  it('runs a two-task chain passing a parameter and an artifact', async () => {
    const workDir = tempDir();
    const { events, onEvent } = eventLog();
    const handle = runPipeline(chainSpec(), {
      workDir,
      parameters: { text: 'abc' },
      runId: 'run-1',
      onEvent,
    });
    expect(handle.snapshot().tasks.produce?.state).toBe('PENDING');
    const result = await handle.result;

    expect(result.state).toBe('SUCCEEDED');
    const { produce, consume } = result.tasks;
    expect(produce?.state).toBe('SUCCEEDED');
    expect(consume?.state).toBe('SUCCEEDED');
    expect(produce?.outputs.parameters).toEqual({ n: 3 });
    const out = produce?.outputs.artifacts.out;
    expect(out?.uri).toBe(`file://${workDir}/artifacts/chain/run-1/produce/out`);
    expect(out?.metadata).toEqual({ chars: 3 });
    expect(fs.readFileSync(localPathOfUri(out?.uri ?? '') ?? '', 'utf8')).toBe('abc');
    expect(consume?.inputs.artifacts.data?.uri).toBe(out?.uri);
    expect(consume?.inputs.parameters).toEqual({ count: 3 });
    // A STRING output keeps its trailing newline.
    expect(result.outputs.parameters).toEqual({ result: 'abc:3:3\n' });
    expect(result.outputs.artifacts.data?.uri).toBe(out?.uri);

    // Files land under <workDir>/<task path>/.
    expect(produce?.logPath).toBe(path.join(workDir, 'produce', 'logs', 'attempt-1.log'));
    expect(taskLog([produce?.logPath])).toBe('produced 3 chars\n');
    expect(fs.existsSync(path.join(workDir, 'produce', 'executor_output.json'))).toBe(true);
    expect(fs.readFileSync(path.join(workDir, 'consume', 'outputs', 'result'), 'utf8')).toBe(
      'abc:3:3\n',
    );
    expect(produce?.attempts).toHaveLength(1);
    expect(produce?.attempts[0]?.exitCode).toBe(0);
    expect(produce?.startTime).toBeInstanceOf(Date);
    expect(produce?.podName).toMatch(/^chain-\d{14}-produce-[0-9a-f]{6}$/);

    // Events: state changes in order and log lines.
    const states = events.flatMap((e) =>
      e.type === 'task' && e.task.path === 'produce' ? [e.task.state] : [],
    );
    expect(states.filter((s, i) => s !== states[i - 1])).toEqual([
      'PENDING',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'log',
        taskPath: 'produce',
        stream: 'stdout',
        line: 'produced 3 chars',
      }),
    );
    const runStates = events.flatMap((e) => (e.type === 'run' ? [e.state] : []));
    expect(runStates).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('checks runtime parameters and applies defaults', async () => {
    const spec = chainSpec();
    spec.root.inputDefinitions = {
      parameters: {
        text: { parameterType: 'STRING' },
        n: { parameterType: 'NUMBER_INTEGER', defaultValue: 7, isOptional: true },
      },
    };
    expect(() => runPipeline(spec, { workDir: tempDir() })).toThrow(RunParameterError);
    expect(() => runPipeline(spec, { workDir: tempDir() })).toThrow(
      /needs a value for its parameter 'text'/,
    );
    expect(() => runPipeline(spec, { parameters: { text: 'a', nope: 1 } })).toThrow(
      /has no parameter 'nope'; its parameters are text, n/,
    );
    expect(() => runPipeline(spec, { parameters: { text: 'a', n: 1.5 } })).toThrow(
      /parameter 'n' of pipeline 'chain' must be an integer \(NUMBER_INTEGER\); got 1.5/,
    );
    expect(() => runPipeline(spec, { parameters: { text: 3 } })).toThrow(/must be a string/);
    try {
      runPipeline(spec, { parameters: { text: 'a', n: 'x' } });
    } catch (error) {
      expect(error).toBeInstanceOf(RunParameterError);
      expect((error as RunParameterError).parameter).toBe('n');
    }
    const result = await executePipeline(spec, { workDir: tempDir(), parameters: { text: 'xy' } });
    expect(result.parameters).toEqual({ text: 'xy', n: 7 });
  });

  it('rejects specs it cannot run', () => {
    const spec = chainSpec();
    spec.root.dag.tasks.consume = task('missing');
    expect(() => runPipeline(spec)).toThrow(RunSpecError);
    expect(() => runPipeline(spec)).toThrow(
      /refers to component 'comp-missing', which is not defined/,
    );
    const cyclic = chainSpec();
    cyclic.root.dag.tasks.produce = {
      ...cyclic.root.dag.tasks.produce!,
      dependentTasks: ['consume'],
    };
    expect(() => runPipeline(cyclic)).toThrow(
      /dependency cycle: (produce -> consume -> produce|consume -> produce -> consume)/,
    );
  });

  it('fails the run when a task fails, and does not run what depends on it', async () => {
    const workDir = tempDir();
    const marker = path.join(workDir, 'downstream-ran');
    const spec = pipeline({
      components: {
        bad: {
          container: {
            image: 'x',
            command: node(`console.error('oops: bad input'); process.exit(3)`),
          },
        },
        touch: {
          inputs: { parameters: { file: { parameterType: 'STRING' } } },
          container: {
            image: 'x',
            command: node(`require('fs').writeFileSync(process.argv[1], 'ran')`),
            args: ["{{$.inputs.parameters['file']}}"],
          },
        },
        silent: {
          outputs: { parameters: { answer: { parameterType: 'NUMBER_INTEGER' } } },
          container: { image: 'x', command: node('') },
        },
      },
      tasks: {
        bad: task('bad'),
        after: task(
          'touch',
          {
            dependentTasks: ['bad'],
            inputs: { parameters: { file: { runtimeValue: { constant: marker } } } },
          },
          'after',
        ),
        after2: task(
          'touch',
          {
            dependentTasks: ['after'],
            inputs: { parameters: { file: { runtimeValue: { constant: marker } } } },
          },
          'after2',
        ),
        independent: task(
          'touch',
          {
            inputs: {
              parameters: {
                file: { runtimeValue: { constant: path.join(workDir, 'independent-ran') } },
              },
            },
          },
          'independent',
        ),
        silent: task('silent'),
      },
    });
    const result = await executePipeline(spec, { workDir });
    expect(result.state).toBe('FAILED');
    const t = result.tasks;
    expect(t.bad?.state).toBe('FAILED');
    expect(t.bad?.error).toMatch(
      /task 'bad' failed: exited with code 3; its last error output:\noops: bad input/,
    );
    expect(t.after?.state).toBe('SKIPPED');
    expect(t.after?.skipReason).toBe('UPSTREAM_FAILED');
    expect(t.after?.error).toMatch(/upstream task 'bad' failed/);
    expect(t.after2?.state).toBe('SKIPPED');
    expect(t.after2?.attempts).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
    expect(t.independent?.state).toBe('SUCCEEDED');
    expect(fs.existsSync(path.join(workDir, 'independent-ran'))).toBe(true);
    expect(t.silent?.state).toBe('FAILED');
    expect(t.silent?.error).toMatch(/did not write its output parameter 'answer'/);
    expect(result.error).toMatch(/tasks 'bad', 'silent' failed/);
  });

  it('retries a failing task with backoff, then succeeds', async () => {
    const workDir = tempDir();
    const counter = path.join(workDir, 'counter');
    const flaky = `${PRELUDE}
      const file = argv[0];
      const n = (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0) + 1;
      fs.writeFileSync(file, String(n));
      console.log('attempt ' + n);
      if (n < Number(argv[1])) { console.error('not yet'); process.exit(1); }`;
    const spec = pipeline({
      components: {
        flaky: {
          inputs: {
            parameters: {
              file: { parameterType: 'STRING' },
              succeedAt: { parameterType: 'NUMBER_INTEGER' },
            },
          },
          container: {
            image: 'x',
            command: node(flaky),
            args: ["{{$.inputs.parameters['file']}}", "{{$.inputs.parameters['succeedAt']}}"],
          },
        },
      },
      tasks: {
        flaky: task('flaky', {
          inputs: {
            parameters: {
              file: { runtimeValue: { constant: counter } },
              succeedAt: { runtimeValue: { constant: 3 } },
            },
          },
          retryPolicy: {
            maxRetryCount: 3,
            backoffDuration: '10s',
            backoffFactor: 2,
            backoffMaxDuration: '15s',
          },
        }),
        hopeless: task(
          'flaky',
          {
            inputs: {
              parameters: {
                file: { runtimeValue: { constant: path.join(workDir, 'counter2') } },
                succeedAt: { runtimeValue: { constant: 99 } },
              },
            },
            retryPolicy: { maxRetryCount: 1 },
          },
          'hopeless',
        ),
      },
    });
    const waits: number[] = [];
    const result = await executePipeline(spec, {
      workDir,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const flakyTask = result.tasks.flaky;
    expect(flakyTask?.state).toBe('SUCCEEDED');
    expect(flakyTask?.attempts.map((a) => a.exitCode)).toEqual([1, 1, 0]);
    expect(taskLog(flakyTask?.attempts.map((a) => a.logPath) ?? [])).toBe(
      'attempt 1\nnot yet\nattempt 2\nnot yet\nattempt 3\n',
    );
    expect(fs.readFileSync(counter, 'utf8')).toBe('3');
    const hopeless = result.tasks.hopeless;
    expect(hopeless?.state).toBe('FAILED');
    expect(hopeless?.attempts).toHaveLength(2);
    expect(hopeless?.error).toMatch(/task 'hopeless' failed after 2 attempts: exited with code 1/);
    // 10s, then 20s capped at 15s for flaky; KFP's default factor 2 from 0s for hopeless.
    expect(waits.sort((a, b) => a - b)).toEqual([0, 10_000, 15_000]);
    expect(parseDuration('3600s')).toBe(3_600_000);
    expect(parseDuration('0.5s')).toBe(500);
  });

  it('never runs more task processes at once than parallelism', async () => {
    const workDir = tempDir();
    const markers = path.join(workDir, 'markers');
    // Each task waits (up to 1 s) until it sees another one running, so two always overlap.
    const script = `${PRELUDE}
      const [dir, me] = argv;
      fs.mkdirSync(dir, { recursive: true });
      const mine = path.join(dir, me + '.running');
      fs.writeFileSync(mine, '');
      const count = () => fs.readdirSync(dir).filter((f) => f.endsWith('.running')).length;
      let max = 0;
      const end = Date.now() + 1000;
      (function tick() {
        max = Math.max(max, count());
        if (max < 2 && Date.now() < end) return setTimeout(tick, 10);
        setTimeout(() => {
          max = Math.max(max, count());
          fs.unlinkSync(mine);
          fs.writeFileSync(path.join(dir, me + '.max'), String(max));
        }, 100);
      })();`;
    const tasks: Record<string, ReturnType<typeof task>> = {};
    for (let i = 1; i <= 6; i++) {
      tasks[`t${i}`] = task(
        'work',
        { inputs: { parameters: { me: { runtimeValue: { constant: `t${i}` } } } } },
        `t${i}`,
      );
    }
    const spec = pipeline({
      components: {
        work: {
          inputs: { parameters: { me: { parameterType: 'STRING' } } },
          container: {
            image: 'x',
            command: node(script),
            args: [markers, "{{$.inputs.parameters['me']}}"],
          },
        },
      },
      tasks,
    });
    const running = new Set<string>();
    let maxRunning = 0;
    const result = await executePipeline(spec, {
      workDir,
      parallelism: 2,
      onEvent: (e) => {
        if (e.type !== 'task') return;
        const ended: TaskState[] = ['SUCCEEDED', 'FAILED', 'CANCELED'];
        if (e.task.state === 'RUNNING') running.add(e.task.path);
        else if (ended.includes(e.task.state)) running.delete(e.task.path);
        maxRunning = Math.max(maxRunning, running.size);
      },
    });
    expect(result.state).toBe('SUCCEEDED');
    const seen = Object.keys(tasks).map((t) =>
      Number(fs.readFileSync(path.join(markers, `${t}.max`), 'utf8')),
    );
    expect(Math.max(...seen)).toBe(2);
    expect(maxRunning).toBe(2);
  });
});
