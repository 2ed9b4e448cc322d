/**
 * The long-run level of daily reports (reports per day before season, weekday and holidays), and
 * the few events that moved it abruptly. The knots are round figures that follow Chicago's
 * published yearly totals: about 1,340 a day in 2001, a steady decline to about 740 by 2014, a
 * plateau, the 2020 drop, a rebound in 2022-2023 and a decline since. After the last knot the
 * level stays flat.
 */
import { dayNumber } from '../days';
import { piecewiseLinear, type Knot } from './piecewise-linear';

/** `[day, reports per day]`, interpolated linearly in log space between knots. */
const LEVEL_KNOTS: readonly (readonly [string, number])[] = [
  ['2001-01-01', 1340],
  ['2002-07-01', 1335],
  ['2008-01-01', 1185],
  ['2012-07-01', 910],
  ['2014-07-01', 745],
  ['2015-01-01', 730],
  ['2018-07-01', 738],
  ['2019-10-01', 715],
  ['2020-02-15', 705],
  ['2020-07-01', 575],
  ['2021-07-01', 565],
  ['2022-01-01', 560],
  ['2022-10-01', 730],
  ['2023-07-01', 722],
  ['2024-07-01', 708],
  ['2025-07-01', 655],
  ['2026-04-01', 630],
];

const LOG_LEVEL: readonly Knot[] = LEVEL_KNOTS.map(([day, level]) => [
  dayNumber(day),
  Math.log(level),
]);

/** Reports per day on a day, before the calendar's effects. */
export function trendLevel(day: number): number {
  return Math.exp(piecewiseLinear(LOG_LEVEL, day));
}

/** `[day, factor]` knots of the 2020 stay-at-home period (1 before and after). */
const COVID_PROFILE: readonly (readonly [string, number])[] = [
  ['2020-03-10', 1],
  ['2020-03-24', 0.66],
  ['2020-04-25', 0.66],
  ['2020-05-20', 0.92],
  ['2020-07-01', 1],
];

const COVID: readonly Knot[] = COVID_PROFILE.map(([day, factor]) => [dayNumber(day), factor]);

/** Days of the 2020 civil unrest, with their (large) factors. */
const ONE_OFF_EVENTS: ReadonlyMap<number, number> = new Map([
  [dayNumber('2020-05-30'), 1.35],
  [dayNumber('2020-05-31'), 2.7],
  [dayNumber('2020-06-01'), 1.35],
]);

/** The factor of dated events on a day: the COVID-19 drop of spring 2020 and one-off days. */
export function eventFactor(day: number): number {
  return (ONE_OFF_EVENTS.get(day) ?? 1) * piecewiseLinear(COVID, day);
}
