/**
 * A serving fast path for the train step's LSTM: the same network evaluated in plain JavaScript
 * from the loaded model's weights, instead of through TensorFlow.js.
 *
 * Why: the model is tiny (4–16 units), so a TensorFlow.js call is almost all fixed cost — some
 * ten kernel dispatches per timestep — about 1–3 ms whatever the batch, which caps an unbatched
 * server near 500 predictions per second and makes every batch wait that long. Written out, one
 * prediction is a few thousand multiply-adds (microseconds).
 *
 * What it computes is what tfjs-layers computes: the train step's own preprocessing
 * (`encodeExample`), Keras' LSTM cell (gates i, f, c, o; `tanh` activation; `sigmoid` or
 * `hard_sigmoid` gates, clip(0.2·x + 0.5, 0, 1)), its last state joined with the calendar
 * context, then Dense(1), then the inverse normalisation. It is only used for the architecture
 * it knows (checked from the layers' configurations), and only after it reproduced the
 * TensorFlow.js model's predictions on probe inputs at load time (to float32 rounding); anything
 * else keeps the TensorFlow.js predictor.
 */
import { dayNumber } from '../components/train/calendar';
import { parseDay } from '../components/train/csv';
import { PredictInputError } from '../components/train/errors';
import { encodeExample } from '../components/train/features';
import { LAYER_NAMES } from '../components/train/model';
import { forecastWith, type Predictor } from '../components/train/predictor';
import type { DailyPoint, ServablePredictor, ServingInput } from './predictor';

/** The result of compiling: the fast predictor, or why the TensorFlow.js one stays. */
export type FastPathResult =
  | { readonly predictor: ServablePredictor; readonly reason?: undefined }
  | { readonly predictor?: undefined; readonly reason: string };

interface LstmConfig {
  units?: number;
  activation?: string;
  recurrentActivation?: string;
  useBias?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
}

interface DenseConfig {
  units?: number;
  activation?: string;
  useBias?: boolean;
}

const KNOWN_LAYERS = new Set(Object.values(LAYER_NAMES));

function weightsOf(layer: { getWeights(): { dataSync(): ArrayLike<number> }[] }): Float64Array[] {
  return layer.getWeights().map((tensor) => Float64Array.from(tensor.dataSync()));
}

/** Checks the architecture and reads the weights; a reason string when unsupported. */
function readNetwork(base: Predictor):
  | {
      units: number;
      hard: boolean;
      kernel: Float64Array;
      recurrent: Float64Array;
      bias: Float64Array;
      denseKernel: Float64Array;
      denseBias: number;
    }
  | string {
  const model = base.model;
  for (const layer of model.layers) {
    if (!KNOWN_LAYERS.has(layer.name as never) && layer.getClassName() !== 'InputLayer') {
      return `unknown layer '${layer.name}' (${layer.getClassName()})`;
    }
  }
  let lstm;
  let dense;
  try {
    lstm = model.getLayer(LAYER_NAMES.lstm);
    dense = model.getLayer(LAYER_NAMES.dense);
  } catch (error) {
    return `the model has no '${LAYER_NAMES.lstm}' and '${LAYER_NAMES.dense}' layers: ${(error as Error).message}`;
  }
  if (lstm.getClassName() !== 'LSTM' || dense.getClassName() !== 'Dense') {
    return `unexpected layer classes ${lstm.getClassName()} / ${dense.getClassName()}`;
  }
  const cfg = lstm.getConfig() as LstmConfig;
  const dcfg = dense.getConfig() as DenseConfig;
  const gate = String(cfg.recurrentActivation);
  if (
    cfg.activation !== 'tanh' ||
    (gate !== 'sigmoid' && gate !== 'hardSigmoid' && gate !== 'hard_sigmoid') ||
    cfg.useBias === false ||
    cfg.returnSequences ||
    cfg.returnState ||
    cfg.goBackwards ||
    cfg.stateful ||
    dcfg.units !== 1 ||
    (dcfg.activation !== 'linear' && dcfg.activation !== undefined) ||
    dcfg.useBias === false
  ) {
    return 'the LSTM or Dense configuration is not the one the fast path implements';
  }
  const units = Number(cfg.units);
  const pre = base.preprocessing;
  const [kernel, recurrent, bias] = weightsOf(lstm);
  const [denseKernel, denseBias] = weightsOf(dense);
  if (
    !kernel ||
    !recurrent ||
    !bias ||
    !denseKernel ||
    !denseBias ||
    kernel.length !== pre.features * 4 * units ||
    recurrent.length !== units * 4 * units ||
    bias.length !== 4 * units ||
    denseKernel.length !== units + pre.contextSize ||
    denseBias.length !== 1
  ) {
    return 'the weights do not have the shapes of the preprocessing';
  }
  return {
    units,
    hard: gate !== 'sigmoid',
    kernel,
    recurrent,
    bias,
    denseKernel,
    denseBias: denseBias[0] as number,
  };
}

/** The day number of an instance's predicted day (checked as the train step's predictor does). */
function targetDayOf(input: ServingInput, k: number): number {
  const day = Array.isArray(input) ? undefined : (input as { day?: string }).day;
  const parsed = day === undefined ? undefined : parseDay(day);
  if (parsed === undefined) {
    throw new PredictInputError(
      `window ${k}: the model uses calendar features; give { counts, day } with the predicted day as YYYY-MM-DD`,
    );
  }
  return dayNumber(parsed) as number;
}

/**
 * Compiles a loaded train-step predictor into the fast path, verified on probe inputs.
 * @param tolerance largest accepted difference from TensorFlow.js, relative to the count
 */
export function compileFastPredictor(base: Predictor, tolerance = 1e-3): FastPathResult {
  const network = readNetwork(base);
  if (typeof network === 'string') return { reason: network };
  const { units, hard, kernel, recurrent, bias, denseKernel, denseBias } = network;
  const pre = base.preprocessing;
  const { timesteps, features, contextSize, historyDays } = pre;
  const needsDates = base.needsDates;
  const gates = 4 * units;
  // The weights transposed gate by gate (row j: what pre-activation j reads), so that the
  // pre-activations are dot products over contiguous memory, computed four rows at a time:
  // four independent sums keep the CPU's adders busy where one sum would wait on itself.
  const kernelT = new Float64Array(gates * features);
  const recurrentT = new Float64Array(gates * units);
  for (let j = 0; j < gates; j++) {
    for (let f = 0; f < features; f++) kernelT[j * features + f] = kernel[f * gates + j] as number;
    for (let u = 0; u < units; u++) recurrentT[j * units + u] = recurrent[u * gates + j] as number;
  }
  // Scratch buffers, reused by every prediction.
  const sequence = new Float32Array(timesteps * features);
  const context = new Float32Array(Math.max(1, contextSize));
  const x = new Float64Array(features);
  const z = new Float64Array(gates);
  const h = new Float64Array(units);
  const c = new Float64Array(units);
  // tanh through one exp: V8's Math.tanh is markedly slower, and float64 keeps this exact
  // enough (the load-time probe compares the result with TensorFlow.js).
  const tanh = (v: number): number => 1 - 2 / (Math.exp(2 * v) + 1);
  const gate = hard
    ? (v: number): number => (v <= -2.5 ? 0 : v >= 2.5 ? 1 : 0.2 * v + 0.5)
    : (v: number): number => 1 / (1 + Math.exp(-v));

  /** The network's output for the encoded example in `sequence` / `context`. */
  const run = (): number => {
    h.fill(0);
    c.fill(0);
    for (let t = 0; t < timesteps; t++) {
      const at = t * features;
      for (let f = 0; f < features; f++) x[f] = sequence[at + f] as number;
      // gates = 4 · units: the rows come in whole blocks of four.
      for (let j = 0; j < gates; j += 4) {
        let a0 = bias[j] as number;
        let a1 = bias[j + 1] as number;
        let a2 = bias[j + 2] as number;
        let a3 = bias[j + 3] as number;
        for (let f = 0, k = j * features; f < features; f++, k++) {
          const xf = x[f] as number;
          a0 += xf * (kernelT[k] as number);
          a1 += xf * (kernelT[k + features] as number);
          a2 += xf * (kernelT[k + 2 * features] as number);
          a3 += xf * (kernelT[k + 3 * features] as number);
        }
        // At the first timestep the state is zero: the recurrent kernel does not act.
        if (t > 0) {
          for (let u = 0, r = j * units; u < units; u++, r++) {
            const hu = h[u] as number;
            a0 += hu * (recurrentT[r] as number);
            a1 += hu * (recurrentT[r + units] as number);
            a2 += hu * (recurrentT[r + 2 * units] as number);
            a3 += hu * (recurrentT[r + 3 * units] as number);
          }
        }
        z[j] = a0;
        z[j + 1] = a1;
        z[j + 2] = a2;
        z[j + 3] = a3;
      }
      for (let u = 0; u < units; u++) {
        const i = gate(z[u] as number);
        const fg = gate(z[units + u] as number);
        const g = tanh(z[2 * units + u] as number);
        const o = gate(z[3 * units + u] as number);
        const cu = fg * (c[u] as number) + i * g;
        c[u] = cu;
        h[u] = o * tanh(cu);
      }
    }
    let out = denseBias;
    for (let u = 0; u < units; u++) out += (h[u] as number) * (denseKernel[u] as number);
    for (let k = 0; k < contextSize; k++) {
      out += (context[k] as number) * (denseKernel[units + k] as number);
    }
    return out;
  };

  const predict = (inputs: readonly ServingInput[]): Float64Array => {
    const outputs = new Float64Array(inputs.length);
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k] as ServingInput;
      const counts = Array.isArray(input)
        ? (input as readonly number[])
        : (input as { counts: readonly number[] }).counts;
      if (!Array.isArray(counts) || counts.length < historyDays) {
        throw new PredictInputError(
          `window ${k}: ${Array.isArray(counts) ? counts.length : 0} counts given, the model needs the previous ${historyDays} days`,
        );
      }
      for (let i = counts.length - historyDays; i < counts.length; i++) {
        const v = counts[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new PredictInputError(`window ${k}: counts must be finite numbers`);
        }
      }
      const n = counts.length;
      const targetDay = needsDates ? targetDayOf(input, k) : 0;
      // Index n (the day after the last count) is the target; its day number is targetDay.
      const d = encodeExample(pre, counts, targetDay - n, n, sequence, 0, context, 0);
      outputs[k] = d.offset + d.factor * run();
    }
    return outputs;
  };

  const fast: ServablePredictor = {
    historyDays,
    needsDates,
    card: base.card,
    engine: 'javascript',
    predict,
    // The same loop as TensorFlow.js's forecast, one fast prediction per day.
    forecast: (history: readonly DailyPoint[], days: number) =>
      forecastWith(predict, needsDates, history, days),
    dispose: () => base.dispose(),
  };

  // Probe: windows around the training data's recent level, on days across the year.
  const level = base.card?.recent.dataset.mean ?? 500;
  const probes: ServingInput[] = [];
  for (let p = 0; p < 8; p++) {
    const counts = Array.from(
      { length: historyDays + p },
      (_, i) => level * (0.7 + 0.6 * (((i * 7 + p * 13) % 17) / 17)),
    );
    const month = String(1 + ((p * 5) % 12)).padStart(2, '0');
    const day = `2021-${month}-${p % 3 === 0 ? '01' : String(10 + p)}`;
    probes.push(needsDates ? { counts, day } : counts);
  }
  const expected = base.predict(probes);
  const actual = predict(probes);
  for (let k = 0; k < probes.length; k++) {
    const want = expected[k] as number;
    const diff = Math.abs((actual[k] as number) - want);
    if (!(diff <= tolerance * Math.max(1, Math.abs(want)))) {
      return {
        reason: `the fast path predicts ${String(actual[k])} where TensorFlow.js predicts ${want}`,
      };
    }
  }
  return { predictor: fast };
}
