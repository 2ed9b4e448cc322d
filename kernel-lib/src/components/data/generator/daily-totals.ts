/**
 * Daily report totals of the embedded warehouse: a deterministic, seeded model of Chicago's
 * series. A day's expected count is trend × season × calendar × events; around it the count
 * varies by a weather-like log-noise (a slow and a fast autoregressive part plus a daily part,
 * wider in recent years as in the real series), rare shocks (winter storms, unusual days), and
 * the count's own sampling noise.
 *
 * Every random draw is a hash of (seed, day, stream), and the autoregressive parts are run from
 * the first day every time, so a day's total depends only on the seed and the day: generating
 * 2001→2026 at once or day by day gives the same numbers.
 */
import { dayNumber, dayParts, isoDay } from '../days';
import { calendarFactor, seasonalFactor } from './calendar-effects';
import { eventFactor, trendLevel } from './level';
import { piecewiseLinear, type Knot } from './piecewise-linear';
import { isValidSeed, normal, uniform } from './random';

/** The first day of the generated series (the first day of the real dataset). */
export const FIRST_GENERATED_DAY = '2001-01-01';

/** The seed used when none is given. */
export const DEFAULT_SEED = 2019;

/** A day and its total number of reports. */
export interface GeneratedDay {
  /** `YYYY-MM-DD`. */
  day: string;
  count: number;
}

/** Options of {@link generateDailyTotals}. */
export interface GenerateDailyTotalsOptions {
  /** The last day to generate (inclusive), `YYYY-MM-DD`. */
  until: string;
  /**
   * The first day to return; earlier days are still computed (the noise carries over days).
   * @default FIRST_GENERATED_DAY
   */
  from?: string;
  /**
   * Unsigned 32-bit seed; the same seed gives the same totals.
   * @default DEFAULT_SEED
   */
  seed?: number;
}

/** Log-noise parts: an AR(1) with stationary standard deviation `sd`, or white noise (phi 0). */
const NOISE_PARTS: readonly { phi: number; sd: number }[] = [
  { phi: 0.95, sd: 0.026 }, // spells of weeks (weather, events)
  { phi: 0.75, sd: 0.055 }, // spells of days
  { phi: 0, sd: 0.028 }, // the day itself
];

/** The noise grows in later years (fewer reports, more volatile): `[year, scale]`, linear. */
const NOISE_SCALE: readonly Knot[] = [
  [2001, 0.92],
  [2019, 1.08],
  [2021, 1.18],
];

/** Probability and size of rare shocks: a winter storm (Dec-Feb) and an unusual day. */
const STORM = { probability: 0.004, min: 0.55, max: 0.8 };
const SURGE = { probability: 0.0015, min: 1.15, max: 1.4 };

/** Random streams: normals 0-2 (noise parts) and 3 (sampling) use uniform streams 0-7. */
const STREAM = { count: 3, shock: 100, shockSize: 101 } as const;

function noiseScale(year: number): number {
  return piecewiseLinear(NOISE_SCALE, year);
}

/**
 * The mean of season × calendar over the years, divided out so that the trend level is a year's
 * mean daily count.
 */
const CALENDAR_MEAN = 1.0074;

/** The expected number of reports on a day, without noise. */
export function expectedCount(day: number): number {
  const calendar = (seasonalFactor(day) * calendarFactor(day)) / CALENDAR_MEAN;
  return trendLevel(day) * calendar * eventFactor(day);
}

function shockFactor(seed: number, day: number, month: number): number {
  const u = uniform(seed, day, STREAM.shock);
  const size = uniform(seed, day, STREAM.shockSize);
  const winter = month === 12 || month <= 2;
  if (winter && u < STORM.probability) return STORM.min + size * (STORM.max - STORM.min);
  if (u > 1 - SURGE.probability) return SURGE.min + size * (SURGE.max - SURGE.min);
  return 1;
}

/**
 * Generates the daily totals from `from` to `until` (inclusive), oldest first.
 * @throws RangeError when a day is not `YYYY-MM-DD` or the seed is not an unsigned 32-bit integer
 */
export function generateDailyTotals(options: GenerateDailyTotalsOptions): GeneratedDay[] {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!isValidSeed(seed)) {
    throw new RangeError(`seed must be an unsigned 32-bit integer; got ${seed}`);
  }
  const start = dayNumber(FIRST_GENERATED_DAY);
  const from = Math.max(start, dayNumber(options.from ?? FIRST_GENERATED_DAY));
  const until = dayNumber(options.until);
  const state = NOISE_PARTS.map((part, i) => part.sd * normal(seed, start, i));
  const out: GeneratedDay[] = [];
  for (let day = start; day <= until; day++) {
    if (day > start) {
      NOISE_PARTS.forEach((part, i) => {
        const innovation = part.sd * Math.sqrt(1 - part.phi * part.phi) * normal(seed, day, i);
        state[i] = part.phi * (state[i] ?? 0) + innovation;
      });
    }
    if (day < from) continue;
    const { year, month } = dayParts(day);
    const logNoise = noiseScale(year) * state.reduce((sum, x) => sum + x, 0);
    const mean = expectedCount(day) * Math.exp(logNoise) * shockFactor(seed, day, month);
    // The count's own sampling noise (Poisson, by its normal approximation at these sizes).
    const count = Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(seed, day, STREAM.count)));
    out.push({ day: isoDay(day), count });
  }
  return out;
}
