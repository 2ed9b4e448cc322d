/**
 * A hand-written training step for the model every preset uses — LSTM(units) over `timesteps`
 * steps of `features` inputs, its last state (and an optional context vector) into Dense(1),
 * mean squared error, Adam — in TensorFlow.js core ops.
 *
 * Why not tfjs-layers' `fit`: its dropout masks cannot be seeded, and its per-op overhead made it
 * ~3× slower than PyTorch on this small model. Here the forward pass and backpropagation through
 * time are written out (no gradient tape); the batch's inputs, dropout masks applied, are laid out
 * in JavaScript and uploaded per timestep rather than sliced on the device (uploads are cheap,
 * WASM slices are not); each bias rides along as a constant-1 input column; the gates the first
 * timestep does not need (forget gate, recurrent kernel: the state is zero) are skipped; all
 * parameters live in one flat variable so that Adam is a handful of ops; and the loss is read back
 * once per epoch.
 *
 * The mathematics are Keras' (TF 1, `implementation=1`): gates i, f, c, o with a configurable
 * gate activation (TF 1's default `hard_sigmoid`, or `sigmoid`); input dropout with one mask per
 * gate, shared by the timesteps of a sample; no recurrent dropout; Adam as TF 1's AdamOptimizer.
 * Weights convert to and from Keras' layout for the tfjs-layers model that is saved and served
 * (see model.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamConstants } from './presets';
import { glorotUniform, orthogonal, type Random } from './random';
import type { Examples } from './windows';

/** Sizes of the network. */
export interface LstmShape {
  readonly timesteps: number;
  readonly features: number;
  readonly units: number;
  /** Width of the context vector beside the LSTM state (0: none). */
  readonly contextSize: number;
}

/** Weights in Keras' layout (row-major), gates in the order i, f, c, o. */
export interface LstmWeights {
  /** features × 4·units */
  readonly kernel: Float32Array;
  /** units × 4·units */
  readonly recurrentKernel: Float32Array;
  /** 4·units */
  readonly bias: Float32Array;
  /** (units + contextSize) × 1 */
  readonly denseKernel: Float32Array;
  /** 1 */
  readonly denseBias: Float32Array;
}

export interface LstmTrainerOptions {
  readonly learningRate: number;
  readonly adam: AdamConstants;
  /** Input dropout rate (0 ≤ rate < 1). */
  readonly dropout: number;
  /**
   * Activation of the i, f, o gates: Keras 2 / TF 1's `hard_sigmoid` (clip(0.2·x + 0.5, 0, 1)) or
   * the logistic `sigmoid`.
   */
  readonly recurrentActivation: RecurrentActivation;
}

export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid';

/**
 * Keras' initial weights: glorot_uniform kernels, orthogonal recurrent kernel, zero biases with
 * the forget gate's at 1 (`unit_forget_bias`).
 */
export function initialWeights(shape: LstmShape, rng: Random): LstmWeights {
  const { features, units, contextSize } = shape;
  const bias = new Float32Array(4 * units);
  bias.fill(1, units, 2 * units);
  return {
    kernel: glorotUniform(rng, features, 4 * units),
    recurrentKernel: orthogonal(rng, units, 4 * units),
    bias,
    denseKernel: glorotUniform(rng, units + contextSize, 1),
    denseBias: new Float32Array(1),
  };
}

const GATES = 4;
/** Tensor size from which tanh is computed through sigmoid on the WASM backend. */
const WASM_TANH_VIA_SIGMOID = 2048;
const [GATE_I, GATE_F, GATE_C, GATE_O] = [0, 1, 2, 3] as const;

/** Offsets of the parameter blocks in the flat parameter vector. */
interface Layout {
  /** Per gate: (features + 1) × units, the last row the gate's bias. */
  readonly kernel: readonly number[];
  /** Per gate: units × units. */
  readonly recurrent: readonly number[];
  /** units × 1 */
  readonly denseState: number;
  /** (contextSize + 1) × 1, the last row the output bias. */
  readonly denseContext: number;
  readonly size: number;
}

function layoutOf({ features, units, contextSize }: LstmShape): Layout {
  let at = 0;
  const kernel: number[] = [];
  const recurrent: number[] = [];
  for (let g = 0; g < GATES; g++, at += (features + 1) * units) kernel.push(at);
  for (let g = 0; g < GATES; g++, at += units * units) recurrent.push(at);
  const denseState = at;
  at += units;
  const denseContext = at;
  at += contextSize + 1;
  return { kernel, recurrent, denseState, denseContext, size: at };
}

/** Keras weights → the flat parameter vector. */
function flatten(shape: LstmShape, layout: Layout, w: LstmWeights): Float32Array {
  const { features: f, units: u, contextSize: c } = shape;
  const flat = new Float32Array(layout.size);
  for (let g = 0; g < GATES; g++) {
    const k = layout.kernel[g] as number;
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < u; j++) flat[k + i * u + j] = w.kernel[i * 4 * u + g * u + j] as number;
    }
    for (let j = 0; j < u; j++) flat[k + f * u + j] = w.bias[g * u + j] as number;
    const r = layout.recurrent[g] as number;
    for (let i = 0; i < u; i++) {
      for (let j = 0; j < u; j++) {
        flat[r + i * u + j] = w.recurrentKernel[i * 4 * u + g * u + j] as number;
      }
    }
  }
  flat.set(w.denseKernel.subarray(0, u), layout.denseState);
  flat.set(w.denseKernel.subarray(u, u + c), layout.denseContext);
  flat[layout.denseContext + c] = w.denseBias[0] as number;
  return flat;
}

/** The flat parameter vector → Keras weights. */
function unflatten(shape: LstmShape, layout: Layout, flat: Float32Array): LstmWeights {
  const { features: f, units: u, contextSize: c } = shape;
  const kernel = new Float32Array(f * 4 * u);
  const recurrentKernel = new Float32Array(u * 4 * u);
  const bias = new Float32Array(4 * u);
  for (let g = 0; g < GATES; g++) {
    const k = layout.kernel[g] as number;
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < u; j++) kernel[i * 4 * u + g * u + j] = flat[k + i * u + j] as number;
    }
    for (let j = 0; j < u; j++) bias[g * u + j] = flat[k + f * u + j] as number;
    const r = layout.recurrent[g] as number;
    for (let i = 0; i < u; i++) {
      for (let j = 0; j < u; j++) {
        recurrentKernel[i * 4 * u + g * u + j] = flat[r + i * u + j] as number;
      }
    }
  }
  const denseKernel = new Float32Array(u + c);
  denseKernel.set(flat.subarray(layout.denseState, layout.denseState + u), 0);
  denseKernel.set(flat.subarray(layout.denseContext, layout.denseContext + c), u);
  const denseBias = Float32Array.of(flat[layout.denseContext + c] as number);
  return { kernel, recurrentKernel, bias, denseKernel, denseBias };
}

/** Parameter tensors of one step, sliced from the flat vector. */
interface Params {
  readonly kernel: tf.Tensor[];
  readonly recurrent: tf.Tensor[];
  readonly recurrentT: tf.Tensor[];
  readonly denseState: tf.Tensor;
  readonly denseContext: tf.Tensor;
}

/** Activations of one timestep, kept for backpropagation. */
interface StepCache {
  readonly i: tf.Tensor;
  readonly f: tf.Tensor | null;
  readonly g: tf.Tensor;
  readonly o: tf.Tensor;
  readonly cPrev: tf.Tensor | null;
  readonly tanhC: tf.Tensor;
}

/** A batch laid out for the device. */
interface PackedBatch {
  readonly size: number;
  /** [gate][timestep] → size × (features + 1) inputs with a trailing 1 (the same tensor for all
   * gates without dropout). */
  readonly inputs: tf.Tensor[][];
  /** [gate] → (features + 1) × (timesteps · size), the transposed inputs of all timesteps (null
   * where unused). */
  readonly inputsT: (tf.Tensor | null)[];
  /** [gate] → the same for timesteps 1… (null when timesteps = 1). */
  readonly inputsTLater: (tf.Tensor | null)[];
  /** size × (contextSize + 1), a trailing 1. */
  readonly context: tf.Tensor;
  readonly target: tf.Tensor | null;
}

/** Trains the network; owns its tensors until {@link LstmTrainer.dispose}. */
export class LstmTrainer {
  readonly shape: LstmShape;
  private readonly layout: Layout;
  private readonly options: LstmTrainerOptions;
  private readonly theta: tf.Variable;
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly lossSum: tf.Variable;
  private readonly constants: {
    one: tf.Scalar;
    two: tf.Scalar;
    adam: tf.Scalar[];
    hard: tf.Scalar[];
    /** Zero blocks: the forget gate's kernel and the recurrent kernels at one timestep. */
    zeroKernel: tf.Tensor;
    zeroKernelFlat: tf.Tensor;
    zeroRecurrentFlat: tf.Tensor;
    /** 2 / batch size, by batch size. */
    lossScale: Map<number, tf.Scalar>;
  };
  private readonly tanh: (x: tf.Tensor) => tf.Tensor;
  /** The gate activation and its derivative expressed in its output. */
  private readonly gate: (x: tf.Tensor) => tf.Tensor;
  private readonly gateGrad: (y: tf.Tensor) => tf.Tensor;
  private steps = 0;
  private lossCount = 0;

  constructor(shape: LstmShape, weights: LstmWeights, options: LstmTrainerOptions) {
    this.shape = shape;
    this.layout = layoutOf(shape);
    this.options = options;
    // Inside tidy: the initial-value tensors are freed, the variables kept.
    const variable = (init: () => tf.Tensor): tf.Variable =>
      tf.tidy(() => tf.variable(init(), false));
    this.theta = variable(() => tf.tensor1d(flatten(shape, this.layout, weights)));
    this.m = variable(() => tf.zeros([this.layout.size]));
    this.v = variable(() => tf.zeros([this.layout.size]));
    this.lossSum = variable(() => tf.scalar(0));
    const { beta1, beta2, epsilon } = options.adam;
    this.constants = {
      one: tf.scalar(1),
      two: tf.scalar(2),
      adam: [beta1, 1 - beta1, beta2, 1 - beta2, epsilon].map((x) => tf.scalar(x)),
      hard: [0.2, 0.5].map((x) => tf.scalar(x)),
      zeroKernel: tf.zeros([shape.features + 1, shape.units]),
      zeroKernelFlat: tf.zeros([(shape.features + 1) * shape.units]),
      zeroRecurrentFlat: tf.zeros([shape.units * shape.units]),
      lossScale: new Map(),
    };
    // WebAssembly's tanh is a scalar loop, up to 4× slower than 2·sigmoid(2x) − 1 with its SIMD
    // sigmoid on large tensors, faster on small ones (one launch instead of four); on the other
    // backends tf.tanh is the faster (and more accurate) choice.
    const { one, two } = this.constants;
    this.tanh =
      tf.getBackend() === 'wasm'
        ? (x) =>
            x.size >= WASM_TANH_VIA_SIGMOID
              ? tf.sub(tf.mul(tf.sigmoid(tf.mul(x, two)), two), one)
              : tf.tanh(x)
        : (x) => tf.tanh(x);
    const [slope, shift] = this.constants.hard as [tf.Scalar, tf.Scalar];
    if (options.recurrentActivation === 'hard_sigmoid') {
      this.gate = (x) => tf.clipByValue(tf.add(tf.mul(x, slope), shift), 0, 1);
      // 0.2 inside the linear part, 0 where clipped: y·(1−y) > 0 exactly there.
      this.gateGrad = (y) => tf.mul(tf.step(tf.mul(y, tf.sub(one, y))), slope);
    } else {
      this.gate = (x) => tf.sigmoid(x);
      this.gateGrad = (y) => tf.mul(y, tf.sub(one, y));
    }
  }

  /** Number of parameters. */
  get size(): number {
    return this.layout.size;
  }

  /** Current weights in Keras' layout. */
  getWeights(): LstmWeights {
    return unflatten(this.shape, this.layout, this.theta.dataSync() as Float32Array);
  }

  /** A copy of the parameters, for {@link restore}. */
  snapshot(): Float32Array {
    return Float32Array.from(this.theta.dataSync());
  }

  restore(snapshot: Float32Array): void {
    tf.tidy(() => this.theta.assign(tf.tensor1d(snapshot)));
  }

  /**
   * One Adam step on the examples at `rows` (indices into `examples`). Dropout masks are drawn
   * from `rng`: per gate, per sample, per feature.
   */
  step(examples: Examples, rows: ArrayLike<number>, rng: Random): void {
    const batch = this.pack(examples, rows, this.options.dropout, rng, true);
    try {
      tf.tidy(() => this.trainStep(batch));
    } finally {
      disposeBatch(batch);
    }
  }

  /** Mean loss of the steps since the last call (reads the device once). */
  async takeLoss(): Promise<number> {
    const sum = (await this.lossSum.data())[0] as number;
    const mean = this.lossCount === 0 ? NaN : sum / this.lossCount;
    tf.tidy(() => this.lossSum.assign(tf.scalar(0)));
    this.lossCount = 0;
    return mean;
  }

  /** Normalised outputs for all examples (no dropout). */
  predict(examples: Examples, chunk = 4096): Float32Array {
    const out = new Float32Array(examples.size);
    for (let start = 0; start < examples.size; start += chunk) {
      const rows = Array.from(
        { length: Math.min(chunk, examples.size - start) },
        (_, k) => start + k,
      );
      const batch = this.pack(examples, rows, 0, undefined, false);
      try {
        const result = tf.tidy(() => {
          const params = this.params(false);
          const { h } = this.forward(batch, params, undefined);
          return this.output(h, batch, params);
        });
        out.set(result.dataSync(), start);
        result.dispose();
      } finally {
        disposeBatch(batch);
      }
    }
    return out;
  }

  /** Mean squared error (normalised) on examples with known targets. */
  loss(examples: Examples): number {
    const out = this.predict(examples);
    let sum = 0;
    for (let k = 0; k < out.length; k++)
      sum += ((out[k] as number) - (examples.target[k] as number)) ** 2;
    return sum / out.length;
  }

  dispose(): void {
    tf.dispose([this.theta, this.m, this.v, this.lossSum, this.constants.one, this.constants.two]);
    const { adam, hard, zeroKernel, zeroKernelFlat, zeroRecurrentFlat, lossScale } = this.constants;
    tf.dispose([...adam, ...hard, zeroKernel, zeroKernelFlat, zeroRecurrentFlat]);
    tf.dispose([...lossScale.values()]);
  }

  private pack(
    examples: Examples,
    rows: ArrayLike<number>,
    dropout: number,
    rng: Random | undefined,
    training: boolean,
  ): PackedBatch {
    const { timesteps: T, features: F, contextSize: C } = this.shape;
    const B = rows.length;
    const width = F + 1;
    const dropping = dropout > 0 && rng !== undefined;
    const groups = dropping ? GATES : 1;
    const keep = 1 / (1 - dropout);
    const sequence = examples.sequence;
    const stride = T * F;
    const inputs: tf.Tensor[][] = [];
    const inputsT: (tf.Tensor | null)[] = [];
    const inputsTLater: (tf.Tensor | null)[] = [];
    for (let g = 0; g < groups; g++) {
      if (dropping && T === 1 && g === GATE_F) {
        // At one timestep the forget gate multiplies a zero state: its inputs are never used.
        inputs.push([]);
        inputsT.push(null);
        inputsTLater.push(null);
        continue;
      }
      const perStep = Array.from({ length: T }, () => new Float32Array(B * width));
      const transposed = training ? new Float32Array(width * T * B) : undefined;
      if (T === 1) {
        // The common case (the sample's (1, window) inputs), without the timestep loop.
        const x = perStep[0] as Float32Array;
        for (let b = 0; b < B; b++) {
          const src = (rows[b] as number) * F;
          const at = b * width;
          for (let j = 0; j < F; j++) {
            const mask = dropping ? ((rng as Random).next() < dropout ? 0 : keep) : 1;
            const value = (sequence[src + j] as number) * mask;
            x[at + j] = value;
            if (transposed) transposed[j * B + b] = value;
          }
          x[at + F] = 1;
          if (transposed) transposed[F * B + b] = 1;
        }
      }
      for (let b = 0; T > 1 && b < B; b++) {
        const src = (rows[b] as number) * stride;
        for (let j = 0; j < F; j++) {
          // One mask value per gate, sample and feature, shared by the timesteps.
          const mask = dropping ? ((rng as Random).next() < dropout ? 0 : keep) : 1;
          for (let t = 0; t < T; t++) {
            const value = (sequence[src + t * F + j] as number) * mask;
            (perStep[t] as Float32Array)[b * width + j] = value;
            if (transposed) transposed[j * T * B + t * B + b] = value;
          }
        }
        for (let t = 0; t < T; t++) {
          (perStep[t] as Float32Array)[b * width + F] = 1;
          if (transposed) transposed[F * T * B + t * B + b] = 1;
        }
      }
      inputs.push(perStep.map((x) => tf.tensor2d(x, [B, width])));
      if (transposed) {
        inputsT.push(tf.tensor2d(transposed, [width, T * B]));
        if (T > 1) {
          // Columns of timesteps 1… of each row: the inputs the forget gate's gradient needs.
          const later = new Float32Array(width * (T - 1) * B);
          for (let j = 0; j < width; j++) {
            later.set(transposed.subarray(j * T * B + B, (j + 1) * T * B), j * (T - 1) * B);
          }
          inputsTLater.push(tf.tensor2d(later, [width, (T - 1) * B]));
        } else {
          inputsTLater.push(null);
        }
      }
    }
    for (let g = groups; g < GATES; g++) {
      inputs.push(inputs[0] as tf.Tensor[]);
      if (training) {
        inputsT.push(inputsT[0] ?? null);
        inputsTLater.push(inputsTLater[0] ?? null);
      }
    }
    const context = new Float32Array(B * (C + 1));
    const target = training ? new Float32Array(B) : undefined;
    for (let b = 0; b < B; b++) {
      const row = rows[b] as number;
      context.set(examples.context.subarray(row * C, (row + 1) * C), b * (C + 1));
      context[b * (C + 1) + C] = 1;
      if (target) target[b] = examples.target[row] as number;
    }
    return {
      size: B,
      inputs,
      inputsT,
      inputsTLater,
      context: tf.tensor2d(context, [B, C + 1]),
      target: target ? tf.tensor2d(target, [B, 1]) : null,
    };
  }

  private params(withTransposes: boolean): Params {
    const { features: F, units: u, contextSize: C, timesteps: T } = this.shape;
    const L = this.layout;
    if (T === 1) {
      // One timestep from a zero state: the forget gate and the recurrent kernel do not act, so
      // only the blocks in use are cut out of the parameters.
      const slice2d = (at: number, rows: number, cols: number): tf.Tensor =>
        tf.reshape(tf.slice(this.theta, at, rows * cols), [rows, cols]);
      const zero = this.constants.zeroKernel;
      const kernel = L.kernel.map((at, gate) => (gate === GATE_F ? zero : slice2d(at, F + 1, u)));
      return {
        kernel,
        recurrent: [],
        recurrentT: [],
        denseState: slice2d(L.denseState, u, 1),
        denseContext: slice2d(L.denseContext, C + 1, 1),
      };
    }
    // One split instead of ten slices (fewer kernel launches).
    const pieces = tf.split(this.theta, [
      ...L.kernel.map(() => (F + 1) * u),
      ...L.recurrent.map(() => u * u),
      u,
      C + 1,
    ]);
    const kernel = pieces.slice(0, GATES).map((x) => tf.reshape(x, [F + 1, u]));
    const recurrent = pieces.slice(GATES, 2 * GATES).map((x) => tf.reshape(x, [u, u]));
    return {
      kernel,
      recurrent,
      recurrentT: withTransposes ? recurrent.map((r) => tf.transpose(r)) : [],
      denseState: tf.reshape(pieces[2 * GATES] as tf.Tensor, [u, 1]),
      denseContext: tf.reshape(pieces[2 * GATES + 1] as tf.Tensor, [C + 1, 1]),
    };
  }

  private forward(
    batch: PackedBatch,
    p: Params,
    caches: StepCache[] | undefined,
    states?: tf.Tensor[],
  ): { h: tf.Tensor } {
    const T = this.shape.timesteps;
    let h: tf.Tensor | null = null;
    let c: tf.Tensor | null = null;
    for (let t = 0; t < T; t++) {
      const z = (gate: number): tf.Tensor => {
        const x = tf.matMul(
          (batch.inputs[gate] as tf.Tensor[])[t] as tf.Tensor,
          p.kernel[gate] as tf.Tensor,
        );
        return h ? tf.add(x, tf.matMul(h, p.recurrent[gate] as tf.Tensor)) : x;
      };
      const i = this.gate(z(GATE_I));
      const f = c ? this.gate(z(GATE_F)) : null;
      const g = this.tanh(z(GATE_C));
      const o = this.gate(z(GATE_O));
      const ig = tf.mul(i, g);
      const cNext: tf.Tensor = c && f ? tf.add(tf.mul(f, c), ig) : ig;
      const tanhC = this.tanh(cNext);
      caches?.push({ i, f, g, o, cPrev: c, tanhC });
      if (states && h) states.push(h);
      h = tf.mul(o, tanhC);
      c = cNext;
    }
    return { h: h as tf.Tensor };
  }

  private output(h: tf.Tensor, batch: PackedBatch, p: Params): tf.Tensor {
    return tf.add(tf.matMul(h, p.denseState), tf.matMul(batch.context, p.denseContext));
  }

  private trainStep(batch: PackedBatch): void {
    const { timesteps: T, units: u } = this.shape;
    const B = batch.size;
    const { one } = this.constants;
    const p = this.params(T > 1);
    const caches: StepCache[] = [];
    const states: tf.Tensor[] = [];
    const { h } = this.forward(batch, p, caches, states);
    const error = tf.sub(this.output(h, batch, p), batch.target as tf.Tensor);
    this.lossSum.assign(tf.add(this.lossSum, tf.sum(tf.square(error))));
    this.lossCount += B;

    // d(mean squared error)/d(output), read as a row for the dense gradients (same memory).
    let scale = this.constants.lossScale.get(B);
    if (!scale) {
      scale = tf.keep(tf.scalar(2 / B));
      this.constants.lossScale.set(B, scale);
    }
    const dOut = tf.mul(error, scale);
    const dOutRow = tf.reshape(dOut, [1, B]);
    const gradDenseState = tf.matMul(dOutRow, h);
    const gradDenseContext = tf.matMul(dOutRow, batch.context);

    const dz: tf.Tensor[][] = [[], [], [], []];
    // dh = dOut · denseStateᵀ as a broadcast product. (Not a matMul with the reshaped kernel: the
    // WASM backend caches packed right-hand operands by tensor data, and a reshape shares it.)
    let dh = tf.mul(dOut, tf.reshape(p.denseState, [1, u]));
    let dcCarry: tf.Tensor | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const s = caches[t] as StepCache;
      const tanhGrad = (y: tf.Tensor): tf.Tensor => tf.sub(one, tf.square(y));
      const dcHere = tf.mul(tf.mul(dh, s.o), tanhGrad(s.tanhC));
      const dc: tf.Tensor = dcCarry ? tf.add(dcCarry, dcHere) : dcHere;
      (dz[GATE_O] as tf.Tensor[])[t] = tf.mul(tf.mul(dh, s.tanhC), this.gateGrad(s.o));
      (dz[GATE_I] as tf.Tensor[])[t] = tf.mul(tf.mul(dc, s.g), this.gateGrad(s.i));
      (dz[GATE_C] as tf.Tensor[])[t] = tf.mul(tf.mul(dc, s.i), tanhGrad(s.g));
      if (s.f && s.cPrev) {
        (dz[GATE_F] as tf.Tensor[])[t] = tf.mul(tf.mul(dc, s.cPrev), this.gateGrad(s.f));
        dh = tf.addN(
          [GATE_I, GATE_F, GATE_C, GATE_O].map((gate) =>
            tf.matMul((dz[gate] as tf.Tensor[])[t] as tf.Tensor, p.recurrentT[gate] as tf.Tensor),
          ),
        );
        dcCarry = tf.mul(dc, s.f);
      }
    }

    // Gradients of the timesteps from 1 on, where the recurrent kernel and the forget gate act.
    const later = T > 1 ? dz.map((perStep) => tf.concat(perStep.slice(1))) : null;
    const flat = (x: tf.Tensor): tf.Tensor => tf.reshape(x, [-1]);
    const grads: tf.Tensor[] = [];
    for (let gate = 0; gate < GATES; gate++) {
      const all = dz[gate] as tf.Tensor[];
      if (gate !== GATE_F) {
        const stacked = T > 1 ? tf.concat(all) : (all[0] as tf.Tensor);
        grads.push(flat(tf.matMul(batch.inputsT[gate] as tf.Tensor, stacked)));
      } else if (later) {
        grads.push(
          flat(tf.matMul(batch.inputsTLater[gate] as tf.Tensor, later[gate] as tf.Tensor)),
        );
      } else {
        grads.push(this.constants.zeroKernelFlat);
      }
    }
    const statesT = later ? tf.transpose(tf.concat(states)) : null;
    for (let gate = 0; gate < GATES; gate++) {
      grads.push(
        later && statesT
          ? flat(tf.matMul(statesT, later[gate] as tf.Tensor))
          : this.constants.zeroRecurrentFlat,
      );
    }
    grads.push(flat(gradDenseState), flat(gradDenseContext));
    const grad = tf.concat(grads);
    this.adamUpdate(grad);
  }

  /** TF 1's AdamOptimizer: lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε). */
  private adamUpdate(grad: tf.Tensor): void {
    const [beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon] = this.constants.adam as [
      tf.Scalar,
      tf.Scalar,
      tf.Scalar,
      tf.Scalar,
      tf.Scalar,
    ];
    this.steps++;
    const { adam, learningRate } = this.options;
    const rate =
      (learningRate * Math.sqrt(1 - adam.beta2 ** this.steps)) / (1 - adam.beta1 ** this.steps);
    const m = tf.add(tf.mul(this.m, beta1), tf.mul(grad, oneMinusBeta1));
    const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(grad), oneMinusBeta2));
    this.m.assign(m);
    this.v.assign(v);
    this.theta.assign(
      tf.sub(this.theta, tf.div(tf.mul(m, tf.scalar(rate)), tf.add(tf.sqrt(v), epsilon))),
    );
  }
}

function disposeBatch(batch: PackedBatch): void {
  const tensors = new Set<tf.Tensor>();
  for (const perStep of batch.inputs) for (const x of perStep) tensors.add(x);
  for (const x of batch.inputsT) if (x) tensors.add(x);
  for (const x of batch.inputsTLater) if (x) tensors.add(x);
  tensors.add(batch.context);
  if (batch.target) tensors.add(batch.target);
  tf.dispose([...tensors]);
}
