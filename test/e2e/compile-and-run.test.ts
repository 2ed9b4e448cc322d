/**
 * One IR, two backends: pipelines written with the DSL, compiled, written to a file and loaded
 * back, then executed by the local runner — function components through the embedded executor
 * entry point, container components as local processes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileChecked as compile } from '../support/compile';
import { loadPipelinePackage, writePipelinePackage } from '../../kernel-lib/src/compiler/package';
import { executePipeline } from '../../kernel-lib/src/engine/runner';
import { functionComponent, param, pipeline, Dataset, If } from '../../kernel-lib/src/dsl';
import helloPipeline from '../fixtures/pipelines/hello';
import { functionsWithOutputs } from '../golden/function-pipelines';

function workDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'pipelab-e2e-'));
}

async function roundTrip(p: Parameters<typeof compile>[0], dir: string) {
  const file = path.join(dir, 'pipeline.tar.gz');
  await writePipelinePackage(compile(p), file);
  return loadPipelinePackage(file);
}

describe('compiled pipelines run locally', () => {
  it('runs a container component and a TypeScript function component end to end', async () => {
    const dir = workDir();
    // The fixture imports the built 'pipelab' package: the same runtime brands, its own type declarations.
    const spec = await roundTrip(helloPipeline as unknown as Parameters<typeof compile>[0], dir);
    const result = await executePipeline(spec, {
      workDir: path.join(dir, 'run'),
      parameters: { text: 'hey' },
    });
    expect(result.error).toBeUndefined();
    expect(result.state).toBe('SUCCEEDED');
    expect(result.tasks.shout?.state).toBe('SUCCEEDED');
    // 'HEY' twice (the default of times), joined by a space: 3 characters × 2.
    expect(result.outputs.parameters.Output).toBe(6);
    const loud = result.tasks.shout?.outputs.artifacts.loud;
    expect(loud?.metadata.words).toBe(2);
    expect(readFileSync(path.join(loud?.uri.replace(/^file:\/\//, '') ?? ''), 'utf8')).toBe(
      'HEY HEY',
    );
  });

  it('runs the KFP lightweight-functions golden pipeline written in TypeScript', async () => {
    const dir = workDir();
    const spec = await roundTrip(functionsWithOutputs, dir);
    const result = await executePipeline(spec, {
      workDir: path.join(dir, 'run'),
      parameters: { first_message: 'ab', second_message: 'cd', first_number: 1, second_number: 2 },
    });
    expect(result.state).toBe('SUCCEEDED');
    expect(result.tasks['add-numbers']?.outputs.parameters.Output).toBe(3);
    expect(result.tasks['concat-message']?.outputs.parameters.Output).toBe('abcd');
    const tuple = result.tasks['output-named-tuple'];
    expect(tuple?.outputs.parameters.scalar).toBe('123');
    expect(tuple?.outputs.artifacts.metrics?.metadata).toEqual({ accuracy: 0.9 });
    const model = tuple?.outputs.artifacts.model?.uri.replace(/^file:\/\//, '') ?? '';
    expect(readFileSync(model, 'utf8')).toBe('Model contents: abcd\nabcd\nabcd');
  });

  it('takes the branch a condition selects and skips the other', async () => {
    const count = functionComponent({
      name: 'count',
      inputs: { n: param.integer() },
      outputs: { data: Dataset },
      returns: param.integer(),
      fn: async ({ n }, { data }) => {
        const fs = require('node:fs') as typeof import('node:fs');
        await fs.promises.writeFile(data.path, 'x'.repeat(n));
        return n;
      },
    });
    const label = functionComponent({
      name: 'label',
      inputs: { text: param.string() },
      returns: param.string(),
      fn: ({ text }) => text.toUpperCase(),
    });
    const p = pipeline(
      {
        name: 'branches',
        params: { n: param.integer({ default: 5 }), min: param.integer({ default: 3 }) },
      },
      ({ n, min }) => {
        const c = count({ n });
        If(c.outputs.Output.ge(min), () => void label({ text: 'retrain' }), {
          name: 'enough',
        }).Else(() => void label({ text: 'skip' }), { name: 'not-enough' });
      },
    );
    const dir = workDir();
    const spec = await roundTrip(p, dir);
    const many = await executePipeline(spec, { workDir: path.join(dir, 'a') });
    const few = await executePipeline(spec, { workDir: path.join(dir, 'b'), parameters: { n: 1 } });
    const states = (r: typeof many) =>
      Object.fromEntries(
        Object.values(r.tasks).map((t) => [t.path, [t.state, t.outputs.parameters.Output]]),
      );
    expect(states(many)).toMatchObject({
      'condition-branches-1/condition-2/label': ['SUCCEEDED', 'RETRAIN'],
      'condition-branches-1/condition-3': ['SKIPPED', undefined],
    });
    expect(states(few)).toMatchObject({
      'condition-branches-1/condition-2': ['SKIPPED', undefined],
      'condition-branches-1/condition-3/label-2': ['SUCCEEDED', 'SKIP'],
    });
  });

  it('fails the task with the function’s error when a function component throws', async () => {
    const boom = functionComponent({
      name: 'boom',
      inputs: { why: param.string() },
      fn: ({ why }) => {
        throw new Error(`refusing: ${why}`);
      },
    });
    const dir = workDir();
    const spec = await roundTrip(
      pipeline({ name: 'boom' }, () => void boom({ why: 'no data' })),
      dir,
    );
    const result = await executePipeline(spec, { workDir: path.join(dir, 'run') });
    expect(result.state).toBe('FAILED');
    const log = readFileSync(result.tasks.boom?.logPath ?? '', 'utf8');
    expect(log).toMatch(/function component 'boom' threw an error: refusing: no data/);
  });
});
