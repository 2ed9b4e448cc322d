/**
 * The Chicago pipeline exactly as ../shared/kfp/reference/chicago_pipeline.kfp-sdk-2.15.2.yaml
 * was defined for the KFP SDK (Python images), written with Pipelab's DSL.
 */
import {
  Dataset,
  Metrics,
  Model,
  containerComponent,
  param,
  pipeline,
} from '../../kernel-lib/src/dsl';

const SQL =
  'SELECT count(*) AS count, TIMESTAMP_TRUNC(date, DAY) AS day FROM ' +
  '`bigquery-public-data.chicago_crime.crime` GROUP BY day ORDER BY day';

const query = containerComponent({
  name: 'query',
  inputs: { query: param.string(), project_id: param.string() },
  outputs: { dataset: Dataset },
  image: 'gcr.io/my-project/chicago-crime/query:latest',
  command: ['python3', '/app/query.py'],
  args: ({ inputs, outputs }) => [
    '--query',
    inputs.query,
    '--project-id',
    inputs.project_id,
    '--output',
    outputs.dataset.path,
  ],
});

const train = containerComponent({
  name: 'train',
  inputs: {
    dataset: Dataset,
    window_size: param.integer({ default: 7 }),
    epochs: param.integer({ default: 25 }),
    batch_size: param.integer({ default: 256 }),
    learning_rate: param.double({ default: 0.01 }),
  },
  outputs: { model: Model, metrics: Metrics },
  image: 'gcr.io/my-project/chicago-crime/train:latest',
  command: ['python3', '/app/train.py'],
  args: ({ inputs, outputs }) => [
    '--input',
    inputs.dataset.path,
    '--window-size',
    inputs.window_size,
    '--epochs',
    inputs.epochs,
    '--batch-size',
    inputs.batch_size,
    '--learning-rate',
    inputs.learning_rate,
    '--model-dir',
    outputs.model.path,
    '--metrics',
    outputs.metrics.path,
  ],
});

const deploy = containerComponent({
  name: 'deploy',
  inputs: {
    model: Model,
    model_name: param.string({ default: 'chicago_crime' }),
    set_default: param.boolean({ default: true }),
  },
  outputs: { version: param.string() },
  image: 'gcr.io/my-project/chicago-crime/deploy:latest',
  command: ['python3', '/app/deploy.py'],
  args: ({ inputs, outputs }) => [
    '--model-dir',
    inputs.model.uri,
    '--model-name',
    inputs.model_name,
    '--set-default',
    inputs.set_default,
    '--version-output',
    outputs.version,
  ],
});

export const chicagoReference = pipeline(
  {
    name: 'chicago-crime-prediction',
    description:
      'Query Chicago crime counts from BigQuery, train an LSTM forecaster and deploy it.',
    params: {
      project_id: param.string({ default: 'my-project' }),
      query: param.string({ default: SQL }),
      window_size: param.integer({ default: 7 }),
      epochs: param.integer({ default: 25 }),
      batch_size: param.integer({ default: 256 }),
      learning_rate: param.double({ default: 0.01 }),
      model_name: param.string({ default: 'chicago_crime' }),
      set_default: param.boolean({ default: true }),
    },
  },
  (p) => {
    const q = query({ query: p.query, project_id: p.project_id });
    const t = train({
      dataset: q.outputs.dataset,
      window_size: p.window_size,
      epochs: p.epochs,
      batch_size: p.batch_size,
      learning_rate: p.learning_rate,
    });
    const d = deploy({
      model: t.outputs.model,
      model_name: p.model_name,
      set_default: p.set_default,
    });
    return d.outputs.version;
  },
);
