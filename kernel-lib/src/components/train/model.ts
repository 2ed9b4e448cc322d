/**
 * The saved and served model as a tfjs-layers LayersModel: the same network the trainer fits.
 *
 * - No context (the sample): `sequential([LSTM(units, dropout), Dense(1)])`, input
 *   (timesteps, features) — Keras' model from 2019.
 * - With context (the default preset): inputs `window` (timesteps, features) and `calendar`
 *   (contextSize); LSTM → concatenate with `calendar` → Dense(1).
 *
 * Weights come from the trainer, so the initialisers recorded in model.json are placeholders
 * (`zeros`: tfjs-layers' orthogonal initialiser needs chained tensor methods this package does
 * not register).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LstmShape, LstmWeights, RecurrentActivation } from './lstm';

/** Names of the model's layers and inputs. */
export const LAYER_NAMES = {
  window: 'window',
  calendar: 'calendar',
  lstm: 'lstm',
  concat: 'state_and_calendar',
  dense: 'forecast',
} as const;

/** Architecture of a model (what model.json records, plus dropout). */
export interface ModelArchitecture extends LstmShape {
  readonly dropout: number;
  readonly recurrentActivation: RecurrentActivation;
}

/** Builds the untrained LayersModel. */
export function buildLayersModel(arch: ModelArchitecture): tfl.LayersModel {
  const lstmConfig = {
    name: LAYER_NAMES.lstm,
    units: arch.units,
    dropout: arch.dropout,
    recurrentActivation: arch.recurrentActivation === 'hard_sigmoid' ? 'hardSigmoid' : 'sigmoid',
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
  } as const;
  if (arch.contextSize === 0) {
    return tfl.sequential({
      name: 'chicago_crime_lstm',
      layers: [
        tfl.layers.lstm({ ...lstmConfig, inputShape: [arch.timesteps, arch.features] }),
        tfl.layers.dense({ name: LAYER_NAMES.dense, units: 1, kernelInitializer: 'zeros' }),
      ],
    });
  }
  const window = tfl.input({ name: LAYER_NAMES.window, shape: [arch.timesteps, arch.features] });
  const calendar = tfl.input({ name: LAYER_NAMES.calendar, shape: [arch.contextSize] });
  const state = tfl.layers.lstm(lstmConfig).apply(window) as tfl.SymbolicTensor;
  const joined = tfl.layers
    .concatenate({ name: LAYER_NAMES.concat })
    .apply([state, calendar]) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({ name: LAYER_NAMES.dense, units: 1, kernelInitializer: 'zeros' })
    .apply(joined) as tfl.SymbolicTensor;
  return tfl.model({ name: 'chicago_crime_lstm', inputs: [window, calendar], outputs: output });
}

/** Sets the trainer's weights (Keras layout) on a model built by {@link buildLayersModel}. */
export function setModelWeights(
  model: tfl.LayersModel,
  arch: ModelArchitecture,
  weights: LstmWeights,
): void {
  const { features: f, units: u, contextSize: c } = arch;
  tf.tidy(() => {
    model
      .getLayer(LAYER_NAMES.lstm)
      .setWeights([
        tf.tensor2d(weights.kernel, [f, 4 * u]),
        tf.tensor2d(weights.recurrentKernel, [u, 4 * u]),
        tf.tensor1d(weights.bias),
      ]);
    model
      .getLayer(LAYER_NAMES.dense)
      .setWeights([tf.tensor2d(weights.denseKernel, [u + c, 1]), tf.tensor1d(weights.denseBias)]);
  });
}

/** The model's architecture read back from a loaded LayersModel. */
export function architectureOf(model: tfl.LayersModel): ModelArchitecture {
  const windowShape = model.inputs[0]?.shape ?? [];
  const calendarShape = model.inputs[1]?.shape;
  const lstm = model.getLayer(LAYER_NAMES.lstm).getConfig() as {
    units?: number;
    dropout?: number;
    recurrentActivation?: string;
  };
  return {
    timesteps: Number(windowShape[1]),
    features: Number(windowShape[2]),
    units: Number(lstm.units),
    contextSize: calendarShape ? Number(calendarShape[1]) : 0,
    dropout: Number(lstm.dropout ?? 0),
    recurrentActivation: /hard/i.test(String(lstm.recurrentActivation))
      ? 'hard_sigmoid'
      : 'sigmoid',
  };
}

/**
 * Runs the model on encoded inputs (sample-major) and returns one normalised output per example.
 */
export function runModel(
  model: tfl.LayersModel,
  arch: ModelArchitecture,
  sequence: Float32Array,
  context: Float32Array,
  size: number,
): Float32Array {
  if (size === 0) return new Float32Array(0);
  return tf.tidy(() => {
    const window = tf.tensor3d(sequence, [size, arch.timesteps, arch.features]);
    const inputs =
      arch.contextSize === 0 ? window : [window, tf.tensor2d(context, [size, arch.contextSize])];
    const output = model.predict(inputs, { batchSize: 4096 }) as tf.Tensor;
    return Float32Array.from(output.dataSync());
  });
}
