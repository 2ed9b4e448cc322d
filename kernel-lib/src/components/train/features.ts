/**
 * What the model sees for one target day: the preprocessing parameters saved with the model, and
 * the encoder turning the previous days (and the target's date) into inputs.
 *
 * Two layouts:
 * - `flat` (the 2019 sample): the previous `window` counts, globally scaled, as one timestep of
 *   `window` features — Keras input shape (1, window).
 * - `sequence` (the default preset): `window` timesteps of per-day features (the count divided by
 *   the trailing mean level, then standardised and clipped; first-of-month and holiday flags),
 *   plus calendar features of the target day fed to the output layer beside the LSTM's state.
 */
import { dayParts, HOLIDAYS, holidayOn, type Holiday } from './calendar';
import { fitScaler, type ScalerKind, type ScalerParams } from './scalers';

/** Per-timestep features of the sequence layout. */
export const STEP_FEATURES = ['value', 'first_of_month', 'holiday'] as const;
export type StepFeature = (typeof STEP_FEATURES)[number];

/** Calendar features of the target day (context input). */
export const CONTEXT_FEATURES = ['weekday', 'first_of_month', 'holiday', 'day_of_year'] as const;
export type ContextFeature = (typeof CONTEXT_FEATURES)[number];

/** How counts are normalised. */
export type Normalization =
  | {
      /** A global scaler fitted on the training part (the sample). */
      readonly kind: 'scaler';
      readonly scaler: ScalerParams;
    }
  | {
      /**
       * Level normalisation: each example's counts divided by the mean of the `days` days before
       * its target, minus 1, divided by `scale` (the standard deviation of that ratio on the
       * training targets), clipped to ±`clip` on the inputs.
       */
      readonly kind: 'level';
      readonly days: number;
      readonly scale: number;
      readonly clip: number;
    };

/** The preprocessing saved with a model (`preprocessing.json`). */
export interface Preprocessing {
  readonly format: typeof PREPROCESSING_FORMAT;
  readonly layout: 'flat' | 'sequence';
  /** Days of history in the model's window. */
  readonly window: number;
  /** Days of history one prediction needs (the window, or the level's days when longer). */
  readonly historyDays: number;
  readonly normalization: Normalization;
  readonly stepFeatures: readonly StepFeature[];
  readonly contextFeatures: readonly ContextFeature[];
  /** The holidays of the `holiday` context feature, in one-hot order. */
  readonly holidays: readonly Holiday[];
  /** The model's input shapes: [timesteps, features] and the context width (0: none). */
  readonly timesteps: number;
  readonly features: number;
  readonly contextSize: number;
}

export const PREPROCESSING_FORMAT = 'pipelab.train.preprocessing/v1';

/** How to build the preprocessing (a preset's data settings). */
export type FeatureConfig =
  | { readonly layout: 'flat'; readonly window: number; readonly scaler: ScalerKind }
  | {
      readonly layout: 'sequence';
      readonly window: number;
      readonly levelDays: number;
      readonly clip: number;
      readonly stepFeatures: readonly StepFeature[];
      readonly contextFeatures: readonly ContextFeature[];
    };

function contextWidth(feature: ContextFeature): number {
  switch (feature) {
    case 'weekday':
      return 7;
    case 'holiday':
      return HOLIDAYS.length;
    case 'day_of_year':
      return 2;
    case 'first_of_month':
      return 1;
  }
}

/** The level of target index `t`: mean of the `days` counts before it (at least 1). */
export function levelBefore(counts: ArrayLike<number>, t: number, days: number): number {
  let sum = 0;
  for (let i = t - days; i < t; i++) sum += counts[i] as number;
  return Math.max(1, sum / days);
}

/**
 * Fits the preprocessing on the training part: counts[0 .. trainEnd) (and the targets in it
 * from `firstTarget` on, for the level's scale).
 */
export function fitPreprocessing(
  config: FeatureConfig,
  counts: readonly number[],
  trainEnd: number,
): Preprocessing {
  if (config.layout === 'flat') {
    return {
      format: PREPROCESSING_FORMAT,
      layout: 'flat',
      window: config.window,
      historyDays: config.window,
      normalization: {
        kind: 'scaler',
        scaler: fitScaler(config.scaler, counts.slice(0, trainEnd)),
      },
      stepFeatures: ['value'],
      contextFeatures: [],
      holidays: [],
      timesteps: 1,
      features: config.window,
      contextSize: 0,
    };
  }
  const historyDays = Math.max(config.window, config.levelDays);
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (let t = historyDays; t < trainEnd; t++) {
    const ratio = (counts[t] as number) / levelBefore(counts, t, config.levelDays) - 1;
    sum += ratio;
    squares += ratio * ratio;
    n++;
  }
  const variance = n > 0 ? squares / n - (sum / n) ** 2 : 0;
  const ratioScale = variance > 0 ? Math.sqrt(variance) : 1;
  return {
    format: PREPROCESSING_FORMAT,
    layout: 'sequence',
    window: config.window,
    historyDays,
    normalization: { kind: 'level', days: config.levelDays, scale: ratioScale, clip: config.clip },
    stepFeatures: [...config.stepFeatures],
    contextFeatures: [...config.contextFeatures],
    holidays: [...HOLIDAYS],
    timesteps: config.window,
    features: config.stepFeatures.length,
    contextSize: config.contextFeatures.reduce((w, f) => w + contextWidth(f), 0),
  };
}

/** How a model output maps back to a count: `count = offset + factor * output`. */
export interface Denormalizer {
  offset: number;
  factor: number;
}

/**
 * Encodes the example whose target is index `t` of `counts` (day number `firstDay + t`): writes
 * its `timesteps × features` inputs at `sequence[seqAt]` and its context at `context[ctxAt]`,
 * and returns how to map the output back to a count. Needs `historyDays` counts before `t`; the
 * count at `t` itself is not read.
 */
export function encodeExample(
  pre: Preprocessing,
  counts: ArrayLike<number>,
  firstDay: number,
  t: number,
  sequence: Float32Array,
  seqAt: number,
  context: Float32Array,
  ctxAt: number,
): Denormalizer {
  const norm = pre.normalization;
  if (norm.kind === 'scaler') {
    const { center, scale } = norm.scaler;
    for (let k = 0; k < pre.window; k++) {
      sequence[seqAt + k] = ((counts[t - pre.window + k] as number) - center) / scale;
    }
    return { offset: center, factor: scale };
  }
  const level = levelBefore(counts, t, norm.days);
  const f = pre.features;
  for (let k = 0; k < pre.window; k++) {
    const i = t - pre.window + k;
    const parts = dayParts(firstDay + i);
    const at = seqAt + k * f;
    pre.stepFeatures.forEach((feature, j) => {
      let value: number;
      if (feature === 'value') {
        const v = ((counts[i] as number) / level - 1) / norm.scale;
        value = Math.max(-norm.clip, Math.min(norm.clip, v));
      } else if (feature === 'first_of_month') {
        value = parts.date === 1 ? 1 : 0;
      } else {
        value = holidayOn(firstDay + i) === undefined ? 0 : 1;
      }
      sequence[at + j] = value;
    });
  }
  const parts = dayParts(firstDay + t);
  let c = ctxAt;
  for (const feature of pre.contextFeatures) {
    const width = contextWidth(feature);
    context.fill(0, c, c + width);
    if (feature === 'weekday') {
      context[c + parts.weekday] = 1;
    } else if (feature === 'first_of_month') {
      context[c] = parts.date === 1 ? 1 : 0;
    } else if (feature === 'holiday') {
      const holiday = holidayOn(firstDay + t);
      const index = holiday === undefined ? -1 : pre.holidays.indexOf(holiday);
      if (index >= 0) context[c + index] = 1;
    } else {
      const angle = (2 * Math.PI * parts.dayOfYear) / 365.25;
      context[c] = Math.sin(angle);
      context[c + 1] = Math.cos(angle);
    }
    c += width;
  }
  return { offset: level, factor: level * norm.scale };
}

/** The normalised value of a count for a denormaliser (the training target). */
export function normalizeTarget(count: number, d: Denormalizer): number {
  return (count - d.offset) / d.factor;
}
