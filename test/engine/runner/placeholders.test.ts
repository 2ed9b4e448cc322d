import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import { executePipeline, type RunResult } from '../../../kernel-lib/src/engine/runner';
import { DATASET, MODEL, PRELUDE, WRITE, node, pipeline, task, tempDir, taskLog } from './helpers';

const GOLDEN = path.resolve(__dirname, '../../../../shared/kfp/golden');

/** A task that records the arguments it got (as JSON, in its output parameter `argv`). */
function placeholderSpec(): PipelineSpec {
  const produce = `${PRELUDE} ${WRITE}
    write(argv[0], 'data');
    write(JSON.parse(argv[1]).outputs.outputFile, JSON.stringify({ artifacts: { out: { artifacts: [{ metadata: { rows: 2 } }] } } }));`;
  const show = `${PRELUDE} ${WRITE}
    const outputFileIndex = argv.indexOf('--argv-file') + 1;
    write(argv[outputFileIndex], JSON.stringify(argv));
    write(argv[argv.indexOf('--model') + 1], 'model');`;
  const p = (name: string) => `{{$.inputs.parameters['${name}']}}`;
  return pipeline({
    name: 'placeholders',
    components: {
      produce: {
        outputs: { artifacts: { out: DATASET } },
        container: {
          image: 'x',
          command: node(produce),
          args: ["{{$.outputs.artifacts['out'].path}}", '{{$}}'],
        },
      },
      show: {
        inputs: {
          parameters: {
            s: { parameterType: 'STRING' },
            i: { parameterType: 'NUMBER_INTEGER' },
            f: { parameterType: 'NUMBER_DOUBLE' },
            b: { parameterType: 'BOOLEAN' },
            l: { parameterType: 'LIST' },
            d: { parameterType: 'STRUCT' },
            opt: { parameterType: 'STRING', isOptional: true },
            jobName: { parameterType: 'STRING' },
            taskName: { parameterType: 'STRING' },
          },
          artifacts: { data: DATASET },
        },
        outputs: { parameters: { argv: { parameterType: 'STRING' } }, artifacts: { model: MODEL } },
        container: {
          image: 'x',
          command: node(show),
          args: [
            p('s'),
            p('i'),
            p('f'),
            p('b'),
            p('l'),
            p('d'),
            `{"IfPresent": {"InputName": "opt", "Then": ["--opt", "${p('opt')}"], "Else": ["--no-opt"]}}`,
            `{"Concat": ["--i=", "${p('i')}", "/", "${p('s')}"]}`,
            `{"Concat": ["[", {"IfPresent": {"InputName": "opt", "Then": ["${p('opt')}"]}}, "]"]}`,
            `--embedded=${p('i')}-${p('b')}`,
            "{{$.inputs.artifacts['data'].path}}",
            "{{$.inputs.artifacts['data'].uri}}",
            "{{$.inputs.artifacts['data'].metadata}}",
            '--argv-file',
            "{{$.outputs.parameters['argv'].output_file}}",
            '--model',
            "{{$.outputs.artifacts['model'].path}}",
            "{{$.outputs.artifacts['model'].uri}}",
            "{{$.outputs.artifacts['model'].metadata}}",
            '{{$}}',
            '{{$.pipeline_job_name}}',
            '{{$.pipeline_job_uuid}}',
            '{{$.pipeline_task_name}}',
            '{{$.pipeline_task_uuid}}',
            '{{$.pipeline_job_create_time_utc}}',
            '{{$.pipeline_job_schedule_time_utc}}',
            '{{$.pipeline_root}}',
            p('jobName'),
            p('taskName'),
            'not {{a}} placeholder',
          ],
        },
      },
    },
    tasks: {
      produce: task('produce'),
      show: task(
        'show',
        {
          inputs: {
            artifacts: {
              data: { taskOutputArtifact: { producerTask: 'produce', outputArtifactKey: 'out' } },
            },
            parameters: {
              s: { componentInputParameter: 's' },
              i: { componentInputParameter: 'i' },
              f: { componentInputParameter: 'f' },
              b: { componentInputParameter: 'b' },
              l: { componentInputParameter: 'l' },
              d: { componentInputParameter: 'd' },
              opt: { componentInputParameter: 'opt' },
              jobName: { runtimeValue: { constant: 'job={{$.pipeline_job_name}}' } },
              taskName: {
                runtimeValue: { constant: '{{$.pipeline_task_name}}@{{$.pipeline_root}}' },
              },
            },
          },
        },
        'show things',
      ),
    },
    inputs: {
      parameters: {
        s: { parameterType: 'STRING', defaultValue: 'text with spaces', isOptional: true },
        i: { parameterType: 'NUMBER_INTEGER', defaultValue: 7.0, isOptional: true },
        f: { parameterType: 'NUMBER_DOUBLE', defaultValue: 0.5, isOptional: true },
        b: { parameterType: 'BOOLEAN', defaultValue: true, isOptional: true },
        l: { parameterType: 'LIST', defaultValue: ['a', 'b'], isOptional: true },
        d: { parameterType: 'STRUCT', defaultValue: { x: 1 }, isOptional: true },
        opt: { parameterType: 'STRING', isOptional: true },
      },
    },
  });
}

async function argvOf(result: RunResult): Promise<string[]> {
  expect(result.tasks.show?.error).toBeUndefined();
  expect(result.state).toBe('SUCCEEDED');
  return JSON.parse(String(result.tasks.show?.outputs.parameters.argv)) as string[];
}

describe('placeholders', () => {
  it('resolves every kind of placeholder', async () => {
    const workDir = tempDir();
    const createTime = new Date('2024-03-01T12:30:45.123Z');
    const scheduleTime = new Date('2024-03-01T12:00:00Z');
    const result = await executePipeline(placeholderSpec(), {
      workDir,
      runId: 'r-42',
      runName: 'my-run',
      createTime,
      scheduleTime,
      parameters: { opt: 'chosen' },
    });
    const argv = await argvOf(result);
    const show = result.tasks.show!;
    const dataUri = `file://${workDir}/artifacts/placeholders/r-42/produce/out`;
    const modelUri = `file://${workDir}/artifacts/placeholders/r-42/show/model`;
    expect(argv.slice(0, 20)).toEqual([
      'text with spaces',
      '7',
      '0.5',
      'true',
      '["a","b"]',
      '{"x":1}',
      '--opt',
      'chosen',
      '--i=7/text with spaces',
      '[chosen]',
      '--embedded=7-true',
      `${workDir}/artifacts/placeholders/r-42/produce/out`,
      dataUri,
      '{"rows":2}',
      '--argv-file',
      path.join(workDir, 'show', 'outputs', 'argv'),
      '--model',
      `${workDir}/artifacts/placeholders/r-42/show/model`,
      modelUri,
      '{}',
    ]);
    expect(JSON.parse(argv[20] ?? '')).toEqual({
      inputs: {
        parameterValues: {
          s: 'text with spaces',
          i: 7,
          f: 0.5,
          b: true,
          l: ['a', 'b'],
          d: { x: 1 },
          opt: 'chosen',
          jobName: 'job=my-run',
          taskName: `show things@file://${workDir}/artifacts`,
        },
        artifacts: {
          data: {
            artifacts: [
              { name: 'out', uri: dataUri, metadata: { rows: 2 }, type: DATASET.artifactType },
            ],
          },
        },
      },
      outputs: {
        parameters: { argv: { outputFile: path.join(workDir, 'show', 'outputs', 'argv') } },
        artifacts: {
          model: {
            artifacts: [{ name: 'model', uri: modelUri, metadata: {}, type: MODEL.artifactType }],
          },
        },
        outputFile: path.join(workDir, 'show', 'executor_output.json'),
      },
    });
    expect(argv.slice(21)).toEqual([
      'my-run',
      'r-42',
      'show things',
      show.taskId,
      '2024-03-01T12:30:45Z',
      '2024-03-01T12:00:00Z',
      `file://${workDir}/artifacts`,
      'job=my-run',
      `show things@file://${workDir}/artifacts`,
      'not {{a}} placeholder',
    ]);
    expect(show.outputs.artifacts.model?.uri).toBe(modelUri);
    expect(fs.readFileSync(`${workDir}/artifacts/placeholders/r-42/show/model`, 'utf8')).toBe(
      'model',
    );
  });

  it('expands IfPresent to its Else branch, or to nothing, when the input is absent', async () => {
    const argv = await argvOf(await executePipeline(placeholderSpec(), { workDir: tempDir() }));
    expect(argv.slice(6, 9)).toEqual(['--no-opt', '--i=7/text with spaces', '[]']);
  });

  it('fails a task whose placeholder has no value', async () => {
    const spec = placeholderSpec();
    const args = spec.deploymentSpec!.executors['exec-show']!.container!.args!;
    args.push("{{$.inputs.parameters['opt']}}");
    const result = await executePipeline(spec, { workDir: tempDir() });
    expect(result.state).toBe('FAILED');
    expect(result.tasks.show?.error).toMatch(
      /task 'show' could not be prepared: input parameter 'opt' has no value/,
    );
    expect(result.tasks.show?.attempts).toEqual([]);
  });

  it("runs KFP's compiled container_parameter_types.yaml with and without the optional input", async () => {
    const spec = parse(
      fs.readFileSync(path.join(GOLDEN, 'container_parameter_types.yaml'), 'utf8'),
    ) as PipelineSpec;
    spec.deploymentSpec!.executors['exec-all-types']!.container!.command = node(
      `console.log(JSON.stringify(process.argv.slice(1)))`,
    );
    const [withOpt, without] = await Promise.all([
      executePipeline(spec, { workDir: tempDir(), parameters: { opt: 'o', s: 'it\'s "quoted"' } }),
      executePipeline(spec, { workDir: tempDir() }),
    ]);
    const argvOfLog = (r: RunResult) =>
      JSON.parse(taskLog([r.tasks['all-types']?.logPath])) as string[];
    expect(argvOfLog(withOpt)).toEqual([
      'it\'s "quoted"',
      '7',
      '0.5',
      'true',
      '["a","b"]',
      '{"x":1}',
      '--opt',
      'o',
    ]);
    expect(argvOfLog(without)).toEqual(['text', '7', '0.5', 'true', '["a","b"]', '{"x":1}']);
  });
});
