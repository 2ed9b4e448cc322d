import { describe, expect, it } from 'vitest';
import { score } from '../../../kernel-lib/src/components/train/metrics';
import { naiveForecast, naiveForecasts } from '../../../kernel-lib/src/components/train/naive';

describe('naive forecasts', () => {
  const counts = [1, 2, 3, 4, 5, 6, 7, 8, 9];

  it('forecast yesterday, the mean of the previous 7 days and last week', () => {
    expect(naiveForecast('yesterday', counts, 8)).toBe(8);
    expect(naiveForecast('mean7', counts, 8)).toBe(5);
    expect(naiveForecast('last_week', counts, 8)).toBe(2);
    expect(naiveForecasts(counts, [7, 8])).toEqual({
      yesterday: [7, 8],
      mean7: [4, 5],
      last_week: [1, 2],
    });
  });

  it('need 7 days of history', () => {
    expect(() => naiveForecast('yesterday', counts, 6)).toThrow(RangeError);
  });
});

describe('score', () => {
  it('computes RMSE, MAE and MAPE (percent, skipping zero actuals)', () => {
    const s = score([10, 20, 0], [12, 16, 1]);
    expect(s.rmse).toBeCloseTo(Math.sqrt((4 + 16 + 1) / 3));
    expect(s.mae).toBeCloseTo(7 / 3);
    expect(s.mape).toBeCloseTo(((0.2 + 0.2) / 2) * 100);
    expect(score([0], [1]).mape).toBeNaN();
    expect(() => score([1], [])).toThrow(RangeError);
  });
});
