/**
 * The flagship pipeline of the 2019 Kubeflow sample: query Chicago's daily crime-report totals,
 * retrain the LSTM, deploy the new model version — retraining only when the data grew or drifted
 * enough since the deployed model was trained (the sample's "trigger retraining when the data has
 * significantly changed or grown"), or always with `retrain: 'always'`. A run that skips
 * retraining shows the skipped `retrain` group and a `retraining-skipped` task with the reasons.
 *
 * Compile it with `npm run compile` or `pipelab compile kernel-lib/dist/pipelines/chicago.js`.
 */
import {
  CHICAGO_SQL,
  deployModel,
  queryDailyTotals,
  retrainingSkipped,
  trainLstm,
} from '../components/chicago';
import { If, pipeline } from '../dsl/pipeline';
import { param } from '../dsl/types';

export const chicagoPipeline = pipeline(
  {
    name: 'chicago-crime-prediction',
    displayName: 'Chicago Crime Prediction',
    description: 'Query Chicago crime counts, train an LSTM forecaster and deploy it.',
    params: {
      source: param.string({
        default: 'warehouse',
        description: 'warehouse (embedded), bigquery, chicago-portal or csv',
      }),
      project_id: param.string({ default: '', description: 'Google Cloud project for BigQuery' }),
      query: param.string({ default: CHICAGO_SQL }),
      csv_uri: param.string({ default: '', description: 'the file or URL of the csv source' }),
      retrain: param.string({ default: 'auto', description: 'auto, always or never' }),
      min_new_days: param.integer({ default: 7 }),
      drift_threshold: param.double({ default: 0.5 }),
      preset: param.string({
        default: 'default',
        description: 'default, sample or sample-trainer',
      }),
      window_size: param.integer({ default: 0, description: "0: the preset's" }),
      epochs: param.integer({ default: 0, description: "0: the preset's" }),
      batch_size: param.integer({ default: 0, description: "0: the preset's" }),
      learning_rate: param.double({ default: 0, description: "0: the preset's" }),
      seed: param.integer({ default: 42 }),
      model_name: param.string({ default: 'chicago_crime' }),
      set_default: param.boolean({ default: true }),
      gate_tolerance: param.double({ default: 0.05 }),
    },
  },
  (p) => {
    const data = queryDailyTotals({
      source: p.source,
      query: p.query,
      project_id: p.project_id,
      csv_uri: p.csv_uri,
      model_name: p.model_name,
      retrain: p.retrain,
      min_new_days: p.min_new_days,
      drift_threshold: p.drift_threshold,
    }).setCachingOptions(false); // new days arrive every day: never reuse yesterday's query
    If(
      data.outputs.should_retrain.eq(true),
      () => {
        const trained = trainLstm({
          dataset: data.outputs.dataset,
          preset: p.preset,
          window_size: p.window_size,
          epochs: p.epochs,
          batch_size: p.batch_size,
          learning_rate: p.learning_rate,
          seed: p.seed,
        });
        deployModel({
          model: trained.outputs.model,
          model_name: p.model_name,
          set_default: p.set_default,
          gate_tolerance: p.gate_tolerance,
        });
      },
      { name: 'retrain' },
    ).Else(
      () => {
        retrainingSkipped({ reasons: data.outputs.retrain_reasons });
      },
      { name: 'no-retraining' },
    );
  },
);

export default chicagoPipeline;
