/**
 * Piecewise-linear curves through knots, flat before the first knot and after the last: the
 * shape of every slowly changing quantity of the generator (trend, noise scale, the 2020 drop).
 */

/** A knot: position and value. */
export type Knot = readonly [x: number, y: number];

/** The curve through `knots` (sorted by position) at `x`. */
export function piecewiseLinear(knots: readonly Knot[], x: number): number {
  const first = knots[0];
  const last = knots[knots.length - 1];
  if (first === undefined || last === undefined) return Number.NaN;
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  for (let i = 1; i < knots.length; i++) {
    const a = knots[i - 1];
    const b = knots[i];
    if (a !== undefined && b !== undefined && x <= b[0]) {
      return a[1] + ((x - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
    }
  }
  return last[1];
}
