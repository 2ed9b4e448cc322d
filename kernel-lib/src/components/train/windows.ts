/**
 * Cutting a series into examples: which target days train, validate and test, and the encoded
 * inputs of a set of target days as flat typed arrays (the trainer's and the predictor's input).
 */
import { encodeExample, normalizeTarget, type Preprocessing } from './features';

/** Encoded examples, sample-major. */
export interface Examples {
  readonly size: number;
  /** size × timesteps × features. */
  readonly sequence: Float32Array;
  /** size × contextSize (empty when the model has no context input). */
  readonly context: Float32Array;
  /** Normalised targets (NaN where the target count is unknown). */
  readonly target: Float32Array;
  /** Per example: count = offset + factor × output. */
  readonly offset: Float64Array;
  readonly factor: Float64Array;
  /** Index of each example's target day in the series. */
  readonly index: Int32Array;
}

/**
 * Encodes the examples whose targets are the given indices of `counts` (day number of index i:
 * `firstDay + i`). Targets past the end of `counts` are allowed (their target is NaN); each needs
 * `pre.historyDays` counts before it.
 */
export function buildExamples(
  pre: Preprocessing,
  counts: ArrayLike<number>,
  firstDay: number,
  targets: readonly number[],
): Examples {
  const size = targets.length;
  const stride = pre.timesteps * pre.features;
  const sequence = new Float32Array(size * stride);
  const context = new Float32Array(size * pre.contextSize);
  const target = new Float32Array(size);
  const offset = new Float64Array(size);
  const factor = new Float64Array(size);
  const index = new Int32Array(size);
  targets.forEach((t, k) => {
    if (t < pre.historyDays) {
      throw new RangeError(`target ${t} has fewer than ${pre.historyDays} days of history`);
    }
    const d = encodeExample(
      pre,
      counts,
      firstDay,
      t,
      sequence,
      k * stride,
      context,
      k * pre.contextSize,
    );
    offset[k] = d.offset;
    factor[k] = d.factor;
    index[k] = t;
    target[k] = t < counts.length ? normalizeTarget(counts[t] as number, d) : NaN;
  });
  return { size, sequence, context, target, offset, factor, index };
}

/** Which target days are used for what. */
export interface Split {
  /** First index of the test part: the training part is [0, trainEnd). */
  readonly trainEnd: number;
  /** Targets the weights are fitted on. */
  readonly fit: readonly number[];
  /** Targets of the validation tail of the training part (empty when none). */
  readonly validation: readonly number[];
  /** Targets scored as the test set. */
  readonly test: readonly number[];
}

export interface SplitOptions {
  /** Share of the days in the training part (the sample: 0.8, `int(0.8 * n)` days). */
  readonly trainFraction: number;
  /** Days of history an example needs. */
  readonly historyDays: number;
  /** Test targets start this many days into the test part. */
  readonly testWarmupDays: number;
  /** Share of the training targets, at its end, held out to validate (0: none). */
  readonly validationFraction: number;
}

/** Splits the target days of a series of `n` days. */
export function splitTargets(n: number, options: SplitOptions): Split {
  const trainEnd = Math.floor(options.trainFraction * n);
  const train: number[] = [];
  for (let t = options.historyDays; t < trainEnd; t++) train.push(t);
  const test: number[] = [];
  for (let t = Math.max(trainEnd + options.testWarmupDays, options.historyDays); t < n; t++) {
    test.push(t);
  }
  const held = Math.floor(options.validationFraction * train.length);
  return {
    trainEnd,
    fit: train.slice(0, train.length - held),
    validation: train.slice(train.length - held),
    test,
  };
}
