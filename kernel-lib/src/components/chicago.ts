/**
 * The three steps of the Chicago sample as container components, plus the note a run leaves when
 * it decides not to retrain. Each step runs `pipelab-component <step>` from Pipelab's component
 * image; the embedded engine runs the same entry point as a local process (see
 * local-commands.ts), so one compiled pipeline serves both backends. Every step also receives the
 * ExecutorInput (`{{$}}`) and writes KFP's executor_output.json: artifact metadata (the dataset's
 * rows and hash, the metrics) and output parameters.
 */
import { containerComponent, functionComponent } from '../dsl/component';
import { EXECUTOR_INPUT } from '../dsl/placeholders';
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
  description:
    'Query daily crime-report totals into a count,day CSV, and decide whether the data grew or ' +
    'drifted enough since the deployed model was trained to retrain.',
  inputs: {
    source: param.string({ default: 'warehouse' }),
    query: param.string({ default: CHICAGO_SQL }),
    project_id: param.string({ default: '' }),
    csv_uri: param.string({ default: '' }),
    model_name: param.string({ default: 'chicago_crime' }),
    retrain: param.string({ default: 'auto' }),
    min_new_days: param.integer({ default: 7 }),
    drift_threshold: param.double({ default: 0.5 }),
  },
  outputs: {
    dataset: Dataset,
    rows: param.integer(),
    new_days: param.integer(),
    drift: param.double(),
    should_retrain: param.boolean(),
    retrain_reasons: param.string(),
  },
  image: COMPONENT_IMAGE,
  command: ['pipelab-component', 'query'],
  args: ({ inputs, outputs }) => [
    '--source',
    inputs.source,
    '--query',
    inputs.query,
    '--project-id',
    inputs.project_id,
    '--csv-uri',
    inputs.csv_uri,
    '--deployed-model',
    inputs.model_name,
    '--retrain',
    inputs.retrain,
    '--min-new-days',
    inputs.min_new_days,
    '--drift-threshold',
    inputs.drift_threshold,
    '--output',
    outputs.dataset.path,
    '--executor-input',
    EXECUTOR_INPUT,
  ],
});

export const trainLstm = containerComponent({
  name: 'train',
  description: 'Train the LSTM that predicts a day’s total from the previous days.',
  inputs: {
    dataset: Dataset,
    preset: param.string({ default: 'default' }),
    window_size: param.integer({ default: 0 }),
    epochs: param.integer({ default: 0 }),
    batch_size: param.integer({ default: 0 }),
    learning_rate: param.double({ default: 0 }),
    seed: param.integer({ default: 42 }),
  },
  outputs: { model: Model, metrics: Metrics, rmse: param.double() },
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
    '--seed',
    inputs.seed,
    '--model-dir',
    outputs.model.path,
    '--metrics',
    outputs.metrics.path,
    '--executor-input',
    EXECUTOR_INPUT,
  ],
});

export const deployModel = containerComponent({
  name: 'deploy',
  description:
    'Add the model as a new version behind the prediction endpoint; make it the default when it ' +
    'is not worse than the current default (the quality gate).',
  inputs: {
    model: Model,
    model_name: param.string({ default: 'chicago_crime' }),
    set_default: param.boolean({ default: true }),
    gate_tolerance: param.double({ default: 0.05 }),
  },
  outputs: { version: param.string(), promoted: param.boolean(), gate_decision: param.string() },
  image: COMPONENT_IMAGE,
  command: ['pipelab-component', 'deploy'],
  args: ({ inputs, outputs }) => [
    '--model-dir',
    inputs.model.path,
    '--model-name',
    inputs.model_name,
    '--set-default',
    inputs.set_default,
    '--gate-tolerance',
    inputs.gate_tolerance,
    '--version-output',
    outputs.version,
    '--executor-input',
    EXECUTOR_INPUT,
  ],
});

/** What a run shows when the data did not call for retraining. */
export const retrainingSkipped = functionComponent({
  name: 'retraining-skipped',
  description: 'Record why this run did not retrain.',
  inputs: { reasons: param.string() },
  fn: ({ reasons }) => {
    console.log(`no retraining: ${reasons}`);
  },
});
