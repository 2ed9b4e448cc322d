import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InputsSpec, OutputsSpec } from '../../../kernel-lib/src/compiler/spec';
import { executePipeline, localPathOfUri } from '../../../kernel-lib/src/engine/runner';
import { DATASET, METRICS, MODEL, pipeline, task, taskLog, tempDir } from './helpers';

const EXECUTOR = fs.readFileSync(
  path.resolve(__dirname, '../../../kernel-lib/runtime/executor.cjs'),
  'utf8',
);

/** A function component exactly as the compiler emits it. */
function fnComponent(
  name: string,
  source: string,
  returnsSingle: boolean,
  inputs?: InputsSpec,
  outputs?: OutputsSpec,
) {
  const program = `${EXECUTOR}\n;pipelabExecute(${source}, ${JSON.stringify({ returnsSingle })}, process.argv.slice(1));\n`;
  return {
    ...(inputs ? { inputs } : {}),
    ...(outputs ? { outputs } : {}),
    container: {
      image: 'node:20-slim',
      command: ['node', '-e', program, '--'],
      args: ['--executor_input', '{{$}}', '--function_to_execute', name],
    },
  };
}

const makeData = `function makeData({ text, times, loud }, { data }) {
  const fs = require('fs');
  const lines = Array.from({ length: times }, () => (loud ? text.toUpperCase() : text));
  fs.writeFileSync(data.path, lines.join('\\n'));
  data.metadata.lines = times;
  console.log('wrote ' + times + ' lines to ' + data.path);
  return { count: times, first: lines[0] };
}`;

const train = `async ({ data, lr, note }, { model, metrics }) => {
  const fs = require('fs');
  const text = fs.readFileSync(data.path, 'utf8');
  await new Promise((resolve) => setTimeout(resolve, 10));
  fs.writeFileSync(model.path, JSON.stringify({ lr, lines: data.metadata.lines, uri: data.uri, name: data.name }));
  model.metadata.framework = 'tfjs';
  metrics.logMetric('rmse', 71.8);
  metrics.logMetric('lines', data.metadata.lines);
  return 'trained on ' + text.split('\\n').length + ' lines' + (note === undefined ? ' (no note)' : ' ' + note);
}`;

function harnessSpec() {
  return pipeline({
    name: 'functions',
    components: {
      'make-data': fnComponent(
        'makeData',
        makeData,
        false,
        {
          parameters: {
            text: { parameterType: 'STRING' },
            times: { parameterType: 'NUMBER_INTEGER' },
            loud: { parameterType: 'BOOLEAN', defaultValue: false, isOptional: true },
          },
        },
        {
          artifacts: { data: DATASET },
          parameters: {
            count: { parameterType: 'NUMBER_INTEGER' },
            first: { parameterType: 'STRING' },
          },
        },
      ),
      train: fnComponent(
        'train',
        train,
        true,
        {
          artifacts: { data: DATASET },
          parameters: {
            lr: { parameterType: 'NUMBER_DOUBLE' },
            note: { parameterType: 'STRING', isOptional: true },
          },
        },
        {
          artifacts: { model: MODEL, metrics: METRICS },
          parameters: { Output: { parameterType: 'STRING' } },
        },
      ),
      broken: fnComponent(
        'broken',
        `function broken() { throw new RangeError('the data is empty'); }`,
        false,
      ),
      forgetful: fnComponent('forgetful', `() => ({ count: 1 })`, false, undefined, {
        parameters: {
          count: { parameterType: 'NUMBER_INTEGER' },
          first: { parameterType: 'STRING' },
        },
      }),
      mistyped: fnComponent('mistyped', `() => 'seven'`, true, undefined, {
        parameters: { Output: { parameterType: 'NUMBER_INTEGER' } },
      }),
    },
    tasks: {
      'make-data': task('make-data', {
        inputs: {
          parameters: {
            text: { componentInputParameter: 'text' },
            times: { runtimeValue: { constant: 3 } },
          },
        },
      }),
      train: task('train', {
        inputs: {
          artifacts: {
            data: { taskOutputArtifact: { producerTask: 'make-data', outputArtifactKey: 'data' } },
          },
          parameters: { lr: { runtimeValue: { constant: 0.01 } } },
        },
      }),
      broken: task('broken'),
      forgetful: task('forgetful'),
      mistyped: task('mistyped'),
    },
    inputs: { parameters: { text: { parameterType: 'STRING' } } },
    outputs: {
      parameters: { Output: { parameterType: 'STRING' } },
      artifacts: { metrics: METRICS },
    },
    dagOutputs: {
      parameters: {
        Output: { valueFromParameter: { producerSubtask: 'train', outputParameterKey: 'Output' } },
      },
      artifacts: {
        metrics: {
          artifactSelectors: [{ producerSubtask: 'train', outputArtifactKey: 'metrics' }],
        },
      },
    },
  });
}

describe('function components (runtime/executor.cjs)', () => {
  it('runs functions with parameters, artifacts, metadata and metrics, and reports their errors', async () => {
    const workDir = tempDir();
    const result = await executePipeline(harnessSpec(), {
      workDir,
      parameters: { text: 'row' },
      runId: 'fn',
    });
    const t = result.tasks;

    // returnsSingle false: an object of outputs; an output artifact with metadata.
    expect(t['make-data']?.state).toBe('SUCCEEDED');
    expect(t['make-data']?.outputs.parameters).toEqual({ count: 3, first: 'row' });
    const data = t['make-data']?.outputs.artifacts.data;
    expect(data?.metadata).toEqual({ lines: 3 });
    expect(fs.readFileSync(localPathOfUri(data?.uri ?? '') ?? '', 'utf8')).toBe('row\nrow\nrow');
    expect(taskLog([t['make-data']?.logPath])).toMatch(/^wrote 3 lines to \//);
    expect(fs.readFileSync(path.join(workDir, 'make-data', 'outputs', 'first'), 'utf8')).toBe(
      'row',
    );

    // returnsSingle true, async, an input artifact, an absent optional input, Metrics via logMetric.
    expect(t.train?.state).toBe('SUCCEEDED');
    expect(t.train?.outputs.parameters).toEqual({ Output: 'trained on 3 lines (no note)' });
    expect(t.train?.outputs.artifacts.metrics?.metadata).toEqual({ rmse: 71.8, lines: 3 });
    expect(t.train?.outputs.artifacts.model?.metadata).toEqual({ framework: 'tfjs' });
    const model = JSON.parse(
      fs.readFileSync(localPathOfUri(t.train?.outputs.artifacts.model?.uri ?? '') ?? '', 'utf8'),
    );
    expect(model).toEqual({ lr: 0.01, lines: 3, uri: data?.uri, name: 'data' });
    expect(result.outputs.parameters).toEqual({ Output: 'trained on 3 lines (no note)' });
    expect(result.outputs.artifacts.metrics?.metadata).toEqual({ rmse: 71.8, lines: 3 });

    // A function that throws: FAILED, with its error and stack in the log.
    expect(t.broken?.state).toBe('FAILED');
    const brokenLog = taskLog([t.broken?.logPath]);
    expect(brokenLog).toContain(
      "pipelab: function component 'broken' threw an error: the data is empty",
    );
    expect(brokenLog).toContain('RangeError: the data is empty\n    at broken');
    expect(t.broken?.error).toContain('exited with code 1');
    expect(t.broken?.error).toContain('the data is empty');

    // Outputs that do not match the declaration name the output.
    expect(t.forgetful?.state).toBe('FAILED');
    expect(t.forgetful?.error).toContain("the function did not return its output 'first'");
    expect(t.mistyped?.state).toBe('FAILED');
    expect(t.mistyped?.error).toMatch(/output parameter 'Output' must be an integer/);

    expect(result.state).toBe('FAILED');
  });
});
