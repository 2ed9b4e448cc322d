/**
 * What the server needs from a loaded model version, and how it loads one. The train step's
 * `loadTrainedModel` returns exactly this shape; tests and other model kinds pass their own
 * {@link PredictorLoader}.
 */
import type { BackendName } from '../components/train/backend';

/** One day's total. */
export interface DailyPoint {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly count: number;
}

/**
 * One instance to predict: the daily totals before the predicted day, oldest first (at least
 * `historyDays`; older extra days are ignored) — or those counts with the predicted day, which
 * models with calendar features need.
 */
export type ServingInput =
  readonly number[] | { readonly counts: readonly number[]; readonly day?: string };

/** A loaded model version. */
export interface ServablePredictor {
  /** Days of history one prediction needs. */
  readonly historyDays: number;
  /** Whether each instance needs the predicted day's date. */
  readonly needsDates: boolean;
  /** The model card (`model_card.json`) when the model has one. */
  readonly card?: unknown;
  /** What evaluates the model (`tensorflow.js`, `javascript` …), for the metadata. */
  readonly engine?: string;
  /** The count following each input, in order (one batched model call). */
  predict(inputs: readonly ServingInput[]): ArrayLike<number>;
  /** The `days` days after `history` (oldest first), each forecast fed back as history. */
  forecast(history: readonly DailyPoint[], days: number): readonly number[];
  /** Frees the model's memory. */
  dispose?(): void;
}

/** Loads the model version in a directory. */
export type PredictorLoader = (dir: string) => Promise<ServablePredictor>;

/** Options of {@link trainedModelLoader}. */
export interface TrainedModelLoaderOptions {
  /** The TensorFlow.js backend to initialise when none is active. @default 'auto' */
  readonly backend?: BackendName | 'auto';
  /**
   * Evaluate the LSTM in plain JavaScript (see `fast-lstm.ts`) when it reproduces the
   * TensorFlow.js model's predictions; else, and when false, TensorFlow.js.
   * @default true
   */
  readonly fastPath?: boolean;
  /** Told why the fast path is not used for a model. @default nothing */
  readonly log?: (line: string) => void;
}

/**
 * The loader of the train step's Model artifacts (TensorFlow.js and the fast path are loaded on
 * first use, so that importing the server does not load TensorFlow.js).
 */
export function trainedModelLoader(options: TrainedModelLoaderOptions = {}): PredictorLoader {
  return async (dir) => {
    const { loadTrainedModel } = await import('../components/train/predictor.js');
    const base = await loadTrainedModel(dir, { backend: options.backend ?? 'auto' });
    const tfjs: ServablePredictor = Object.assign(base, { engine: 'tensorflow.js' });
    if (options.fastPath === false) return tfjs;
    const { compileFastPredictor } = await import('./fast-lstm.js');
    let compiled;
    try {
      compiled = compileFastPredictor(base);
    } catch (error) {
      compiled = { reason: (error as Error).message };
    }
    if (compiled.predictor) return compiled.predictor;
    options.log?.(`model ${dir}: served with TensorFlow.js (${compiled.reason})`);
    return tfjs;
  };
}
