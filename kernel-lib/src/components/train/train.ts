/**
 * `train(series, options)`: fit a preset's model on a daily series, evaluate it on the test part
 * against the naive forecasts, and return everything the Model and Metrics artifacts hold. The
 * research notebook calls it directly (with `onEpoch` for a live loss plot); the pipeline's train
 * step calls it through `trainMain`.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VERSION } from '../../version';
import { summarizeSeries } from '../data/drift';
import { describeBackend, initBackend, type BackendInfo, type BackendOptions } from './backend';
import { dayNumber } from './calendar';
import { MODEL_CARD_FORMAT, recentStats, type ModelCard, type TrainMetrics } from './card';
import { formatDatasetCsv, seriesFromPoints, type DailyPoint, type DailySeries } from './csv';
import { DatasetError } from './errors';
import { fitPreprocessing, type Preprocessing } from './features';
import { initialWeights, LstmTrainer, type LstmShape } from './lstm';
import { score } from './metrics';
import { buildLayersModel, runModel, setModelWeights, type ModelArchitecture } from './model';
import { NAIVE_FORECASTS, NAIVE_HISTORY_DAYS, naiveForecasts } from './naive';
import { createPredictor, type Predictor } from './predictor';
import { resolveTrainConfig, type TrainConfig, type TrainConfigOptions } from './presets';
import { Random } from './random';
import { fileSaveHandler, MODEL_FILES, writeJson } from './save';
import { buildExamples, splitTargets, type Examples } from './windows';

/** Progress after one epoch. */
export interface EpochProgress {
  /** 1-based. */
  readonly epoch: number;
  /** Epochs planned (early stopping may end sooner). */
  readonly epochs: number;
  /** Mean training loss of the epoch (normalised MSE, with dropout). */
  readonly loss: number;
  /** Validation loss (the validation tail, or the test set for the sample presets), or null. */
  readonly valLoss: number | null;
  /** Seconds the epoch took. */
  readonly seconds: number;
}

/** One test day. */
export interface TestPrediction {
  readonly day: string;
  readonly actual: number;
  readonly predicted: number;
}

/** One point of the loss curve. */
export interface EpochLoss {
  readonly epoch: number;
  readonly loss: number;
  readonly val_loss: number | null;
}

export interface TrainOptions extends TrainConfigOptions, BackendOptions {
  /** Called after every epoch (awaited). */
  readonly onEpoch?: (progress: EpochProgress) => void | Promise<void>;
  /**
   * Receives log lines (backend, data, one per epoch, result).
   * @default none
   */
  readonly log?: (line: string) => void;
  /**
   * sha256 of the Dataset CSV.
   * @default the hash of the series' canonical `count,day` CSV
   */
  readonly dataSha256?: string;
  /** Where the data came from, for the model card. */
  readonly source?: string;
  /**
   * Days summarised in the model card's recent statistics (for drift checks).
   * @default 28
   */
  readonly recentDays?: number;
}

/** What training produced. Call {@link TrainResult.dispose} (or the predictor's) when done. */
export interface TrainResult {
  readonly config: TrainConfig;
  readonly backend: BackendInfo;
  readonly preprocessing: Preprocessing;
  readonly card: ModelCard;
  readonly metrics: TrainMetrics;
  readonly predictions: readonly TestPrediction[];
  readonly lossCurve: readonly EpochLoss[];
  /** The trained tfjs-layers model. */
  readonly model: tfl.LayersModel;
  /** Forecasts with the trained model (same object as a loaded artifact's). */
  readonly predictor: Predictor;
  /** Writes the Model artifact directory. */
  save(dir: string): Promise<void>;
  dispose(): void;
}

const MODEL_NAME = 'chicago_crime_lstm';

function toSeries(data: DailySeries | readonly DailyPoint[]): DailySeries {
  if (Array.isArray(data)) return seriesFromPoints(data as readonly DailyPoint[]);
  const series = data as DailySeries;
  if (series.days.length !== series.counts.length) {
    throw new DatasetError(
      `the series has ${series.days.length} days but ${series.counts.length} counts`,
    );
  }
  return seriesFromPoints(
    series.days.map((day, i) => ({ day, count: series.counts[i] as number })),
  );
}

/**
 * Batches of one epoch: row indices into the fit examples. `cursor` carries the stream batching's
 * position from one epoch to the next.
 */
export function* epochBatches(
  config: Pick<TrainConfig, 'batchSize' | 'batching' | 'shuffle'>,
  size: number,
  cursor: { next: number },
  rng: Random,
): Generator<number[]> {
  const batch = Math.min(config.batchSize, size);
  if (config.batching === 'stream') {
    // tf.data's repeat().batch() with steps_per_epoch = ⌊samples / batch⌋: one endless pass over
    // the samples in order, so a batch may span the end of the data and the next repetition.
    const steps = Math.max(1, Math.floor(size / batch));
    for (let s = 0; s < steps; s++) {
      const rows: number[] = [];
      for (let k = 0; k < batch; k++) rows.push((cursor.next + k) % size);
      cursor.next = (cursor.next + batch) % size;
      yield rows;
    }
    return;
  }
  const order = Array.from({ length: size }, (_, i) => i);
  if (config.shuffle) rng.shuffle(order);
  for (let start = 0; start < size; start += batch) yield order.slice(start, start + batch);
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

/**
 * Trains a model on a daily series (oldest first, one count per day without gaps).
 * @throws DatasetError when the series is invalid or too short for the configuration
 * @throws TrainOptionsError when an option is invalid
 */
export async function train(
  data: DailySeries | readonly DailyPoint[],
  options: TrainOptions = {},
): Promise<TrainResult> {
  const config = resolveTrainConfig(options);
  const series = toSeries(data);
  const log = options.log ?? (() => undefined);
  const { days, counts } = series;
  const n = counts.length;
  const backend = await initBackend(options);
  log(describeBackend(backend));
  for (const reason of backend.fallbacks ?? []) log(`  (not used: ${reason})`);

  const trainEnd = Math.floor(config.trainFraction * n);
  const pre = fitPreprocessing(config.features, counts, trainEnd);
  const split = splitTargets(n, {
    trainFraction: config.trainFraction,
    historyDays: pre.historyDays,
    testWarmupDays: config.testWarmupDays,
    validationFraction: config.validationFraction,
  });
  const test = split.test.filter((t) => t >= NAIVE_HISTORY_DAYS);
  if (split.fit.length === 0 || test.length === 0) {
    throw new DatasetError(
      `${n} days are too few for preset '${config.preset}' (window ${config.window}, ` +
        `${pre.historyDays} days of history per example, ${Math.round(config.trainFraction * 100)}% ` +
        `for training): no ${split.fit.length === 0 ? 'training' : 'test'} examples`,
    );
  }
  const firstDay = dayNumber(days[0] as string) as number;
  const examples = (targets: readonly number[]): Examples =>
    buildExamples(pre, counts, firstDay, targets);
  const fit = examples(split.fit);
  const validation = split.validation.length > 0 ? examples(split.validation) : undefined;
  const testSet = examples(test);
  // The sample evaluated the test set as Keras' validation data every epoch (it did not steer
  // training); the other presets validate on the tail of the training part.
  const validationSet = validation ?? (config.validationFraction === 0 ? testSet : undefined);
  log(
    `data: ${n} days ${days[0]}..${days[n - 1]}; training part ${days[0]}..${days[trainEnd - 1]} ` +
      `(${fit.size} training${validation ? `, ${validation.size} validation` : ''} samples); ` +
      `test ${testSet.size} days ${days[test[0] as number]}..${days[n - 1]}`,
  );
  log(
    `preset ${config.preset}: window ${config.window}, LSTM(${config.units}, dropout ${config.dropout}), ` +
      `batch ${config.batchSize}, learning rate ${config.learningRate}, ${config.epochs} epochs` +
      `${config.earlyStopping ? ` (early stopping, patience ${config.earlyStopping.patience})` : ''}, seed ${config.seed}`,
  );

  const shape: LstmShape = {
    timesteps: pre.timesteps,
    features: pre.features,
    units: config.units,
    contextSize: pre.contextSize,
  };
  const trainer = new LstmTrainer(shape, initialWeights(shape, new Random(config.seed, 'init')), {
    learningRate: config.learningRate,
    adam: config.adam,
    dropout: config.dropout,
    recurrentActivation: config.recurrentActivation,
  });
  const dropoutRng = new Random(config.seed, 'dropout');
  const shuffleRng = new Random(config.seed, 'shuffle');
  const lossCurve: EpochLoss[] = [];
  let best = { loss: Infinity, epoch: 0, weights: undefined as Float32Array | undefined };
  let stoppedEarly = false;
  const started = performance.now();
  try {
    const cursor = { next: 0 };
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const epochStart = performance.now();
      for (const rows of epochBatches(config, fit.size, cursor, shuffleRng)) {
        trainer.step(fit, rows, dropoutRng);
      }
      const loss = await trainer.takeLoss();
      const valLoss = validationSet ? trainer.loss(validationSet) : null;
      const seconds = (performance.now() - epochStart) / 1000;
      lossCurve.push({ epoch, loss, val_loss: valLoss });
      log(
        `epoch ${epoch}/${config.epochs} loss=${loss.toFixed(5)}` +
          `${valLoss === null ? '' : ` val_loss=${valLoss.toFixed(5)}`} (${seconds.toFixed(2)} s)`,
      );
      await options.onEpoch?.({ epoch, epochs: config.epochs, loss, valLoss, seconds });
      if (config.earlyStopping && valLoss !== null) {
        if (valLoss < best.loss) {
          best = { loss: valLoss, epoch, weights: trainer.snapshot() };
        } else if (epoch - best.epoch >= config.earlyStopping.patience) {
          stoppedEarly = true;
          log(`early stopping: no improvement since epoch ${best.epoch}; keeping its weights`);
          break;
        }
      }
    }
    if (best.weights) trainer.restore(best.weights);
  } catch (error) {
    trainer.dispose();
    throw error;
  }
  const trainingSeconds = (performance.now() - started) / 1000;
  const epochsTrained = lossCurve.length;
  const bestEpoch = best.weights ? best.epoch : epochsTrained;

  const arch: ModelArchitecture = {
    ...shape,
    dropout: config.dropout,
    recurrentActivation: config.recurrentActivation,
  };
  const model = buildLayersModel(arch);
  try {
    setModelWeights(model, arch, trainer.getWeights());
  } finally {
    trainer.dispose();
  }
  const parameters = model.countParams();

  // Score the model that is saved and served, on counts.
  const outputs = runModel(model, arch, testSet.sequence, testSet.context, testSet.size);
  const predicted = Array.from(
    outputs,
    (o, k) => (testSet.offset[k] as number) + (testSet.factor[k] as number) * o,
  );
  const actual = test.map((t) => counts[t] as number);
  const scores = score(actual, predicted);
  const naive = naiveForecasts(counts, test);
  const naiveMetrics: Record<string, number> = {};
  for (const kind of NAIVE_FORECASTS) {
    const s = score(actual, naive[kind]);
    naiveMetrics[`naive_${kind}_rmse`] = round(s.rmse);
    naiveMetrics[`naive_${kind}_mae`] = round(s.mae);
    naiveMetrics[`naive_${kind}_mape`] = round(s.mape);
  }
  const metrics = {
    rmse: round(scores.rmse),
    mae: round(scores.mae),
    mape: round(scores.mape),
    ...naiveMetrics,
    training_seconds: round(trainingSeconds, 3),
    seconds_per_epoch: round(trainingSeconds / Math.max(1, epochsTrained), 4),
    epochs_trained: epochsTrained,
    best_epoch: bestEpoch,
    test_days: test.length,
    train_samples: fit.size,
    backend: backend.name,
  } as TrainMetrics;
  log(
    `test (${test.length} days): RMSE ${metrics.rmse.toFixed(1)}, MAE ${metrics.mae.toFixed(1)}, ` +
      `MAPE ${metrics.mape.toFixed(2)}%; naive RMSE: yesterday ${metrics.naive_yesterday_rmse.toFixed(1)}, ` +
      `mean of 7 days ${metrics.naive_mean7_rmse.toFixed(1)}, last week ${metrics.naive_last_week_rmse.toFixed(1)}; ` +
      `${trainingSeconds.toFixed(1)} s training`,
  );

  const recentDays = options.recentDays ?? 28;
  const { preset, seed, features: _features, ...hyperparameters } = config;
  const card: ModelCard = {
    format: MODEL_CARD_FORMAT,
    name: MODEL_NAME,
    createdAt: new Date().toISOString(),
    pipelabVersion: VERSION,
    preset,
    seed,
    backend,
    hyperparameters,
    architecture: {
      layers:
        pre.contextSize > 0
          ? `LSTM(${config.units}) on ${pre.timesteps}×${pre.features}, concat calendar(${pre.contextSize}), Dense(1)`
          : `LSTM(${config.units}) on ${pre.timesteps}×${pre.features}, Dense(1)`,
      timesteps: pre.timesteps,
      features: pre.features,
      units: config.units,
      contextSize: pre.contextSize,
      parameters,
    },
    features: {
      layout: pre.layout,
      normalization: pre.normalization.kind,
      step: pre.stepFeatures,
      context: pre.contextFeatures,
    },
    data: {
      ...(options.source ? { source: options.source } : {}),
      sha256:
        options.dataSha256 ?? createHash('sha256').update(formatDatasetCsv(series)).digest('hex'),
      rows: n,
      firstDay: days[0] as string,
      lastDay: days[n - 1] as string,
      trainDays: { from: days[0] as string, to: days[trainEnd - 1] as string, count: trainEnd },
      validationTargets: validation?.size ?? 0,
      testTargets: {
        from: days[test[0] as number] as string,
        to: days[test[test.length - 1] as number] as string,
        count: test.length,
      },
    },
    recent: {
      dataset: recentStats(days, counts, n, recentDays),
      trainingPart: recentStats(days, counts, trainEnd, recentDays),
    },
    // The data step's growth-and-drift check compares new data with this summary.
    dataSummary: summarizeSeries(
      days.map((day, i) => ({ day, count: counts[i] as number })),
      { window: recentDays },
    ),
    metrics,
    training: {
      seconds: round(trainingSeconds, 3),
      secondsPerEpoch: metrics.seconds_per_epoch,
      epochsTrained,
      bestEpoch,
      stoppedEarly,
    },
    files: { ...MODEL_FILES },
  };
  const predictions = test.map((t, k) => ({
    day: days[t] as string,
    actual: counts[t] as number,
    predicted: round(predicted[k] as number, 3),
  }));
  const predictor = createPredictor(model, pre, card);

  return {
    config,
    backend,
    preprocessing: pre,
    card,
    metrics,
    predictions,
    lossCurve,
    model,
    predictor,
    save: async (dir: string) => {
      await model.save(fileSaveHandler(dir));
      await writeJson(path.join(dir, MODEL_FILES.preprocessing), pre);
      await writeJson(path.join(dir, MODEL_FILES.card), card);
      await writeJson(path.join(dir, MODEL_FILES.predictions), predictions);
      await writeJson(path.join(dir, MODEL_FILES.lossCurve), lossCurve);
    },
    dispose: () => model.dispose(),
  };
}
