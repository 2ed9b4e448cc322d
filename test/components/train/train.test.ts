/**
 * `train` and `loadTrainedModel` on generated data: reproducibility, artifacts, the predictor.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_METRIC_NAMES } from '../../../kernel-lib/src/components/train/card';
import { DatasetError, PredictInputError } from '../../../kernel-lib/src/components/train/errors';
import {
  loadTrainedModel,
  type Predictor,
} from '../../../kernel-lib/src/components/train/predictor';
import { Random } from '../../../kernel-lib/src/components/train/random';
import {
  epochBatches,
  train,
  type EpochProgress,
  type TrainResult,
} from '../../../kernel-lib/src/components/train/train';
import { syntheticSeries } from './synthetic';

const series = syntheticSeries({ days: 800 });
const TIMING = new Set(['training_seconds', 'seconds_per_epoch']);
const withoutTimings = (metrics: object) =>
  Object.fromEntries(Object.entries(metrics).filter(([k]) => !TIMING.has(k)));

describe('epochBatches', () => {
  it("streams the sample's batches across epoch boundaries, ⌊n / batch⌋ per epoch", () => {
    const cursor = { next: 0 };
    const config = { batchSize: 4, batching: 'stream', shuffle: false } as const;
    const first = [...epochBatches(config, 10, cursor, new Random(1))];
    const second = [...epochBatches(config, 10, cursor, new Random(1))];
    expect(first).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(second).toEqual([
      [8, 9, 0, 1],
      [2, 3, 4, 5],
    ]);
  });

  it('covers every sample once per epoch otherwise, shuffled by the seed', () => {
    const config = { batchSize: 4, batching: 'epoch', shuffle: true } as const;
    const batches = [...epochBatches(config, 10, { next: 0 }, new Random(3))];
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect([...epochBatches(config, 10, { next: 0 }, new Random(3))]).toEqual(batches);
  });
});

describe('train (default preset, generated data)', () => {
  let result: TrainResult;
  const progress: EpochProgress[] = [];
  const lines: string[] = [];
  let dir: string;

  beforeAll(async () => {
    result = await train(series, {
      epochs: 4,
      seed: 3,
      onEpoch: (p) => void progress.push(p),
      log: (line) => void lines.push(line),
    });
    dir = mkdtempSync(path.join(tmpdir(), 'pipelab-train-'));
    await result.save(dir);
  });
  afterAll(() => result?.dispose());

  it('reports flat numeric metrics, the naive forecasts on the same days and timings', () => {
    expect(Object.keys(result.metrics)).toEqual([...TRAIN_METRIC_NAMES]);
    const { backend, ...scalars } = result.metrics;
    expect(backend).toBe(result.backend.name);
    for (const value of Object.values(scalars)) expect(typeof value).toBe('number');
    expect(result.metrics.test_days).toBe(result.predictions.length);
    expect(result.metrics.epochs_trained).toBe(4);
    expect(result.metrics.seconds_per_epoch).toBeGreaterThan(0);
    expect(result.metrics.rmse).toBeLessThan(result.metrics.naive_last_week_rmse);
  });

  it('calls onEpoch and logs one line per epoch', () => {
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    expect(progress.every((p) => p.valLoss !== null && p.epochs === 4)).toBe(true);
    expect(lines.filter((l) => /^epoch \d+\/4 loss=/.test(l))).toHaveLength(4);
    expect(lines[0]).toMatch(/^TensorFlow\.js backend: /);
  });

  it('is reproducible: same data and seed give identical metrics and predictions', async () => {
    const again = await train(series, { epochs: 4, seed: 3 });
    try {
      expect(withoutTimings(again.metrics)).toEqual(withoutTimings(result.metrics));
      expect(again.predictions).toEqual(result.predictions);
      expect(again.lossCurve).toEqual(result.lossCurve);
    } finally {
      again.dispose();
    }
    const other = await train(series, { epochs: 4, seed: 4 });
    try {
      expect(other.predictions).not.toEqual(result.predictions);
    } finally {
      other.dispose();
    }
  });

  it('writes the Model artifact directory', () => {
    for (const file of [
      'model.json',
      'weights.bin',
      'preprocessing.json',
      'model_card.json',
      'test_predictions.json',
      'loss_curve.json',
    ]) {
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    }
    const modelJson = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    const card = JSON.parse(readFileSync(path.join(dir, 'model_card.json'), 'utf8'));
    expect(card).toMatchObject({
      preset: 'default',
      seed: 3,
      backend: { name: result.backend.name },
      data: { rows: 800, firstDay: '2016-01-01', lastDay: series.days[799] },
      hyperparameters: { window: 14, batchSize: 256, learningRate: 0.01, epochs: 4 },
      recent: { dataset: { days: 28, to: series.days[799] } },
    });
    expect(card.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(card.recent.dataset.mean).toBeGreaterThan(0);
    expect(card.metrics).toEqual(result.metrics);
    const curve = JSON.parse(readFileSync(path.join(dir, 'loss_curve.json'), 'utf8'));
    expect(curve[0]).toEqual({
      epoch: 1,
      loss: expect.any(Number),
      val_loss: expect.any(Number),
    });
    const predictions = JSON.parse(readFileSync(path.join(dir, 'test_predictions.json'), 'utf8'));
    expect(predictions[0]).toEqual({
      day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      actual: expect.any(Number),
      predicted: expect.any(Number),
    });
  });

  describe('loadTrainedModel', () => {
    let predictor: Predictor;
    beforeAll(async () => {
      predictor = await loadTrainedModel(dir);
    });
    afterAll(() => predictor?.dispose());

    it('predicts what training scored', () => {
      expect(predictor.historyDays).toBe(28);
      expect(predictor.needsDates).toBe(true);
      const sample = result.predictions.slice(0, 20);
      const windows = sample.map((p) => {
        const t = series.days.indexOf(p.day);
        return { counts: series.counts.slice(t - 28, t), day: p.day };
      });
      predictor.predict(windows).forEach((x, k) => expect(x).toBeCloseTo(sample[k]!.predicted, 1));
      // The in-memory predictor agrees.
      expect(result.predictor.predict(windows)).toEqual(predictor.predict(windows));
    });

    it('forecasts days ahead from daily points or from counts and the last day', () => {
      const points = series.days
        .slice(-60)
        .map((day, i) => ({ day, count: series.counts[740 + i]! }));
      const week = predictor.forecast(points, 7);
      expect(week).toHaveLength(7);
      for (const x of week) expect(x).toBeGreaterThan(0);
      expect(
        predictor.forecast(series.counts.slice(-60), 7, { lastDay: series.days[799] }),
      ).toEqual(week);
    });

    it('explains what a prediction needs', () => {
      expect(() => predictor.predict([series.counts.slice(-28)])).toThrow(PredictInputError);
      expect(() => predictor.predict([{ counts: [1, 2, 3], day: '2020-01-01' }])).toThrow(
        /needs the previous 28 days/,
      );
      expect(() => predictor.forecast(series.counts.slice(-60), 3)).toThrow(/lastDay/);
    });
  });
});

describe('train (sample preset, generated data)', () => {
  it('serves plain windows of the previous 7 counts', async () => {
    const result = await train(series, { preset: 'sample', epochs: 2 });
    try {
      expect(result.predictor.needsDates).toBe(false);
      expect(result.card.architecture).toMatchObject({ timesteps: 1, features: 7, units: 4 });
      expect(result.metrics.test_days).toBe(800 - 640 - 7);
      const [first] = result.predictions;
      const t = series.days.indexOf(first!.day);
      const [x] = result.predictor.predict([series.counts.slice(t - 7, t)]);
      expect(x).toBeCloseTo(first!.predicted, 1);
      expect(result.predictor.forecast(series.counts.slice(-7), 3)).toHaveLength(3);
    } finally {
      result.dispose();
    }
  });

  it('refuses a series too short for the preset', async () => {
    await expect(train(syntheticSeries({ days: 20 }), { preset: 'sample' })).rejects.toThrow(
      DatasetError,
    );
  });
});
