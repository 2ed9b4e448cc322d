/**
 * TypeScript equivalents of the KFP SDK's container-component pipelines in
 * ../shared/kfp/golden/container_pipelines.py (and the other container goldens), written with
 * Pipelab's DSL. The golden test compiles each and compares it with the KFP-compiled YAML.
 */
import {
  Artifact,
  Dataset,
  If,
  Metrics,
  Model,
  containerComponent,
  ifPresent,
  param,
  pipeline,
} from '../../kernel-lib/src/dsl';

const IMAGE = 'registry.example.com/pipelab/steps:1.0';

export const emit = containerComponent({
  name: 'emit',
  inputs: { text: param.string() },
  outputs: { out: Dataset },
  image: IMAGE,
  command: ['emit'],
  args: ({ inputs, outputs }) => ['--text', inputs.text, '--out', outputs.out.path],
});

export const countRows = containerComponent({
  name: 'count_rows',
  inputs: { data: Dataset },
  outputs: { rows: param.integer() },
  image: IMAGE,
  command: ['count-rows'],
  args: ({ inputs, outputs }) => ['--data', inputs.data.path, '--rows', outputs.rows],
});

export const fit = containerComponent({
  name: 'fit',
  inputs: {
    data: Dataset,
    epochs: param.integer({ default: 25 }),
    learning_rate: param.double({ default: 0.01 }),
  },
  outputs: { model: Model, metrics: Metrics, rmse: param.double() },
  image: IMAGE,
  command: ['fit'],
  args: ({ inputs, outputs }) => [
    '--data',
    inputs.data.uri,
    '--model',
    outputs.model.path,
    '--metrics',
    outputs.metrics.path,
    '--rmse',
    outputs.rmse,
    '--epochs',
    inputs.epochs,
    '--learning-rate',
    inputs.learning_rate,
  ],
});

export const announce = containerComponent({
  name: 'announce',
  inputs: { message: param.string() },
  image: IMAGE,
  command: ['announce'],
  args: ({ inputs }) => [inputs.message],
});

export const allTypes = containerComponent({
  name: 'all_types',
  inputs: {
    s: param.string(),
    i: param.integer(),
    f: param.double(),
    b: param.boolean(),
    l: param.list(),
    d: param.struct(),
    opt: param.string({ optional: true }),
  },
  image: IMAGE,
  command: ['all-types'],
  args: ({ inputs }) => [
    inputs.s,
    inputs.i,
    inputs.f,
    inputs.b,
    inputs.l,
    inputs.d,
    ifPresent('opt', ['--opt', inputs.opt]),
  ],
});

export const parameterTypes = pipeline(
  {
    name: 'container-parameter-types',
    description: 'Every parameter type, with defaults and an optional input.',
    params: {
      s: param.string({ default: 'text' }),
      i: param.integer({ default: 7 }),
      f: param.double({ default: 0.5 }),
      b: param.boolean({ default: true }),
      l: param.list({ default: ['a', 'b'] }),
      d: param.struct({ default: { x: 1 } }),
      opt: param.string({ optional: true }),
    },
  },
  (p) => {
    allTypes({ s: p.s, i: p.i, f: p.f, b: p.b, l: p.l, d: p.d, opt: p.opt });
  },
);

export const retryCaching = pipeline(
  {
    name: 'container-retry-caching',
    description: 'Retry policy, caching off, display names and after().',
    params: { text: param.string({ default: 'hello' }) },
  },
  ({ text }) => {
    const first = emit({ text })
      .setRetry({
        numRetries: 3,
        backoffDuration: '10s',
        backoffFactor: 2,
        backoffMaxDuration: '3600s',
      })
      .setDisplayName('first step');
    announce({ message: 'done' }).after(first).setCachingOptions(false);
  },
);

export const outputs = pipeline(
  {
    name: 'container-outputs',
    description: 'Artifacts and parameters between tasks and as pipeline outputs.',
    params: { text: param.string({ default: 'hello' }), epochs: param.integer({ default: 25 }) },
  },
  ({ text, epochs }) => {
    const e = emit({ text });
    const f = fit({ data: e.outputs.out, epochs });
    countRows({ data: e.outputs.out });
    return f.outputs.model;
  },
);

export const conditions = pipeline(
  {
    name: 'container-conditions',
    description: 'If/Elif/Else on an upstream output and on a parameter.',
    params: {
      text: param.string({ default: 'hello' }),
      min_rows: param.integer({ default: 100 }),
      mode: param.string({ default: 'auto' }),
    },
  },
  ({ text, min_rows, mode }) => {
    const e = emit({ text });
    const c = countRows({ data: e.outputs.out });
    If(
      c.outputs.rows.ge(min_rows),
      () => {
        fit({ data: e.outputs.out });
      },
      { name: 'enough-new-data' },
    )
      .Elif(
        mode.eq('always'),
        () => {
          fit({ data: e.outputs.out, epochs: 5 });
        },
        { name: 'forced' },
      )
      .Else(
        () => {
          announce({ message: 'no retraining: not enough new data' });
        },
        { name: 'skip' },
      );
  },
);

const containerWithArtifactOutputComponent = containerComponent({
  name: 'container-with-artifact-output',
  inputs: { num_epochs: param.integer() },
  outputs: { model: Model, model_config_path: param.string() },
  image: 'gcr.io/my-image',
  command: ['sh', 'run.sh'],
  args: ({ inputs, outputs }) => [
    '--epochs',
    inputs.num_epochs,
    '--model_path',
    outputs.model.uri,
    '--model_metadata',
    outputs.model.metadata,
    '--model_config_path',
    outputs.model_config_path,
  ],
});

export const containerWithArtifactOutput = pipeline(
  { name: 'container-with-artifact-output', params: { num_epochs: param.integer() } },
  ({ num_epochs }) => {
    const t = containerWithArtifactOutputComponent({ num_epochs });
    return { model: t.outputs.model, model_config_path: t.outputs.model_config_path };
  },
);

const writeToGcs = containerComponent({
  name: 'write-to-gcs',
  inputs: { text: param.string() },
  outputs: { output_gcs_path: Artifact },
  image: 'google/cloud-sdk:slim',
  command: ({ inputs, outputs }) => [
    'sh',
    '-c',
    'set -e -x\necho "$0" | gsutil cp - "$1"\n',
    inputs.text,
    outputs.output_gcs_path.uri,
  ],
});

const readFromGcs = containerComponent({
  name: 'read-from-gcs',
  inputs: { input_gcs_path: Artifact },
  image: 'google/cloud-sdk:slim',
  command: ({ inputs }) => ['sh', '-c', 'set -e -x\ngsutil cat "$0"\n', inputs.input_gcs_path.uri],
});

export const twoStep = pipeline(
  { name: 'simple-two-step-pipeline', params: { text: param.string({ default: 'Hello KFP!' }) } },
  ({ text }) => {
    const producer = writeToGcs({ text }).setDisplayName('Producer');
    readFromGcs({ input_gcs_path: producer.outputs.output_gcs_path }).setDisplayName('Consumer');
  },
);

/** The golden file each pipeline must reproduce. */
export const CONTAINER_GOLDENS = [
  ['container_parameter_types.yaml', parameterTypes],
  ['container_retry_caching.yaml', retryCaching],
  ['container_outputs.yaml', outputs],
  ['container_conditions.yaml', conditions],
  ['container_with_artifact_output.yaml', containerWithArtifactOutput],
  ['two_step_pipeline.yaml', twoStep],
] as const;
