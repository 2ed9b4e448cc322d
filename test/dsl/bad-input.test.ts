/**
 * Bad pipeline definitions: each fails with a PipelineDefinitionError naming the task or
 * parameter at fault. (Files not being written on failure is tested with the CLI.)
 */
import { describe, expect, it } from 'vitest';
import { compileChecked as compile } from '../support/compile';
import {
  Dataset,
  Model,
  containerComponent,
  functionComponent,
  param,
  pipeline,
  type ArtifactChannel,
} from '../../kernel-lib/src/dsl';
import { NotSelfContainedError, PipelineDefinitionError } from '../../kernel-lib/src/errors';

const IMAGE = 'example.com/steps:1';
const produce = containerComponent({
  name: 'produce',
  outputs: { data: Dataset, model: Model, n: param.integer() },
  image: IMAGE,
  args: ({ outputs }) => [outputs.data.path, outputs.model.path, outputs.n],
});
const consume = containerComponent({
  name: 'consume',
  inputs: { data: Dataset, epochs: param.integer() },
  image: IMAGE,
  args: ({ inputs }) => [inputs.data.path, inputs.epochs],
});

function expectDefinitionError(
  fn: () => unknown,
  pattern: RegExp,
  context: Record<string, string> = {},
): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a PipelineDefinitionError').toBeInstanceOf(PipelineDefinitionError);
  expect((caught as Error).message).toMatch(pattern);
  expect((caught as PipelineDefinitionError).context).toMatchObject(context);
}

describe('bad input', () => {
  it('a cycle', () => {
    const p = pipeline({ name: 'cycle' }, () => {
      const a = produce();
      const b = produce().after(a);
      a.after(b);
    });
    expectDefinitionError(
      () => compile(p),
      /tasks form a cycle: produce → produce-2 → produce|produce-2 → produce → produce-2/,
    );
  });

  it('a dangling reference to another pipeline’s task output', () => {
    let stolen: ArtifactChannel<'system.Dataset'> | undefined;
    const first = pipeline({ name: 'first' }, () => {
      stolen = produce().outputs.data;
    });
    compile(first);
    const second = pipeline({ name: 'second' }, () => {
      consume({ data: stolen as ArtifactChannel<'system.Dataset'>, epochs: 1 });
    });
    expectDefinitionError(
      () => compile(second),
      /refers to task 'produce', which belongs to another pipeline \('first'\)/,
      {
        pipeline: 'second',
        task: 'consume',
        parameter: 'data',
      },
    );
  });

  it('a dangling after() to a task of another pipeline', () => {
    let other: ReturnType<typeof produce> | undefined;
    compile(pipeline({ name: 'other' }, () => void (other = produce())));
    const p = pipeline({ name: 'dangling-after' }, () => {
      produce().after(other as ReturnType<typeof produce>);
    });
    expectDefinitionError(
      () => compile(p),
      /depends \(after\(\)\) on task 'produce', which is not part of pipeline 'dangling-after'/,
    );
  });

  it('two tasks with one name', () => {
    const p = pipeline({ name: 'twins' }, () => {
      produce({}, { name: 'step' });
      produce({}, { name: 'step' });
    });
    expectDefinitionError(() => compile(p), /two tasks are named 'step'/, { task: 'step' });
  });

  it('an artifact of one type wired into an input of another', () => {
    const p = pipeline({ name: 'wrong-artifact' }, () => {
      const t = produce();
      // @ts-expect-error a Model is not a Dataset
      consume({ data: t.outputs.model, epochs: 1 });
    });
    expectDefinitionError(
      () => compile(p),
      /input 'data' expects a system.Dataset artifact but 'produce-model' is a system.Model/,
      {
        task: 'consume',
        parameter: 'data',
      },
    );
  });

  it('a parameter wired into an artifact input, and a string into an integer', () => {
    const p1 = pipeline({ name: 'param-as-artifact' }, () => {
      // @ts-expect-error an integer parameter is not an artifact
      consume({ data: produce().outputs.n, epochs: 1 });
    });
    expectDefinitionError(
      () => compile(p1),
      /input 'data' is a system.Dataset artifact but was given parameter/,
    );
    const p2 = pipeline(
      { name: 'string-as-int', params: { e: param.string({ default: 'x' }) } },
      ({ e }) => {
        // @ts-expect-error a STRING channel cannot feed an integer input
        consume({ data: produce().outputs.data, epochs: e });
      },
    );
    expectDefinitionError(
      () => compile(p2),
      /input 'epochs' expects NUMBER_INTEGER but 'e' is STRING/,
      { parameter: 'epochs' },
    );
  });

  it('a missing required parameter, and an unknown one', () => {
    const p = pipeline({ name: 'missing' }, () => {
      // @ts-expect-error epochs is required
      consume({ data: produce().outputs.data });
    });
    expectDefinitionError(
      () => compile(p),
      /task 'consume' \(component 'consume'\) is missing its required input 'epochs'/,
      {
        parameter: 'epochs',
      },
    );
    const q = pipeline({ name: 'unknown' }, () => {
      // @ts-expect-error there is no input 'epoch'
      consume({ data: produce().outputs.data, epochs: 1, epoch: 2 });
    });
    expectDefinitionError(() => compile(q), /has no input 'epoch'; its inputs are data, epochs/);
  });

  it('a default of the wrong type', () => {
    expectDefinitionError(
      () =>
        pipeline(
          { name: 'bad-default', params: { n: param.integer({ default: 2.5 }) } },
          () => undefined,
        ),
      /the default of 'n' must be an integer; got 2.5/,
      { pipeline: 'bad-default', parameter: 'n' },
    );
    const wrongDefault = () =>
      containerComponent({
        name: 'c',
        // @ts-expect-error a string is not a boolean
        inputs: { flag: param.boolean({ default: 'yes' }) },
        image: IMAGE,
      });
    expectDefinitionError(wrongDefault, /component 'c': the default of 'flag' must be a boolean/);
    expectDefinitionError(
      () =>
        pipeline(
          { name: 'bad-struct', params: { s: param.struct({ default: [1] as never }) } },
          () => undefined,
        ),
      /must be a struct/,
    );
  });

  it('names KFP rejects', () => {
    expectDefinitionError(
      () => pipeline({ name: 'My Pipeline' }, () => undefined),
      /pipeline name "My Pipeline" is not one KFP accepts/,
    );
    expectDefinitionError(
      () => pipeline({ name: 'under_score' }, () => undefined),
      /\^\[a-z0-9\]\[a-z0-9-\]\{0,127\}\$/,
    );
    expectDefinitionError(
      () => pipeline({ name: 'x'.repeat(129) }, () => undefined),
      /not one KFP accepts/,
    );
    expectDefinitionError(
      () => containerComponent({ name: '***', image: IMAGE }),
      /needs a name with at least one letter or digit/,
    );
    expectDefinitionError(
      () => containerComponent({ name: 'c', inputs: { 'bad-name': param.string() }, image: IMAGE }),
      /'bad-name' is not a valid input or output name/,
      { parameter: 'bad-name' },
    );
    const p = pipeline({ name: 'bad-task-name' }, () => void produce({}, { name: 'Bad_Name' }));
    expectDefinitionError(() => compile(p), /task name "Bad_Name" is not allowed/);
  });

  it('a function component that captures outer scope', () => {
    const threshold = 3;
    let caught: unknown;
    try {
      functionComponent({
        name: 'leaky',
        inputs: { n: param.integer() },
        returns: param.boolean(),
        fn: ({ n }) => n > threshold,
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NotSelfContainedError);
    expect((caught as NotSelfContainedError).identifiers).toEqual(['threshold']);
    expect((caught as Error).message).toMatch(
      /function component 'leaky' is not self-contained: it uses 'threshold'/,
    );
  });

  it('accepts a self-contained function using globals and require inside it', () => {
    expect(() =>
      functionComponent({
        name: 'fine',
        inputs: { n: param.integer() },
        returns: param.string(),
        fn: ({ n }) => {
          const os = require('node:os') as typeof import('node:os');
          const helper = (x: number) => Math.max(x, 0);
          return JSON.stringify({
            host: os.hostname(),
            n: helper(n),
            at: new Date(0).toISOString(),
            env: process.env.HOME,
          });
        },
      }),
    ).not.toThrow();
  });

  it('a component called outside a pipeline function', () => {
    expectDefinitionError(
      () => produce(),
      /component 'produce' was called outside a pipeline function/,
    );
  });

  it('an async pipeline function', () => {
    const p = pipeline({ name: 'async' }, (async () => {
      produce();
    }) as unknown as () => void);
    expectDefinitionError(
      () => compile(p),
      /returned a promise; pipeline functions .* must wire tasks synchronously/,
    );
  });

  it('a channel used as text', () => {
    const p = pipeline(
      { name: 'as-text', params: { who: param.string({ default: 'x' }) } },
      ({ who }) => {
        produce({}, { name: `step-${String(who)}` });
      },
    );
    expectDefinitionError(() => compile(p), /pipeline parameter 'who' was used as text/);
  });
});
