import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import {
  executePipeline,
  localPathOfUri,
  type ResolvedContainer,
} from '../../../kernel-lib/src/engine/runner';
import { DATASET, PRELUDE, WRITE, node, pipeline, task, tempDir } from './helpers';

const GOLDEN = path.resolve(__dirname, '../../../../shared/kfp/golden');

describe('runner hooks and other executors', () => {
  it('maps images to local commands with a commandResolver', async () => {
    // container_outputs.yaml as KFP compiled it: emit -> fit, count-rows; the pipeline returns fit's model.
    const spec = parse(
      fs.readFileSync(path.join(GOLDEN, 'container_outputs.yaml'), 'utf8'),
    ) as PipelineSpec;
    const steps: Record<string, string> = {
      emit: `${PRELUDE} ${WRITE} write(argv[3], argv[1] + ' ' + process.env.STEP);`,
      'count-rows': `${PRELUDE} ${WRITE} write(argv[3], '2');`,
      fit: `${PRELUDE} ${WRITE}
        const arg = (f) => argv[argv.indexOf(f) + 1];
        write(arg('--model'), 'epochs=' + arg('--epochs'));
        write(arg('--rmse'), '1.5');`,
    };
    const seen: ResolvedContainer[] = [];
    const workDir = tempDir();
    const result = await executePipeline(spec, {
      workDir,
      parameters: { epochs: 3 },
      commandResolver: (container, context) => {
        seen.push(container);
        const step = container.command[0] ?? '';
        const script = steps[step];
        if (!script || container.image !== 'registry.example.com/pipelab/steps:1.0')
          return undefined;
        expect(context.executorLabel).toBe(`exec-${step}`);
        return { command: [...node(script), ...container.args], env: { STEP: step } };
      },
    });
    expect(result.state).toBe('SUCCEEDED');
    expect(seen.map((c) => c.command[0]).sort()).toEqual(['count-rows', 'emit', 'fit']);
    const emitted = localPathOfUri(result.tasks.emit?.outputs.artifacts.out?.uri ?? '') ?? '';
    expect(fs.readFileSync(emitted, 'utf8')).toBe('hello emit');
    const model = result.outputs.artifacts.Output;
    expect(model?.type.schemaTitle).toBe('system.Model');
    expect(fs.readFileSync(localPathOfUri(model?.uri ?? '') ?? '', 'utf8')).toBe('epochs=3');
    expect(result.tasks['count-rows']?.outputs.parameters).toEqual({ rows: 2 });

    // Without the resolver the image's command does not exist here.
    const plain = await executePipeline(spec, { workDir: tempDir() });
    expect(plain.state).toBe('FAILED');
    expect(plain.tasks.emit?.error).toMatch(
      /task 'emit' failed: could not start "emit": spawn emit ENOENT/,
    );
    expect(plain.tasks.fit?.skipReason).toBe('UPSTREAM_FAILED');
  });

  it('runs importers, and exit handlers after a failure with its final status', async () => {
    const workDir = tempDir();
    const imported = path.join(workDir, 'existing.csv');
    fs.writeFileSync(imported, 'a,b\n');
    const spec = pipeline({
      components: {
        read: {
          inputs: { artifacts: { data: DATASET } },
          outputs: { parameters: { text: { parameterType: 'STRING' } } },
          container: {
            image: 'x',
            command: node(`${PRELUDE} ${WRITE} write(argv[1], fs.readFileSync(argv[0], 'utf8'));`),
            args: [
              "{{$.inputs.artifacts['data'].path}}",
              "{{$.outputs.parameters['text'].output_file}}",
            ],
          },
        },
        fail: { container: { image: 'x', command: node('process.exit(2)') } },
        cleanup: {
          inputs: { parameters: { status: { parameterType: 'STRUCT' } } },
          outputs: { parameters: { seen: { parameterType: 'STRUCT' } } },
          container: {
            image: 'x',
            command: node(`${PRELUDE} ${WRITE} write(argv[1], argv[0]);`),
            args: [
              "{{$.inputs.parameters['status']}}",
              "{{$.outputs.parameters['seen'].output_file}}",
            ],
          },
        },
        'exit-handler-1': { dag: { tasks: { fail: task('fail') } } },
      },
      tasks: {
        importer: task('importer', {
          inputs: { parameters: { uri: { runtimeValue: { constant: imported } } } },
        }),
        read: task('read', {
          inputs: {
            artifacts: {
              data: {
                taskOutputArtifact: { producerTask: 'importer', outputArtifactKey: 'artifact' },
              },
            },
          },
        }),
        'exit-handler-1': task('exit-handler-1'),
        cleanup: task('cleanup', {
          dependentTasks: ['exit-handler-1'],
          triggerPolicy: { strategy: 'ALL_UPSTREAM_TASKS_COMPLETED' },
          inputs: {
            parameters: { status: { taskFinalStatus: { producerTask: 'exit-handler-1' } } },
          },
        }),
      },
    });
    spec.components!['comp-importer'] = {
      executorLabel: 'exec-importer',
      inputDefinitions: { parameters: { uri: { parameterType: 'STRING' } } },
      outputDefinitions: { artifacts: { artifact: DATASET } },
    };
    spec.deploymentSpec!.executors['exec-importer'] = {
      importer: {
        artifactUri: { runtimeParameter: 'uri' },
        typeSchema: DATASET.artifactType,
        metadata: { source: 'test' },
      },
    };

    const result = await executePipeline(spec, { workDir, runName: 'with-exit' });
    const t = result.tasks;
    expect(t.importer?.kind).toBe('importer');
    expect(t.importer?.outputs.artifacts.artifact).toEqual({
      name: 'artifact',
      uri: imported,
      metadata: { source: 'test' },
      type: DATASET.artifactType,
    });
    expect(t.read?.outputs.parameters).toEqual({ text: 'a,b\n' });
    expect(t['exit-handler-1']?.state).toBe('FAILED');
    expect(t['exit-handler-1/fail']?.state).toBe('FAILED');
    expect(t.cleanup?.state).toBe('SUCCEEDED');
    expect(t.cleanup?.outputs.parameters.seen).toMatchObject({
      state: 'FAILED',
      pipelineTaskName: 'exit-handler-1',
      pipelineJobResourceName: 'with-exit',
    });
    expect(result.state).toBe('FAILED');
  });
});
