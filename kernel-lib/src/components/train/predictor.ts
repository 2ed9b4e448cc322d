/**
 * Serving a trained model: {@link loadTrainedModel} reads a Model artifact directory and returns
 * a {@link Predictor} that turns raw daily counts into forecasts — the preprocessing (scaling,
 * level, calendar features) and its inverse are applied inside, so callers pass and get counts.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, type BackendOptions } from './backend';
import { addDays, dayNumber } from './calendar';
import type { ModelCard } from './card';
import { parseDay, type DailyPoint } from './csv';
import { ModelLoadError, PredictInputError } from './errors';
import { encodeExample, PREPROCESSING_FORMAT, type Preprocessing } from './features';
import { architectureOf, runModel, type ModelArchitecture } from './model';
import { fileLoadHandler, MODEL_FILES, readJson } from './save';

/**
 * One prediction request: the counts of the days before the predicted day, oldest first (at
 * least `historyDays` of them; extra older days are ignored), and — for models with calendar
 * features — the predicted day (`YYYY-MM-DD`).
 */
export type PredictInput =
  readonly number[] | { readonly counts: readonly number[]; readonly day?: string };

/** A loaded model that forecasts counts. */
export interface Predictor {
  readonly card: ModelCard | undefined;
  readonly preprocessing: Preprocessing;
  readonly model: tfl.LayersModel;
  /** Days of history one prediction needs. */
  readonly historyDays: number;
  /** Whether predictions need the predicted day's date (calendar features). */
  readonly needsDates: boolean;
  /**
   * The count following each window.
   * @throws PredictInputError when a window is too short or a needed date is missing
   */
  predict(windows: readonly PredictInput[]): number[];
  /**
   * Forecasts the `days` days after `history` (oldest first), feeding each forecast back as
   * history for the next. Daily points carry their dates; plain counts need `lastDay` (the date of
   * the last count) for models with calendar features.
   */
  forecast(
    history: readonly DailyPoint[] | readonly number[],
    days: number,
    options?: { readonly lastDay?: string },
  ): number[];
  /** Frees the model's tensors. */
  dispose(): void;
}

/**
 * Forecasts the `days` days after `history` (oldest first) with any `predict` of one window at a
 * time, feeding each forecast back as history for the next — the loop behind
 * {@link Predictor.forecast}, shared by the TensorFlow.js predictor and the serving fast path.
 * Daily points carry their dates; plain counts need `options.lastDay` (the date of the last
 * count) when `needsDates`.
 * @throws PredictInputError when `days` is not a non-negative integer or a needed date is missing
 */
export function forecastWith(
  predict: (windows: readonly PredictInput[]) => ArrayLike<number>,
  needsDates: boolean,
  history: readonly DailyPoint[] | readonly number[],
  days: number,
  options: { readonly lastDay?: string } = {},
): number[] {
  if (!Number.isInteger(days) || days < 0) {
    throw new PredictInputError(`days must be a non-negative integer; got ${days}`);
  }
  const points = history.length > 0 && typeof history[0] === 'object';
  const counts = points
    ? (history as readonly DailyPoint[]).map((p) => p.count)
    : [...(history as readonly number[])];
  let lastDay = points
    ? parseDay(String((history[history.length - 1] as DailyPoint).day))
    : options.lastDay === undefined
      ? undefined
      : parseDay(options.lastDay);
  if (needsDates && lastDay === undefined) {
    throw new PredictInputError(
      'the model uses calendar features: pass daily points, or counts with options.lastDay',
    );
  }
  const out: number[] = [];
  for (let i = 0; i < days; i++) {
    const day = lastDay === undefined ? undefined : addDays(lastDay, 1);
    const next = predict([day === undefined ? counts : { counts, day }])[0] as number;
    out.push(next);
    counts.push(next);
    lastDay = day;
  }
  return out;
}

function checkArchitecture(pre: Preprocessing, arch: ModelArchitecture, file: string): void {
  if (
    arch.timesteps !== pre.timesteps ||
    arch.features !== pre.features ||
    arch.contextSize !== pre.contextSize
  ) {
    throw new ModelLoadError(
      `the model's inputs (${arch.timesteps}×${arch.features}, context ${arch.contextSize}) do ` +
        `not match its preprocessing (${pre.timesteps}×${pre.features}, context ${pre.contextSize})`,
      file,
    );
  }
}

/** A predictor over an in-memory LayersModel (what `train` returns). */
export function createPredictor(
  model: tfl.LayersModel,
  pre: Preprocessing,
  card: ModelCard | undefined,
): Predictor {
  const arch = architectureOf(model);
  checkArchitecture(pre, arch, MODEL_FILES.model);
  const needsDates = pre.contextFeatures.length > 0 || pre.stepFeatures.some((f) => f !== 'value');
  const stride = pre.timesteps * pre.features;

  const predict = (windows: readonly PredictInput[]): number[] => {
    const sequence = new Float32Array(windows.length * stride);
    const context = new Float32Array(windows.length * pre.contextSize);
    const denorm = windows.map((input, k) => {
      const counts = Array.isArray(input) ? input : (input as { counts: number[] }).counts;
      const day = Array.isArray(input) ? undefined : (input as { day?: string }).day;
      if (counts.length < pre.historyDays) {
        throw new PredictInputError(
          `window ${k}: ${counts.length} counts given, the model needs the previous ${pre.historyDays} days`,
        );
      }
      for (const c of counts) {
        if (typeof c !== 'number' || !Number.isFinite(c)) {
          throw new PredictInputError(`window ${k}: counts must be finite numbers`);
        }
      }
      let targetDay = 0;
      if (needsDates) {
        const parsed = day === undefined ? undefined : parseDay(day);
        if (parsed === undefined) {
          throw new PredictInputError(
            `window ${k}: the model uses calendar features; give { counts, day } with the predicted day as YYYY-MM-DD`,
          );
        }
        targetDay = dayNumber(parsed) as number;
      }
      const recent = counts.slice(counts.length - pre.historyDays);
      return encodeExample(
        pre,
        recent,
        targetDay - pre.historyDays,
        pre.historyDays,
        sequence,
        k * stride,
        context,
        k * pre.contextSize,
      );
    });
    const outputs = runModel(model, arch, sequence, context, windows.length);
    return denorm.map((d, k) => d.offset + d.factor * (outputs[k] as number));
  };

  const forecast: Predictor['forecast'] = (history, days, options = {}) =>
    forecastWith(predict, needsDates, history, days, options);

  return {
    card,
    preprocessing: pre,
    model,
    historyDays: pre.historyDays,
    needsDates,
    predict,
    forecast,
    dispose: () => model.dispose(),
  };
}

/**
 * Loads a Model artifact directory written by the train step.
 * @param options the backend to initialise when none is active yet
 * @throws ModelLoadError naming the file that is missing or invalid
 */
export async function loadTrainedModel(
  dir: string,
  options: BackendOptions = {},
): Promise<Predictor> {
  if (!tf.getBackend()) await initBackend(options);
  const preFile = path.join(dir, MODEL_FILES.preprocessing);
  const pre = await readJson<Preprocessing>(preFile);
  if (pre?.format !== PREPROCESSING_FORMAT) {
    throw new ModelLoadError(
      `${preFile} is not Pipelab preprocessing (${PREPROCESSING_FORMAT})`,
      preFile,
    );
  }
  const card = await readJson<ModelCard>(path.join(dir, MODEL_FILES.card)).catch(() => undefined);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(fileLoadHandler(dir));
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    const file = path.join(dir, MODEL_FILES.model);
    throw new ModelLoadError(`cannot load ${file}: ${(error as Error).message}`, file, {
      cause: error,
    });
  }
  try {
    return createPredictor(model, pre, card);
  } catch (error) {
    model.dispose();
    throw error;
  }
}
