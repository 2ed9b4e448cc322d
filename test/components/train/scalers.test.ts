import { describe, expect, it } from 'vitest';
import {
  fitScaler,
  meanStd,
  percentile,
  scale,
  unscale,
} from '../../../kernel-lib/src/components/train/scalers';

describe('scalers', () => {
  it('interpolates percentiles linearly, as numpy does', () => {
    expect(percentile([1, 2, 3, 4], 25)).toBeCloseTo(1.75);
    expect(percentile([1, 2, 3, 4], 50)).toBeCloseTo(2.5);
    expect(percentile([1, 2, 3, 4], 75)).toBeCloseTo(3.25);
    expect(percentile([7], 75)).toBe(7);
  });

  it('fits RobustScaler on median and interquartile range', () => {
    expect(fitScaler('robust', [4, 1, 3, 2])).toEqual({ kind: 'robust', center: 2.5, scale: 1.5 });
  });

  it('fits StandardScaler on mean and population standard deviation', () => {
    const s = fitScaler('standard', [1, 2, 3, 4]);
    expect(s.center).toBe(2.5);
    expect(s.scale).toBeCloseTo(Math.sqrt(1.25));
    expect(meanStd([2, 2]).std).toBe(0);
  });

  it('turns a zero scale into 1 and inverts', () => {
    const s = fitScaler('robust', [5, 5, 5]);
    expect(s.scale).toBe(1);
    expect(unscale(s, scale(s, 9))).toBe(9);
  });
});
