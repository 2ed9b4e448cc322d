/**
 * The model card (`model_card.json`): what was trained on which data, how, where, and how well —
 * and the recent statistics of the training data that the data step's drift check compares new
 * data with. Also the flat metrics KFP shows as scalars.
 */
import type { DatasetSummary } from '../data/drift';
import type { BackendInfo, BackendName } from './backend';
import type { Preprocessing } from './features';
import { NAIVE_FORECASTS, type NaiveForecast } from './naive';
import type { TrainConfig } from './presets';
import { meanStd } from './scalers';

export const MODEL_CARD_FORMAT = 'pipelab.train.model-card/v1';

/**
 * Flat metrics of a training run (KFP shows each as a scalar metric): the model's test scores,
 * the naive forecasts' on the same days (`naive_<name>_<score>`), timings, and the backend that
 * produced them (the one string).
 */
export type TrainMetrics = {
  readonly rmse: number;
  readonly mae: number;
  /** Percent. */
  readonly mape: number;
  readonly training_seconds: number;
  readonly seconds_per_epoch: number;
  readonly epochs_trained: number;
  /** 1-based epoch whose weights were kept. */
  readonly best_epoch: number;
  readonly test_days: number;
  readonly train_samples: number;
  /** The TensorFlow.js backend (timings depend on it). */
  readonly backend: BackendName;
} & {
  readonly [K in `naive_${NaiveForecast}_${'rmse' | 'mae' | 'mape'}`]: number;
};

/** The names of {@link TrainMetrics}, in the order they are written. */
export const TRAIN_METRIC_NAMES: readonly (keyof TrainMetrics)[] = [
  'rmse',
  'mae',
  'mape',
  ...NAIVE_FORECASTS.flatMap((kind) =>
    (['rmse', 'mae', 'mape'] as const).map((s) => `naive_${kind}_${s}` as const),
  ),
  'training_seconds',
  'seconds_per_epoch',
  'epochs_trained',
  'best_epoch',
  'test_days',
  'train_samples',
  'backend',
];

/** Statistics of a run of consecutive days. */
export interface RecentStats {
  /** Number of days. */
  readonly days: number;
  readonly from: string;
  readonly to: string;
  readonly mean: number;
  /** Population standard deviation. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** Statistics of the last `days` days before index `end` (exclusive) of a series. */
export function recentStats(
  days: readonly string[],
  counts: readonly number[],
  end: number,
  window: number,
): RecentStats {
  const start = Math.max(0, end - window);
  const values = counts.slice(start, end);
  const { mean, std } = meanStd(values);
  return {
    days: values.length,
    from: days[start] as string,
    to: days[end - 1] as string,
    mean,
    std,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

export interface ModelCard {
  readonly format: typeof MODEL_CARD_FORMAT;
  readonly name: string;
  readonly createdAt: string;
  readonly pipelabVersion: string;
  readonly preset: TrainConfig['preset'];
  readonly seed: number;
  readonly backend: BackendInfo;
  readonly hyperparameters: Omit<TrainConfig, 'preset' | 'seed' | 'features'>;
  readonly architecture: {
    readonly layers: string;
    readonly timesteps: number;
    readonly features: number;
    readonly units: number;
    readonly contextSize: number;
    readonly parameters: number;
  };
  readonly features: {
    readonly layout: Preprocessing['layout'];
    readonly normalization: Preprocessing['normalization']['kind'];
    readonly step: readonly string[];
    readonly context: readonly string[];
  };
  readonly data: {
    readonly source?: string;
    /** sha256 of the Dataset CSV's bytes (or of its canonical `count,day` rendering when the
     * series did not come from a file). */
    readonly sha256: string;
    readonly rows: number;
    readonly firstDay: string;
    readonly lastDay: string;
    readonly trainDays: { readonly from: string; readonly to: string; readonly count: number };
    readonly validationTargets: number;
    readonly testTargets: { readonly from: string; readonly to: string; readonly count: number };
  };
  /** The dataset's last days (what the drift check compares new data with) and the training
   * part's last days. */
  readonly recent: { readonly dataset: RecentStats; readonly trainingPart: RecentStats };
  /** The whole dataset's summary, in the data step's format (for its drift check). */
  readonly dataSummary: DatasetSummary;
  readonly metrics: TrainMetrics;
  readonly training: {
    readonly seconds: number;
    readonly secondsPerEpoch: number;
    readonly epochsTrained: number;
    readonly bestEpoch: number;
    readonly stoppedEarly: boolean;
  };
  readonly files: Readonly<Record<string, string>>;
}

/** The card's summary as flat KFP artifact metadata. */
export function cardSummary(card: ModelCard): Record<string, string | number | boolean> {
  return {
    preset: card.preset,
    seed: card.seed,
    backend: card.backend.name,
    window: card.hyperparameters.window,
    units: card.architecture.units,
    epochs_trained: card.training.epochsTrained,
    batch_size: card.hyperparameters.batchSize,
    learning_rate: card.hyperparameters.learningRate,
    data_sha256: card.data.sha256,
    data_rows: card.data.rows,
    data_first_day: card.data.firstDay,
    data_last_day: card.data.lastDay,
    recent_days: card.recent.dataset.days,
    recent_mean: card.recent.dataset.mean,
    recent_std: card.recent.dataset.std,
    rmse: card.metrics.rmse,
    mae: card.metrics.mae,
    mape: card.metrics.mape,
    created_at: card.createdAt,
    pipelab_version: card.pipelabVersion,
  };
}
