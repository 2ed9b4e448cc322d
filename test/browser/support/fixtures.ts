/**
 * Pipelines the browser tests run on the real engine: a small "train" pipeline in the Chicago
 * pipeline's shape (a data step, then a train step writing Metrics and a Model directory with
 * `test_predictions.json` and `loss_curve.json`), a failing one, and a slow one to watch.
 */
import { Metrics, Model, functionComponent, param, pipeline } from '../../../kernel-lib/src/dsl';

const countDays = functionComponent({
  name: 'count-days',
  inputs: { days: param.integer() },
  returns: param.integer(),
  fn: ({ days }) => {
    console.log(`counting ${days} days`);
    return days;
  },
});

const train = functionComponent({
  name: 'train',
  inputs: { rows: param.integer(), epochs: param.integer() },
  outputs: { metrics: Metrics, model: Model },
  fn: ({ rows, epochs }, { metrics, model }) => {
    const fs = require('node:fs');
    const path = require('node:path');
    fs.mkdirSync(model.path, { recursive: true });
    const predictions = [];
    for (let i = 0; i < rows; i++) {
      const day = new Date(Date.UTC(2022, 0, 1 + i)).toISOString().slice(0, 10);
      const actual = 700 + Math.round(80 * Math.sin(i / 3));
      predictions.push({ day, actual, predicted: actual + ((i * 37) % 41) - 20 });
    }
    const curve = [];
    for (let e = 1; e <= epochs; e++) curve.push({ epoch: e, loss: 1 / e, val_loss: 1.2 / e });
    fs.writeFileSync(path.join(model.path, 'test_predictions.json'), JSON.stringify(predictions));
    fs.writeFileSync(path.join(model.path, 'loss_curve.json'), JSON.stringify(curve));
    console.log(`trained for ${epochs} epochs`);
    metrics.logMetric('rmse', 71.8);
    metrics.logMetric('mae', 55.25);
    metrics.logMetric('epochs', epochs);
  },
});

export const demoPipeline = pipeline(
  {
    name: 'browser-demo',
    description: 'A data step and a train step, as the Chicago pipeline.',
    params: { days: param.integer({ default: 30 }), epochs: param.integer({ default: 5 }) },
  },
  ({ days, epochs }) => {
    const counted = countDays({ days });
    train({ rows: counted.output, epochs });
  },
);

const explode = functionComponent({
  name: 'explode',
  fn: () => {
    console.error('something went wrong on purpose');
    throw new Error('boom');
  },
});

export const failingPipeline = pipeline({ name: 'browser-failing' }, () => {
  explode().setCachingOptions(false);
});

const slowStep = functionComponent({
  name: 'slow-step',
  inputs: { ms: param.integer() },
  fn: async ({ ms }) => {
    for (let i = 0; i < 4; i++) {
      console.log(`tick ${i}`);
      await new Promise((resolve) => setTimeout(resolve, ms / 4));
    }
  },
});

export const slowPipeline = pipeline(
  { name: 'browser-slow', params: { ms: param.integer({ default: 4000 }) } },
  ({ ms }) => {
    slowStep({ ms }).setCachingOptions(false);
  },
);
