/**
 * Forecast scores on counts: root mean squared error, mean absolute error and mean absolute
 * percentage error (in percent; days with an actual count of 0 are left out of it).
 */

export interface Scores {
  readonly rmse: number;
  readonly mae: number;
  /** Percent. NaN when every actual count is 0. */
  readonly mape: number;
}

/** Scores predictions against actual counts (same length, at least one). */
export function score(actual: readonly number[], predicted: readonly number[]): Scores {
  if (actual.length !== predicted.length || actual.length === 0) {
    throw new RangeError(`cannot score ${predicted.length} predictions of ${actual.length} days`);
  }
  let squares = 0;
  let absolute = 0;
  let percent = 0;
  let percentDays = 0;
  actual.forEach((a, i) => {
    const error = (predicted[i] as number) - a;
    squares += error * error;
    absolute += Math.abs(error);
    if (a !== 0) {
      percent += Math.abs(error / a);
      percentDays++;
    }
  });
  return {
    rmse: Math.sqrt(squares / actual.length),
    mae: absolute / actual.length,
    mape: percentDays === 0 ? NaN : (100 * percent) / percentDays,
  };
}
