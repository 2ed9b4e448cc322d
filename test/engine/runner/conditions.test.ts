import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import {
  executePipeline,
  localPathOfUri,
  type RunResult,
} from '../../../kernel-lib/src/engine/runner';
import { PRELUDE, WRITE, node, tempDir, taskLog } from './helpers';

const GOLDEN = path.resolve(__dirname, '../../../../shared/kfp/golden');

/** Local stand-ins for the golden file's `registry.example.com/pipelab/steps` commands. */
const STEPS: Record<string, string> = {
  // emit --text T --out P
  'exec-emit': `${PRELUDE} ${WRITE} write(argv[3], argv[1]);`,
  // count-rows --data P --rows F: one row per word
  'exec-count-rows': `${PRELUDE} ${WRITE}
    write(argv[3], String(fs.readFileSync(argv[1], 'utf8').split(/\\s+/).filter(Boolean).length));`,
  // fit --data URI --model P --metrics P --rmse F --epochs E --learning-rate LR
  'exec-fit': `${PRELUDE} ${WRITE}
    const arg = (flag) => argv[argv.indexOf(flag) + 1];
    if (!arg('--data').startsWith('file://')) throw new Error('expected a URI');
    write(arg('--model'), 'epochs=' + arg('--epochs') + ' lr=' + arg('--learning-rate'));
    write(arg('--metrics'), '{}');
    write(arg('--rmse'), '71.8');`,
  // announce MESSAGE
  'exec-announce': `console.log(process.argv[1]);`,
};

function conditionsSpec(): PipelineSpec {
  const spec = parse(
    fs.readFileSync(path.join(GOLDEN, 'container_conditions.yaml'), 'utf8'),
  ) as PipelineSpec;
  for (const [label, executor] of Object.entries(spec.deploymentSpec?.executors ?? {})) {
    const script = STEPS[label] ?? STEPS[label.replace(/-\d+$/, '')];
    if (!script || !executor.container) throw new Error(`no stand-in for ${label}`);
    executor.container.command = node(script);
  }
  return spec;
}

function states(result: RunResult): Record<string, string> {
  return Object.fromEntries(
    Object.values(result.tasks).map((t) => [
      t.path,
      t.state + (t.skipReason ? `:${t.skipReason}` : ''),
    ]),
  );
}

const SKIPPED = 'SKIPPED:CONDITION_FALSE';

describe('If/Elif/Else conditions (golden container_conditions.yaml)', () => {
  it('takes exactly the branch the parameter values select', async () => {
    const spec = conditionsSpec();
    const [enough, forced, skip] = await Promise.all([
      executePipeline(spec, { workDir: tempDir(), parameters: { text: 'a b c', min_rows: 2 } }),
      executePipeline(spec, {
        workDir: tempDir(),
        parameters: { text: 'a', min_rows: 2, mode: 'always' },
      }),
      executePipeline(spec, { workDir: tempDir(), parameters: { text: 'a', min_rows: 2 } }),
    ]);

    for (const r of [enough, forced, skip]) expect(r.state).toBe('SUCCEEDED');
    expect(states(enough)).toEqual({
      emit: 'SUCCEEDED',
      'count-rows': 'SUCCEEDED',
      'condition-branches-1': 'SUCCEEDED',
      'condition-branches-1/condition-2': 'SUCCEEDED',
      'condition-branches-1/condition-2/fit': 'SUCCEEDED',
      'condition-branches-1/condition-3': SKIPPED,
      'condition-branches-1/condition-3/fit-2': SKIPPED,
      'condition-branches-1/condition-4': SKIPPED,
      'condition-branches-1/condition-4/announce': SKIPPED,
    });
    expect(states(forced)).toMatchObject({
      'condition-branches-1/condition-2/fit': SKIPPED,
      'condition-branches-1/condition-3': 'SUCCEEDED',
      'condition-branches-1/condition-3/fit-2': 'SUCCEEDED',
      'condition-branches-1/condition-4/announce': SKIPPED,
    });
    expect(states(skip)).toMatchObject({
      'condition-branches-1/condition-2/fit': SKIPPED,
      'condition-branches-1/condition-3/fit-2': SKIPPED,
      'condition-branches-1/condition-4': 'SUCCEEDED',
      'condition-branches-1/condition-4/announce': 'SUCCEEDED',
    });

    // The branches ran with their own inputs: defaults, constants, upstream outputs.
    const fit = enough.tasks['condition-branches-1/condition-2/fit'];
    expect(fit?.inputs.parameters).toEqual({ epochs: 25, learning_rate: 0.01 });
    expect(fit?.outputs.parameters).toEqual({ rmse: 71.8 });
    expect(
      fs.readFileSync(localPathOfUri(fit?.outputs.artifacts.model?.uri ?? '') ?? '', 'utf8'),
    ).toBe('epochs=25 lr=0.01');
    const fit2 = forced.tasks['condition-branches-1/condition-3/fit-2'];
    expect(
      fs.readFileSync(localPathOfUri(fit2?.outputs.artifacts.model?.uri ?? '') ?? '', 'utf8'),
    ).toBe('epochs=5 lr=0.01');
    expect(enough.tasks['condition-branches-1/condition-2']?.inputs.parameters).toEqual({
      'pipelinechannel--count-rows-rows': 3,
      'pipelinechannel--min_rows': 2,
    });
    const announce = skip.tasks['condition-branches-1/condition-4/announce'];
    expect(taskLog([announce?.logPath])).toBe('no retraining: not enough new data\n');
    expect(announce?.parentPath).toBe('condition-branches-1/condition-4');
    expect(skip.tasks['condition-branches-1/condition-2']?.error).toMatch(
      /was not triggered: its condition is false/,
    );
  });

  it('fails the group when a condition cannot be evaluated', async () => {
    const spec = conditionsSpec();
    const group = spec.components?.['comp-condition-branches-1']?.dag?.tasks['condition-2'];
    group!.triggerPolicy = {
      condition: "int(inputs.parameter_values['pipelinechannel--nope']) > 1",
    };
    const result = await executePipeline(spec, { workDir: tempDir(), parameters: { text: 'a' } });
    expect(result.state).toBe('FAILED');
    expect(result.tasks['condition-branches-1/condition-2']?.state).toBe('FAILED');
    expect(result.tasks['condition-branches-1/condition-2']?.error).toMatch(
      /no such key 'pipelinechannel--nope'/,
    );
    expect(result.tasks['condition-branches-1/condition-2/fit']?.state).toBe('SKIPPED');
    expect(result.tasks['condition-branches-1/condition-2/fit']?.skipReason).toBe(
      'UPSTREAM_FAILED',
    );
    expect(result.tasks['condition-branches-1']?.state).toBe('FAILED');
  });
});
