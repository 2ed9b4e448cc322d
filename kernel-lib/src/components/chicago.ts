/**
 * The three steps of the Chicago sample as container components. Each runs
 * `pipelab-component <step>` from Pipelab's component image; the embedded engine runs the same
 * entry point as a local process, so one compiled pipeline serves both backends.
 */
import { containerComponent } from '../dsl/component';
import { Dataset, Metrics, Model, param } from '../dsl/types';
import { VERSION } from '../version';

/** The image holding Pipelab's components (built from this repository). */
export const COMPONENT_IMAGE = `ghcr.io/pipelab/components:${VERSION}`;

/** The sample's query: daily report totals, oldest first. */
export const CHICAGO_SQL =
  'SELECT count(*) AS count, TIMESTAMP_TRUNC(date, DAY) AS day FROM ' +
  '`bigquery-public-data.chicago_crime.crime` GROUP BY day ORDER BY day';

export const queryDailyTotals = containerComponent({
  name: 'query',
  description: 'Query daily crime-report totals and write them as a count,day CSV.',
  inputs: {
    source: param.string({ default: 'warehouse' }),
    query: param.string({ default: CHICAGO_SQL }),
    project_id: param.string({ default: '' }),
  },
  outputs: { dataset: Dataset },
  image: COMPONENT_IMAGE,
  command: ['pipelab-component', 'query'],
  args: ({ inputs, outputs }) => [
    '--source',
    inputs.source,
    '--query',
    inputs.query,
    '--project-id',
    inputs.project_id,
    '--output',
    outputs.dataset.path,
  ],
});

export const trainLstm = containerComponent({
  name: 'train',
  description: 'Train the LSTM that predicts a day’s total from the previous days.',
  inputs: {
    dataset: Dataset,
    preset: param.string({ default: 'sample' }),
    window_size: param.integer({ default: 7 }),
    epochs: param.integer({ default: 25 }),
    batch_size: param.integer({ default: 256 }),
    learning_rate: param.double({ default: 0.01 }),
  },
  outputs: { model: Model, metrics: Metrics },
  image: COMPONENT_IMAGE,
  command: ['pipelab-component', 'train'],
  args: ({ inputs, outputs }) => [
    '--input',
    inputs.dataset.path,
    '--preset',
    inputs.preset,
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

export const deployModel = containerComponent({
  name: 'deploy',
  description: 'Deploy the model as a new version behind the prediction endpoint.',
  inputs: {
    model: Model,
    model_name: param.string({ default: 'chicago_crime' }),
    set_default: param.boolean({ default: true }),
  },
  outputs: { version: param.string() },
  image: COMPONENT_IMAGE,
  command: ['pipelab-component', 'deploy'],
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
