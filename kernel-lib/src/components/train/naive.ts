/**
 * The naive forecasts a model has to beat: yesterday's count, the mean of the previous 7 days,
 * and the count of the same weekday last week.
 */

export const NAIVE_FORECASTS = ['yesterday', 'mean7', 'last_week'] as const;
export type NaiveForecast = (typeof NAIVE_FORECASTS)[number];

/** Days of history the naive forecasts need. */
export const NAIVE_HISTORY_DAYS = 7;

/** One naive forecast of the count at index `t` (t ≥ 7). */
export function naiveForecast(kind: NaiveForecast, counts: ArrayLike<number>, t: number): number {
  if (t < NAIVE_HISTORY_DAYS) throw new RangeError(`naive forecasts need 7 days before ${t}`);
  switch (kind) {
    case 'yesterday':
      return counts[t - 1] as number;
    case 'last_week':
      return counts[t - 7] as number;
    case 'mean7': {
      let sum = 0;
      for (let i = t - 7; i < t; i++) sum += counts[i] as number;
      return sum / 7;
    }
  }
}

/** Every naive forecast of the counts at the target indices. */
export function naiveForecasts(
  counts: ArrayLike<number>,
  targets: readonly number[],
): Record<NaiveForecast, number[]> {
  return {
    yesterday: targets.map((t) => naiveForecast('yesterday', counts, t)),
    mean7: targets.map((t) => naiveForecast('mean7', counts, t)),
    last_week: targets.map((t) => naiveForecast('last_week', counts, t)),
  };
}
