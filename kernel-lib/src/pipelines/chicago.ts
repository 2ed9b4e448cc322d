/**
 * The flagship pipeline of the 2019 Kubeflow sample: query Chicago's daily crime-report totals,
 * retrain the LSTM, deploy the new model version. Parameters default to the sample's research
 * notebook (window 7, 25 epochs, batch 256, learning rate 0.01) and the embedded warehouse.
 *
 * Compile it with `npm run compile` or `pipelab compile kernel-lib/dist/pipelines/chicago.js`.
 */
import { CHICAGO_SQL, deployModel, queryDailyTotals, trainLstm } from '../components/chicago';
import { pipeline } from '../dsl/pipeline';
import { param } from '../dsl/types';

export const chicagoPipeline = pipeline(
  {
    name: 'chicago-crime-prediction',
    displayName: 'Chicago Crime Prediction',
    description: 'Query Chicago crime counts, train an LSTM forecaster and deploy it.',
    params: {
      source: param.string({
        default: 'warehouse',
        description: 'warehouse, bigquery, chicago-portal or csv',
      }),
      project_id: param.string({ default: '', description: 'Google Cloud project for BigQuery' }),
      query: param.string({ default: CHICAGO_SQL }),
      preset: param.string({
        default: 'sample',
        description: 'sample (the 2019 notebook) or default',
      }),
      window_size: param.integer({ default: 7 }),
      epochs: param.integer({ default: 25 }),
      batch_size: param.integer({ default: 256 }),
      learning_rate: param.double({ default: 0.01 }),
      model_name: param.string({ default: 'chicago_crime' }),
      set_default: param.boolean({ default: true }),
    },
  },
  (p) => {
    const data = queryDailyTotals({ source: p.source, query: p.query, project_id: p.project_id });
    const model = trainLstm({
      dataset: data.outputs.dataset,
      preset: p.preset,
      window_size: p.window_size,
      epochs: p.epochs,
      batch_size: p.batch_size,
      learning_rate: p.learning_rate,
    });
    const deployed = deployModel({
      model: model.outputs.model,
      model_name: p.model_name,
      set_default: p.set_default,
    });
    return deployed.outputs.version;
  },
);

export default chicagoPipeline;
