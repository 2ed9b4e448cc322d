/** The DSL and the compiler on pipelines beyond the goldens: naming, settings, conditions. */
import { describe, expect, it } from 'vitest';
import { compileChecked as compile } from '../support/compile';
import {
  Dataset,
  If,
  Model,
  concat,
  containerComponent,
  ifPresent,
  param,
  pipeline,
  PIPELINE_JOB_NAME,
} from '../../kernel-lib/src/dsl';
import { PipelabError, PipelineDefinitionError } from '../../kernel-lib/src/errors';

const IMAGE = 'example.com/steps:1';

const make = containerComponent({
  name: 'make_data',
  inputs: { rows: param.integer({ default: 10 }) },
  outputs: { data: Dataset, count: param.integer(), score: param.double(), ok: param.boolean() },
  image: IMAGE,
  command: ['make'],
  args: ({ inputs, outputs }) => [
    `--rows=${inputs.rows}`,
    outputs.data.path,
    outputs.count,
    outputs.score,
    outputs.ok,
  ],
});

const use = containerComponent({
  name: 'use',
  inputs: {
    data: Dataset,
    label: param.string({ optional: true }),
    weight: param.double({ default: 1 }),
  },
  outputs: { model: Model },
  image: IMAGE,
  args: ({ inputs, outputs }) => [
    inputs.data.path,
    ifPresent('label', ['--label', inputs.label], ['--no-label']),
    concat('--weight=', inputs.weight),
    outputs.model.path,
  ],
});

describe('tasks', () => {
  it('names repeated components name-2, name-3 and gives each its own component and executor', () => {
    const spec = compile(
      pipeline({ name: 'repeat' }, () => {
        make();
        make();
        make({}, { name: 'custom' });
      }),
    );
    expect(Object.keys(spec.root.dag.tasks).sort()).toEqual(['custom', 'make-data', 'make-data-2']);
    expect(Object.keys(spec.components ?? {}).sort()).toEqual([
      'comp-custom',
      'comp-make-data',
      'comp-make-data-2',
    ]);
    expect(Object.keys(spec.deploymentSpec?.executors ?? {}).sort()).toEqual([
      'exec-make-data',
      'exec-make-data-2',
      'exec-make-data-3',
    ]);
  });

  it('renders placeholders inside template strings, IfPresent with else, and Concat', () => {
    const spec = compile(
      pipeline({ name: 'placeholders' }, () => {
        use({ data: make().outputs.data });
      }),
    );
    expect(spec.deploymentSpec?.executors['exec-make-data']?.container?.args).toEqual([
      "--rows={{$.inputs.parameters['rows']}}",
      "{{$.outputs.artifacts['data'].path}}",
      "{{$.outputs.parameters['count'].output_file}}",
      "{{$.outputs.parameters['score'].output_file}}",
      "{{$.outputs.parameters['ok'].output_file}}",
    ]);
    expect(spec.deploymentSpec?.executors['exec-use']?.container?.args).toEqual([
      "{{$.inputs.artifacts['data'].path}}",
      `{"IfPresent": {"InputName": "label", "Then": ["--label", "{{$.inputs.parameters['label']}}"], "Else": ["--no-label"]}}`,
      `{"Concat": ["--weight=", "{{$.inputs.parameters['weight']}}"]}`,
      "{{$.outputs.artifacts['model'].path}}",
    ]);
    expect(spec.deploymentSpec?.executors['exec-use']?.container?.command).toBeUndefined();
  });

  it('emits after(), caching off, retries, display names, env and resource limits', () => {
    const spec = compile(
      pipeline({ name: 'settings' }, () => {
        const a = make().setDisplayName('Make the data');
        make()
          .after(a)
          .setCachingOptions(false)
          .setRetry({ numRetries: 2, backoffDuration: '1m', backoffMaxDuration: '2h' })
          .setEnvVariable('MODE', 'fast')
          .setCpuLimit('2')
          .setMemoryLimit('4G');
      }),
    );
    const second = spec.root.dag.tasks['make-data-2'];
    expect(second?.dependentTasks).toEqual(['make-data']);
    expect(second?.cachingOptions).toEqual({});
    expect(second?.retryPolicy).toEqual({
      maxRetryCount: 2,
      backoffDuration: '60s',
      backoffFactor: 2,
      backoffMaxDuration: '3600s',
    });
    expect(spec.root.dag.tasks['make-data']?.taskInfo.name).toBe('Make the data');
    const container = spec.deploymentSpec?.executors['exec-make-data-2']?.container;
    expect(container?.env).toEqual([{ name: 'MODE', value: 'fast' }]);
    expect(container?.resources).toEqual({ resourceCpuLimit: '2', resourceMemoryLimit: '4G' });
  });

  it('passes constants, including pipeline-job placeholders, as runtime values', () => {
    const spec = compile(
      pipeline({ name: 'constants' }, () => {
        use({ data: make({ rows: 3 }).outputs.data, label: PIPELINE_JOB_NAME, weight: 2 });
      }),
    );
    expect(spec.root.dag.tasks['make-data']?.inputs?.parameters?.rows).toEqual({
      runtimeValue: { constant: 3 },
    });
    expect(spec.root.dag.tasks.use?.inputs?.parameters?.label).toEqual({
      runtimeValue: { constant: '{{$.pipeline_job_name}}' },
    });
  });

  it('overrides parameter defaults and the name at compile time', () => {
    const p = pipeline(
      { name: 'overridable', params: { rows: param.integer({ default: 5 }) } },
      ({ rows }) => {
        make({ rows });
      },
    );
    const spec = compile(p, { pipelineName: 'renamed', parameterDefaults: { rows: 9 } });
    expect(spec.pipelineInfo.name).toBe('renamed');
    expect(spec.root.inputDefinitions?.parameters?.rows).toEqual({
      parameterType: 'NUMBER_INTEGER',
      defaultValue: 9,
      isOptional: true,
    });
    expect(() => compile(p, { parameterDefaults: { rows: 'many' } })).toThrow(/must be an integer/);
    expect(() => compile(p, { parameterDefaults: { nope: 1 } })).toThrow(
      /'nope', which is not a parameter/,
    );
  });
});

describe('conditions', () => {
  it('nests conditions and punches channels through every level', () => {
    const spec = compile(
      pipeline(
        { name: 'nested', params: { threshold: param.double({ default: 0.5 }) } },
        ({ threshold }) => {
          const m = make();
          If(m.outputs.score.gt(threshold), () => {
            If(m.outputs.ok.eq(true), () => {
              use({ data: m.outputs.data });
            });
          });
        },
      ),
    );
    const outer = spec.root.dag.tasks['condition-1'];
    expect(outer?.dependentTasks).toEqual(['make-data']);
    expect(outer?.triggerPolicy?.condition).toBe(
      "inputs.parameter_values['pipelinechannel--make-data-score'] > inputs.parameter_values['pipelinechannel--threshold']",
    );
    const inner = spec.components?.['comp-condition-1']?.dag?.tasks['condition-2'];
    expect(inner?.triggerPolicy?.condition).toBe(
      "inputs.parameter_values['pipelinechannel--make-data-ok'] == true",
    );
    expect(inner?.inputs?.artifacts?.['pipelinechannel--make-data-data']).toEqual({
      componentInputArtifact: 'pipelinechannel--make-data-data',
    });
    expect(spec.components?.['comp-condition-2']?.dag?.tasks.use?.inputs?.artifacts?.data).toEqual({
      componentInputArtifact: 'pipelinechannel--make-data-data',
    });
  });

  it('promotes an integer constant compared with a double, as KFP does', () => {
    const spec = compile(
      pipeline({ name: 'promote' }, () => {
        const m = make();
        If(m.outputs.score.ge(5), () => use({ data: m.outputs.data }));
        If(m.outputs.count.lt(2.5), () => use({ data: m.outputs.data }));
      }),
    );
    expect(spec.root.dag.tasks['condition-1']?.triggerPolicy?.condition).toBe(
      "inputs.parameter_values['pipelinechannel--make-data-score'] >= double(5)",
    );
    expect(spec.root.dag.tasks['condition-2']?.triggerPolicy?.condition).toBe(
      "double(int(inputs.parameter_values['pipelinechannel--make-data-count'])) < 2.5",
    );
  });

  it('rejects Elif that does not directly follow its If', () => {
    const p = pipeline({ name: 'bad-elif' }, () => {
      const m = make();
      const chain = If(m.outputs.ok.eq(true), () => use({ data: m.outputs.data }));
      If(m.outputs.ok.eq(false), () => use({ data: m.outputs.data }));
      chain.Elif(m.outputs.count.gt(1), () => use({ data: m.outputs.data }));
    });
    expect(() => compile(p)).toThrow(/Elif must directly follow its If or Elif/);
  });

  it('rejects a constant boolean as a condition', () => {
    const p = pipeline({ name: 'const-cond' }, () => {
      // @ts-expect-error a constant is not a Condition
      If(true, () => make());
    });
    expect(() => compile(p)).toThrow(/If needs a comparison .* got the constant true/);
  });

  it('rejects a task outside a condition that uses an output from inside it', () => {
    const p = pipeline({ name: 'leak' }, () => {
      const m = make();
      let inner: ReturnType<typeof make> | undefined;
      If(m.outputs.ok.eq(true), () => {
        inner = make();
      });
      if (inner) use({ data: inner.outputs.data });
    });
    expect(() => compile(p)).toThrow(
      /depends on task 'make-data-2', which is inside condition 'condition-1'/,
    );
  });

  it('rejects a pipeline output produced inside a condition', () => {
    const p = pipeline({ name: 'cond-output' }, () => {
      const m = make();
      let inner: ReturnType<typeof use> | undefined;
      If(m.outputs.ok.eq(true), () => {
        inner = use({ data: m.outputs.data });
      });
      return inner?.outputs.model;
    });
    expect(() => compile(p)).toThrow(
      /pipeline output 'Output' comes from task 'use', which is inside a condition/,
    );
  });
});

describe('errors', () => {
  it('are PipelabErrors with context, and instanceof survives a second copy of the module', () => {
    let caught: unknown;
    try {
      compile(pipeline({ name: 'ctx' }, () => void make({ rows: 'ten' as never })));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PipelineDefinitionError);
    expect(caught).toBeInstanceOf(PipelabError);
    expect(caught).not.toBeInstanceOf(TypeError);
    expect((caught as PipelineDefinitionError).context).toMatchObject({
      pipeline: 'ctx',
      task: 'make-data',
      parameter: 'rows',
    });
    expect((caught as Error).name).toBe('PipelineDefinitionError');
    const lineage = Object.getOwnPropertySymbols(caught as object).find(
      (s) => s.description === 'pipelab.error.lineage',
    );
    const foreign = Object.defineProperty(new Error('x'), lineage as symbol, {
      value: ['PipelineDefinitionError', 'PipelabError'],
    });
    expect(foreign).toBeInstanceOf(PipelineDefinitionError);
  });
});
