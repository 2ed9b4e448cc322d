/**
 * The hand-written LSTM training step against TensorFlow.js autodiff of the same network, and the
 * saved tfjs-layers model against the trainer's forward pass, on the WASM and CPU backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../kernel-lib/src/components/train/backend';
import {
  initialWeights,
  LstmTrainer,
  type LstmShape,
  type LstmWeights,
  type RecurrentActivation,
} from '../../../kernel-lib/src/components/train/lstm';
import {
  buildLayersModel,
  runModel,
  setModelWeights,
} from '../../../kernel-lib/src/components/train/model';
import { Random } from '../../../kernel-lib/src/components/train/random';
import type { Examples } from '../../../kernel-lib/src/components/train/windows';

function randomExamples(shape: LstmShape, size: number, seed: number): Examples {
  const rng = new Random(seed, 'examples');
  const { timesteps: T, features: F, contextSize: C } = shape;
  return {
    size,
    sequence: Float32Array.from({ length: size * T * F }, () => rng.normal()),
    context: Float32Array.from({ length: size * C }, () => (rng.next() < 0.3 ? 1 : 0)),
    target: Float32Array.from({ length: size }, () => rng.normal()),
    offset: new Float64Array(size),
    factor: new Float64Array(size).fill(1),
    index: new Int32Array(size),
  };
}

/** Loss and gradients (Keras layout) by autodiff of a straightforward implementation. */
function autodiff(
  shape: LstmShape,
  w: LstmWeights,
  ex: Examples,
  rows: number[],
  activation: RecurrentActivation,
): { loss: number; grads: Float32Array[] } {
  const { timesteps: T, features: F, units: u, contextSize: C } = shape;
  const B = rows.length;
  const seq = new Float32Array(B * T * F);
  const ctx = new Float32Array(B * C);
  const y = new Float32Array(B);
  rows.forEach((r, b) => {
    seq.set(ex.sequence.subarray(r * T * F, (r + 1) * T * F), b * T * F);
    ctx.set(ex.context.subarray(r * C, (r + 1) * C), b * C);
    y[b] = ex.target[r]!;
  });
  const gate = (x: tf.Tensor) =>
    activation === 'sigmoid' ? tf.sigmoid(x) : tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
  const loss = (k: tf.Tensor, r: tf.Tensor, b: tf.Tensor, dk: tf.Tensor, db: tf.Tensor) => {
    const x = tf.tensor3d(seq, [B, T, F]);
    let h: tf.Tensor = tf.zeros([B, u]);
    let c: tf.Tensor = tf.zeros([B, u]);
    for (let t = 0; t < T; t++) {
      const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, F]), [B, F]);
      const z = tf.add(tf.add(tf.matMul(xt, k), tf.matMul(h, r)), b);
      const [zi, zf, zc, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      c = tf.add(tf.mul(gate(zf), c), tf.mul(gate(zi), tf.tanh(zc)));
      h = tf.mul(gate(zo), tf.tanh(c));
    }
    const joined = C > 0 ? tf.concat([h, tf.tensor2d(ctx, [B, C])], 1) : h;
    const out = tf.add(tf.matMul(joined, dk), db);
    return tf.mean(tf.square(tf.sub(out, tf.tensor2d(y, [B, 1])))) as tf.Scalar;
  };
  return tf.tidy(() => {
    const params = [
      tf.tensor2d(w.kernel, [F, 4 * u]),
      tf.tensor2d(w.recurrentKernel, [u, 4 * u]),
      tf.tensor1d(w.bias),
      tf.tensor2d(w.denseKernel, [u + C, 1]),
      tf.tensor1d(w.denseBias),
    ] as const;
    const grads = tf.grads((k, r, b, dk, db) => loss(k!, r!, b!, dk!, db!))([...params]);
    return {
      loss: loss(...params).dataSync()[0]!,
      grads: grads.map((g) => Float32Array.from(g.dataSync())),
    };
  });
}

const NAMES = ['kernel', 'recurrentKernel', 'bias', 'denseKernel', 'denseBias'] as const;

/** Gradients recovered from one Adam step with β₁ = β₂ = 0 and lr = ε = 1e4 (update ≈ −g). */
async function trainerGradients(
  shape: LstmShape,
  w: LstmWeights,
  ex: Examples,
  rows: number[],
  activation: RecurrentActivation,
): Promise<{ loss: number; grads: Float32Array[] }> {
  const trainer = new LstmTrainer(shape, w, {
    learningRate: 1e4,
    adam: { beta1: 0, beta2: 0, epsilon: 1e4 },
    dropout: 0,
    recurrentActivation: activation,
  });
  trainer.step(ex, rows, new Random(0));
  const after = trainer.getWeights();
  const loss = await trainer.takeLoss();
  trainer.dispose();
  return {
    loss,
    grads: NAMES.map((name) => {
      const g = new Float32Array(w[name].length);
      w[name].forEach((before, i) => {
        const update = after[name][i]! - before;
        // update = −g / (1 + |g|/1e4)
        g[i] = -update / (1 - Math.abs(update) / 1e4);
      });
      return g;
    }),
  };
}

const SHAPES: [string, LstmShape][] = [
  ['the sample, (1, 7) windows', { timesteps: 1, features: 7, units: 4, contextSize: 0 }],
  ['sequences with a context', { timesteps: 5, features: 3, units: 6, contextSize: 4 }],
];

describe.each(['wasm', 'cpu'] as const)('LSTM training step on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  describe.each(['sigmoid', 'hard_sigmoid'] as const)('with %s gates', (activation) => {
    it.each(SHAPES)('matches autodiff for %s', async (_, shape) => {
      const rng = new Random(11);
      const w = initialWeights(shape, rng);
      // Random biases and a larger kernel so that hard_sigmoid gates are not all linear.
      w.bias.forEach((_, i) => (w.bias[i] = rng.normal() * 0.5));
      w.kernel.forEach((x, i) => (w.kernel[i] = x * 3));
      const ex = randomExamples(shape, 40, 3);
      const rows = Array.from({ length: 16 }, (_, i) => (i * 7) % 40);
      const want = autodiff(shape, w, ex, rows, activation);
      const got = await trainerGradients(shape, w, ex, rows, activation);
      expect(got.loss).toBeCloseTo(want.loss, 5);
      NAMES.forEach((name, j) => {
        const g = got.grads[j]!;
        const ref = want.grads[j]!;
        const scale = Math.max(1e-3, ...Array.from(ref, Math.abs));
        ref.forEach((x, i) => {
          expect(Math.abs(g[i]! - x), `${name}[${i}]`).toBeLessThan(2e-3 * scale + 1e-6);
        });
      });
    });

    it.each(SHAPES)('saves as a tfjs-layers model that predicts the same for %s', (_, shape) => {
      const rng = new Random(5);
      const w = initialWeights(shape, rng);
      w.bias.forEach((_, i) => (w.bias[i] = rng.normal() * 0.5));
      const ex = randomExamples(shape, 50, 4);
      const trainer = new LstmTrainer(shape, w, {
        learningRate: 0.01,
        adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        dropout: 0,
        recurrentActivation: activation,
      });
      const ours = trainer.predict(ex);
      trainer.dispose();
      const arch = { ...shape, dropout: 0.2, recurrentActivation: activation };
      const model = buildLayersModel(arch);
      setModelWeights(model, arch, w);
      const theirs = runModel(model, arch, ex.sequence, ex.context, ex.size);
      model.dispose();
      ours.forEach((x, i) => expect(theirs[i]).toBeCloseTo(x, 4));
    });
  });

  it('draws reproducible dropout masks from its random stream, and frees its tensors', async () => {
    const shape: LstmShape = { timesteps: 3, features: 2, units: 5, contextSize: 1 };
    const ex = randomExamples(shape, 64, 9);
    const before = tf.memory().numTensors;
    const run = async (dropoutSeed: number) => {
      const trainer = new LstmTrainer(shape, initialWeights(shape, new Random(1)), {
        learningRate: 0.01,
        adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        dropout: 0.3,
        recurrentActivation: 'sigmoid',
      });
      const rng = new Random(dropoutSeed);
      for (let s = 0; s < 5; s++)
        trainer.step(
          ex,
          [...Array(32).keys()].map((k) => (k + s) % 64),
          rng,
        );
      const loss = await trainer.takeLoss();
      const weights = trainer.getWeights();
      trainer.dispose();
      return { loss, kernel: Array.from(weights.kernel) };
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect((await run(2)).kernel).not.toEqual(a.kernel);
    expect(tf.memory().numTensors).toBe(before);
  });
});
