import { describe, expect, it } from 'vitest';
import { TrainOptionsError } from '../../../kernel-lib/src/components/train/errors';
import { resolveTrainConfig } from '../../../kernel-lib/src/components/train/presets';

describe('resolveTrainConfig', () => {
  it('reproduces the 2019 research notebook with preset sample', () => {
    const c = resolveTrainConfig({ preset: 'sample' });
    expect(c).toMatchObject({
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
      trainFraction: 0.8,
      testWarmupDays: 7,
      adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      features: { layout: 'flat', window: 7, scaler: 'robust' },
    });
  });

  it("offers the sample trainer's defaults as sample-trainer", () => {
    expect(resolveTrainConfig({ preset: 'sample-trainer' })).toMatchObject({
      window: 14,
      epochs: 250,
      batchSize: 128,
      learningRate: 0.001,
      testWarmupDays: 14,
      features: { layout: 'flat', window: 14, scaler: 'standard' },
    });
  });

  it('defaults to the default preset and seed 42', () => {
    const c = resolveTrainConfig();
    expect(c.preset).toBe('default');
    expect(c.seed).toBe(42);
    expect(c.features.layout).toBe('sequence');
    expect(c.testWarmupDays).toBe(7);
    expect(c.earlyStopping).toEqual({ patience: 5 });
  });

  it('lets parameters override the preset; 0 or undefined keep its values', () => {
    const c = resolveTrainConfig({
      preset: 'sample',
      windowSize: 10,
      epochs: 0,
      batchSize: 32,
      learningRate: 0,
    });
    expect(c).toMatchObject({ window: 10, epochs: 25, batchSize: 32, learningRate: 0.01 });
    expect(c.features).toMatchObject({ window: 10 });
    expect(c.testWarmupDays).toBe(10);
  });

  it('rejects unknown presets and invalid values, naming the option', () => {
    const fails = (options: Parameters<typeof resolveTrainConfig>[0], parameter: string) => {
      try {
        resolveTrainConfig(options);
      } catch (error) {
        expect(error).toBeInstanceOf(TrainOptionsError);
        expect((error as TrainOptionsError).context.parameter).toBe(parameter);
        return;
      }
      throw new Error('expected an error');
    };
    fails({ preset: 'keras' }, 'preset');
    fails({ windowSize: 2.5 }, 'windowSize');
    fails({ epochs: -1 }, 'epochs');
    fails({ learningRate: -0.1 }, 'learningRate');
    fails({ seed: 1.5 }, 'seed');
  });
});
