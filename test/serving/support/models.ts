/**
 * Real Model artifacts for tests: the train step's LSTM trained for one or two epochs on
 * generated data (a second or less each), saved as the train step saves them.
 */

import { train } from '../../../kernel-lib/src/components/train/train';
import { syntheticSeries } from '../../components/train/synthetic';
import { tempDir } from './temp';

export interface TinyModelOptions {
  /** @default 'sample' */
  readonly preset?: 'sample' | 'default';
  /** @default 1 */
  readonly epochs?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Days of generated data. @default 500 */
  readonly days?: number;
  /** Learning rate (a tiny one leaves the model poor). @default the preset's */
  readonly learningRate?: number;
}

/** Trains and saves a small model; returns its directory. */
export async function trainTinyModel(options: TinyModelOptions = {}): Promise<string> {
  const dir = tempDir('pipelab-model-');
  const result = await train(syntheticSeries({ days: options.days ?? 500 }), {
    preset: options.preset ?? 'sample',
    epochs: options.epochs ?? 1,
    seed: options.seed ?? 1,
    learningRate: options.learningRate,
    backend: 'cpu',
  });
  try {
    await result.save(dir);
  } finally {
    result.dispose();
  }
  return dir;
}
