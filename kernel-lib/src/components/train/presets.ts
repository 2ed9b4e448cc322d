/**
 * Training presets and the one boundary function that turns caller options into a complete,
 * validated configuration.
 *
 * - `sample`: the 2019 research notebook, exactly — window 7, RobustScaler fitted on the first
 *   80% of days, windows shaped (samples, 1, 7), LSTM(4, dropout 0.2) then Dense(1), MSE, Adam
 *   with learning rate 0.01, batch 256, 25 epochs, no shuffling; Keras 2's (TF 1) LSTM defaults
 *   (hard_sigmoid gates, glorot/orthogonal initialisers, unit forget bias); the training set repeated and
 *   batched as one stream with ⌊samples / batch⌋ steps per epoch (tf.data `repeat().batch()`);
 *   the test windows built from the test part alone.
 * - `sample-trainer`: the sample's trainer package defaults — window 14, StandardScaler, batch
 *   128, learning rate 0.001, 250 epochs — otherwise as `sample`.
 * - `default`: Pipelab's forecaster. Counts divided by their trailing 28-day mean level (so the
 *   twenty-year decline and the 2020 drop do not move the inputs), 14 days of per-day inputs with
 *   first-of-month and holiday flags, and the target day's weekday, first-of-month, holiday and
 *   season beside the LSTM(16) state; seeded shuffling; early stopping on the last 10% of the
 *   training part, keeping the best epoch's weights. Test targets are the same days as the
 *   sample's at window 7 (from the 8th day of the test part), inputs may reach back before it.
 */
import type { ContextFeature, FeatureConfig, StepFeature } from './features';
import { TrainOptionsError } from './errors';
import type { RecurrentActivation } from './lstm';

export const PRESET_NAMES = ['default', 'sample', 'sample-trainer'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Adam's constants (TensorFlow 1's AdamOptimizer defaults in every preset). */
export interface AdamConstants {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** A complete training configuration. */
export interface TrainConfig {
  readonly preset: PresetName;
  /** Days of history in the model's window. */
  readonly window: number;
  /** Epochs (the most, with early stopping). */
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly units: number;
  /** Input dropout of the LSTM (Keras `dropout`), one mask per gate. */
  readonly dropout: number;
  /** Activation of the LSTM's gates: `hard_sigmoid` was Keras' default in 2019 (TF 1). */
  readonly recurrentActivation: RecurrentActivation;
  readonly seed: number;
  /**
   * `stream`: the sample's batching, the training set repeated as one stream cut into
   * ⌊samples / batch⌋ batches per epoch (batches run across epoch boundaries); `epoch`: every
   * sample once per epoch, the last batch smaller.
   */
  readonly batching: 'stream' | 'epoch';
  /** Shuffle the training samples each epoch (seeded). */
  readonly shuffle: boolean;
  /** Stop when the validation loss has not improved for `patience` epochs; keep the best. */
  readonly earlyStopping: { readonly patience: number } | null;
  /** Share of the training targets held out at its end for validation (0: the test set is
   * evaluated as `val_loss` instead, as the sample did). */
  readonly validationFraction: number;
  readonly adam: AdamConstants;
  /** Share of the days in the training part. */
  readonly trainFraction: number;
  /** Test targets start this many days into the test part. */
  readonly testWarmupDays: number;
  readonly features: FeatureConfig;
}

const TF1_ADAM: AdamConstants = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

const DEFAULT_STEP_FEATURES: readonly StepFeature[] = ['value', 'first_of_month', 'holiday'];
const DEFAULT_CONTEXT_FEATURES: readonly ContextFeature[] = [
  'weekday',
  'first_of_month',
  'holiday',
  'day_of_year',
];

/** The window the reference figures use: default-preset test targets start after it. */
const SAMPLE_WINDOW = 7;

type PresetValues = Omit<
  TrainConfig,
  'preset' | 'seed' | 'window' | 'features' | 'testWarmupDays'
> & {
  readonly window: number;
  readonly features: (window: number) => FeatureConfig;
  readonly testWarmupDays: (window: number) => number;
};

const sample: PresetValues = {
  window: 7,
  epochs: 25,
  batchSize: 256,
  learningRate: 0.01,
  units: 4,
  dropout: 0.2,
  recurrentActivation: 'hard_sigmoid',
  batching: 'stream',
  shuffle: false,
  earlyStopping: null,
  validationFraction: 0,
  adam: TF1_ADAM,
  trainFraction: 0.8,
  testWarmupDays: (window) => window,
  features: (window) => ({ layout: 'flat', window, scaler: 'robust' }),
};

const PRESETS: Record<PresetName, PresetValues> = {
  sample,
  'sample-trainer': {
    ...sample,
    window: 14,
    epochs: 250,
    batchSize: 128,
    learningRate: 0.001,
    features: (window) => ({ layout: 'flat', window, scaler: 'standard' }),
  },
  default: {
    window: 14,
    epochs: 40,
    batchSize: 256,
    learningRate: 0.01,
    units: 16,
    dropout: 0.1,
    recurrentActivation: 'sigmoid',
    batching: 'epoch',
    shuffle: true,
    earlyStopping: { patience: 5 },
    validationFraction: 0.1,
    adam: TF1_ADAM,
    trainFraction: 0.8,
    testWarmupDays: () => SAMPLE_WINDOW,
    features: (window) => ({
      layout: 'sequence',
      window,
      levelDays: 28,
      clip: 5,
      stepFeatures: DEFAULT_STEP_FEATURES,
      contextFeatures: DEFAULT_CONTEXT_FEATURES,
    }),
  },
};

/** Options that pick and adjust a preset. 0 (or undefined) means "the preset's value". */
export interface TrainConfigOptions {
  /**
   * The preset.
   * @default 'default'
   */
  readonly preset?: PresetName | string;
  /**
   * Days of history in the window.
   * @default the preset's (sample 7, sample-trainer 14, default 14)
   */
  readonly windowSize?: number;
  /**
   * Epochs.
   * @default the preset's (25, 250, 40 with early stopping)
   */
  readonly epochs?: number;
  /**
   * Batch size.
   * @default the preset's (256, 128, 256)
   */
  readonly batchSize?: number;
  /**
   * Adam's learning rate.
   * @default the preset's (0.01, 0.001, 0.01)
   */
  readonly learningRate?: number;
  /**
   * LSTM units.
   * @default the preset's (4, 4, 16)
   */
  readonly units?: number;
  /**
   * The seed of weight initialisation, dropout masks and shuffling.
   * @default 42
   */
  readonly seed?: number;
}

/** The seed when none is given. */
export const DEFAULT_SEED = 42;

function positiveInteger(value: number | undefined, name: string, max: number): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new TrainOptionsError(`${name} must be an integer from 1 to ${max}; got ${value}`, name);
  }
  return value;
}

/**
 * Resolves options into a complete configuration: the preset's values, overridden by the
 * options given (0 or undefined keeps the preset's).
 * @throws TrainOptionsError naming the invalid option
 */
export function resolveTrainConfig(options: TrainConfigOptions = {}): TrainConfig {
  const presetName =
    options.preset === undefined || options.preset === '' ? 'default' : options.preset;
  if (!(PRESET_NAMES as readonly string[]).includes(presetName)) {
    throw new TrainOptionsError(
      `unknown preset '${presetName}'; known presets: ${PRESET_NAMES.join(', ')}`,
      'preset',
    );
  }
  const preset = PRESETS[presetName as PresetName];
  const window = positiveInteger(options.windowSize, 'windowSize', 366) ?? preset.window;
  const epochs = positiveInteger(options.epochs, 'epochs', 100_000) ?? preset.epochs;
  const batchSize = positiveInteger(options.batchSize, 'batchSize', 1_000_000) ?? preset.batchSize;
  const units = positiveInteger(options.units, 'units', 1024) ?? preset.units;
  let learningRate = preset.learningRate;
  if (options.learningRate !== undefined && options.learningRate !== 0) {
    if (!Number.isFinite(options.learningRate) || options.learningRate < 0) {
      throw new TrainOptionsError(
        `learningRate must be a positive number; got ${options.learningRate}`,
        'learningRate',
      );
    }
    learningRate = options.learningRate;
  }
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) {
    throw new TrainOptionsError(`seed must be an integer; got ${seed}`, 'seed');
  }
  return {
    preset: presetName as PresetName,
    window,
    epochs,
    batchSize,
    learningRate,
    units,
    dropout: preset.dropout,
    recurrentActivation: preset.recurrentActivation,
    seed,
    batching: preset.batching,
    shuffle: preset.shuffle,
    earlyStopping: preset.earlyStopping,
    validationFraction: preset.validationFraction,
    adam: preset.adam,
    trainFraction: preset.trainFraction,
    testWarmupDays: preset.testWarmupDays(window),
    features: preset.features(window),
  };
}
