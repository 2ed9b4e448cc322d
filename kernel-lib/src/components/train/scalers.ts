/**
 * The sample's global scalers, fitted on the training part only: scikit-learn's RobustScaler
 * (median and interquartile range, numpy's linear percentile) and StandardScaler (mean and
 * population standard deviation). A zero scale becomes 1, as scikit-learn does.
 */

export type ScalerKind = 'robust' | 'standard';

/** A fitted scaler: `scaled = (value - center) / scale`. */
export interface ScalerParams {
  readonly kind: ScalerKind;
  readonly center: number;
  readonly scale: number;
}

/** numpy.percentile with linear interpolation, q in [0, 100], on sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  const position = ((sorted.length - 1) * q) / 100;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return a + (b - a) * (position - lower);
}

/** Mean and population standard deviation. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: NaN, std: NaN };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length) };
}

/** Fits a scaler on values (the training part of the series). */
export function fitScaler(kind: ScalerKind, values: readonly number[]): ScalerParams {
  if (values.length === 0) throw new RangeError('cannot fit a scaler on no values');
  let center: number;
  let scale: number;
  if (kind === 'robust') {
    const sorted = [...values].sort((a, b) => a - b);
    center = percentile(sorted, 50);
    scale = percentile(sorted, 75) - percentile(sorted, 25);
  } else {
    ({ mean: center, std: scale } = meanStd(values));
  }
  return { kind, center, scale: scale === 0 ? 1 : scale };
}

export function scale(params: ScalerParams, value: number): number {
  return (value - params.center) / params.scale;
}

export function unscale(params: ScalerParams, value: number): number {
  return value * params.scale + params.center;
}
