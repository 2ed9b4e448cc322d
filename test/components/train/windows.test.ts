import { describe, expect, it } from 'vitest';
import { dayNumber } from '../../../kernel-lib/src/components/train/calendar';
import { fitPreprocessing, levelBefore } from '../../../kernel-lib/src/components/train/features';
import { resolveTrainConfig } from '../../../kernel-lib/src/components/train/presets';
import { buildExamples, splitTargets } from '../../../kernel-lib/src/components/train/windows';
import { syntheticSeries } from './synthetic';

describe('the sample layout', () => {
  const counts = Array.from({ length: 100 }, (_, i) => 100 + i * (i % 3));
  const config = resolveTrainConfig({ preset: 'sample' });
  const pre = fitPreprocessing(config.features, counts, 80);

  it('fits the scaler on the training part only and shapes windows (1, w)', () => {
    const sorted = counts.slice(0, 80).sort((a, b) => a - b);
    expect(pre.normalization).toMatchObject({ kind: 'scaler', scaler: { kind: 'robust' } });
    if (pre.normalization.kind !== 'scaler') throw new Error('unreachable');
    expect(pre.normalization.scaler.center).toBe((sorted[39]! + sorted[40]!) / 2);
    expect([pre.timesteps, pre.features, pre.contextSize]).toEqual([1, 7, 0]);
  });

  it("cuts windows like the sample's create_dataset: X[k] = days k..k+6, y[k] = day k+7", () => {
    const split = splitTargets(100, {
      trainFraction: 0.8,
      historyDays: 7,
      testWarmupDays: 7,
      validationFraction: 0,
    });
    expect(split.trainEnd).toBe(80);
    expect(split.fit).toEqual(Array.from({ length: 73 }, (_, k) => k + 7));
    // The test windows come from the test part alone: targets from day 80 + 7.
    expect(split.test[0]).toBe(87);
    expect(split.test).toHaveLength(13);
    const ex = buildExamples(pre, counts, 0, split.fit);
    if (pre.normalization.kind !== 'scaler') throw new Error('unreachable');
    const { center, scale } = pre.normalization.scaler;
    for (const k of [0, 5, 72]) {
      const window = Array.from(ex.sequence.subarray(k * 7, k * 7 + 7));
      const expected = counts.slice(k, k + 7).map((c) => (c - center) / scale);
      window.forEach((x, j) => expect(x).toBeCloseTo(expected[j]!, 5));
      expect(ex.offset[k]! + ex.factor[k]! * ex.target[k]!).toBeCloseTo(counts[k + 7]!, 3);
    }
  });
});

describe('the default layout', () => {
  const series = syntheticSeries({ days: 200, start: '2021-12-01' });
  const config = resolveTrainConfig({ preset: 'default' });
  const pre = fitPreprocessing(config.features, series.counts, 160);
  const firstDay = dayNumber(series.days[0]!)!;

  it('records its history, shapes and features', () => {
    expect(pre).toMatchObject({
      layout: 'sequence',
      window: 14,
      historyDays: 28,
      timesteps: 14,
      features: 3,
      contextSize: 7 + 1 + pre.holidays.length + 2,
    });
  });

  it('divides by the trailing level and adds calendar flags', () => {
    // Target 2022-01-01 (index 31): New Year's Day, a Saturday, the 1st of the month.
    const t = 31;
    expect(series.days[t]).toBe('2022-01-01');
    const ex = buildExamples(pre, series.counts, firstDay, [t]);
    if (pre.normalization.kind !== 'level') throw new Error('unreachable');
    const { scale, clip } = pre.normalization;
    const level = levelBefore(series.counts, t, 28);
    const lastStep = Array.from(ex.sequence.subarray(13 * 3, 14 * 3));
    const value = Math.max(-clip, Math.min(clip, (series.counts[t - 1]! / level - 1) / scale));
    expect(lastStep[0]).toBeCloseTo(value, 5);
    expect(lastStep.slice(1)).toEqual([0, 1]); // 2021-12-31: not the 1st, New Year's Eve
    const ctx = Array.from(ex.context);
    expect(ctx.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 1, 0]); // Saturday
    expect(ctx[7]).toBe(1); // first of the month
    expect(ctx[8 + pre.holidays.indexOf('new_years_day')]).toBe(1);
    expect(ex.offset[0]).toBeCloseTo(level, 6);
    expect(ex.offset[0]! + ex.factor[0]! * ex.target[0]!).toBeCloseTo(series.counts[t]!, 2);
  });

  it('holds out the tail of the training targets for validation', () => {
    const split = splitTargets(200, {
      trainFraction: 0.8,
      historyDays: 28,
      testWarmupDays: 7,
      validationFraction: 0.1,
    });
    expect(split.fit[0]).toBe(28);
    expect(split.validation).toHaveLength(13);
    expect(split.validation[12]).toBe(159);
    expect(split.test[0]).toBe(167);
  });
});
