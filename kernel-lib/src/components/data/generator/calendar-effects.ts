/**
 * The calendar's effect on a day's report count, as multiplicative factors. The figures are
 * ratios of a day's count to what its season, trend and weekday alone would give, measured on
 * Chicago's daily totals 2001-2021 and rounded (the calibration test in
 * test/components/data checks the generated series against the real one).
 */
import { dayParts, type DayParts } from '../days';
import { piecewiseLinear, type Knot } from './piecewise-linear';

/** Weekday factors, Sunday first (Friday is the high day, Sunday the low one). */
export const WEEKDAY_FACTORS: readonly number[] = [0.951, 0.989, 0.998, 1.005, 1.0, 1.058, 1.004];

/** Days of the month with more reports: the 1st by far (reports whose date is only known to the
 * month are dated on the 1st), then mid-month. */
const DAY_OF_MONTH_FACTORS: ReadonlyMap<number, number> = new Map([
  [1, 1.17],
  [10, 1.012],
  [15, 1.04],
  [17, 1.012],
  [20, 1.022],
]);

/** Holidays and other dates of their own, as factors (they replace the day-of-month factor). */
function holidayFactor(p: DayParts): number | undefined {
  const { month, day, weekday } = p;
  if (month === 1 && day === 1) return 1.71; // New Year's Day: the month-start effect and then some
  if (month === 1 && day === 2) return 0.94;
  if (month === 12) {
    if (day === 24) return 0.85;
    if (day === 25) return 0.67; // Christmas
    if (day === 26) return 0.86;
    if (day === 31) return 0.94;
  }
  if (month === 11 && weekday === 4 && day >= 22 && day <= 28) return 0.74; // Thanksgiving
  if (month === 11 && weekday === 5 && day >= 23 && day <= 29) return 0.9; // the day after
  if (month === 5 && weekday === 1 && day >= 25) return 0.96; // Memorial Day
  if (month === 7 && day === 5) return 1.04;
  if (month === 10 && day === 31) return 1.12; // Halloween
  return undefined;
}

/** The calendar factor of a day: weekday × (holiday or day-of-month effect). */
export function calendarFactor(dayNumber: number): number {
  const p = dayParts(dayNumber);
  const weekday = WEEKDAY_FACTORS[p.weekday] ?? 1;
  return weekday * (holidayFactor(p) ?? DAY_OF_MONTH_FACTORS.get(p.day) ?? 1);
}

/**
 * The season's level by month (January first): the mean count of a month's ordinary days over the
 * year's mean, before the calendar effects above. Summer high, February low.
 */
export const MONTH_LEVELS: readonly number[] = [
  0.89, 0.853, 0.964, 0.982, 1.046, 1.077, 1.099, 1.092, 1.056, 1.036, 0.979, 0.915,
];

const MONTH_STARTS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/** Log month levels at mid-month (day of a 365-day year), wrapped one month past each end. */
const SEASON: readonly Knot[] = (() => {
  const middles: Knot[] = MONTH_LEVELS.map((level, m) => [
    ((MONTH_STARTS[m] ?? 0) + (MONTH_STARTS[m + 1] ?? 365)) / 2,
    Math.log(level),
  ]);
  const first = middles[0] ?? [0, 0];
  const last = middles[middles.length - 1] ?? [0, 0];
  return [[last[0] - 365, last[1]], ...middles, [first[0] + 365, first[1]]];
})();

/**
 * The season's factor of a day: the month levels placed at mid-month and interpolated linearly
 * (in log space) in between, so the season changes smoothly from day to day.
 */
export function seasonalFactor(dayNumber: number): number {
  const { dayOfYear, year } = dayParts(dayNumber);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  // On a 365-day scale: 29 February shares 28 February's position.
  const t = leap && dayOfYear >= 59 ? dayOfYear - 1 : dayOfYear;
  return Math.exp(piecewiseLinear(SEASON, t));
}
