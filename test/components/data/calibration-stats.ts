/**
 * The statistics the calibration test compares between the generated series and Chicago's real
 * one. Each is computed the same way on both series, over the same years.
 */
import { dayNumber, dayParts } from '../../../kernel-lib/src/components/data/days';

export interface DayCount {
  day: string;
  count: number;
}

export interface SeriesProfile {
  /** Mean of count / centred 7-day mean by weekday (Sunday first), ordinary days only. */
  weekday: number[];
  /** Mean over the years of (month mean / year mean), January first. */
  month: number[];
  /** Count on the 1st (February to December) / centred 15-day mean. */
  firstOfMonth: number;
  /** Count / centred 15-day mean on New Year's Day, Thanksgiving and Christmas. */
  newYear: number;
  thanksgiving: number;
  christmas: number;
  /** Mean daily count per year. */
  yearMean: Map<number, number>;
  /** Standard deviation of (count / centred 7-day mean − 1) on ordinary days. */
  residualSd: number;
  /** Mean over the years of the coefficient of variation of the daily counts. */
  cv: number;
  /** Lag-1 autocorrelation of log(count / centred 29-day mean) on ordinary days. */
  acf1: number;
}

function isOrdinary(day: number): boolean {
  const { month, day: d } = dayParts(day);
  if (d === 1 || d === 15) return false;
  if (month === 1 && d <= 2) return false;
  if (month === 12 && d >= 24) return false;
  if (month === 11 && d >= 22 && d <= 29) return false;
  if (month === 10 && d === 31) return false;
  return true;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

function centredMean(counts: number[], i: number, half: number): number | undefined {
  if (i < half || i + half >= counts.length) return undefined;
  let s = 0;
  for (let j = i - half; j <= i + half; j++) s += counts[j] ?? 0;
  return s / (2 * half + 1);
}

/** Profiles the part of `series` within [fromYear, toYear] (the series must be contiguous). */
export function profileSeries(series: DayCount[], fromYear: number, toYear: number): SeriesProfile {
  const rows = series.filter((r) => {
    const y = Number(r.day.slice(0, 4));
    return y >= fromYear && y <= toYear;
  });
  const days = rows.map((r) => dayNumber(r.day));
  const counts = rows.map((r) => r.count);
  const parts = days.map((d) => dayParts(d));

  const weekdayRatios: number[][] = [[], [], [], [], [], [], []];
  const residuals: number[] = [];
  const firsts: number[] = [];
  const newYears: number[] = [];
  const thanksgivings: number[] = [];
  const christmases: number[] = [];
  const logDev: (number | undefined)[] = [];
  counts.forEach((count, i) => {
    const p = parts[i];
    const day = days[i];
    if (p === undefined || day === undefined) return;
    const c7 = centredMean(counts, i, 3);
    const c15 = centredMean(counts, i, 7);
    const c29 = centredMean(counts, i, 14);
    const ordinary = isOrdinary(day);
    logDev.push(ordinary && c29 !== undefined ? Math.log(count / c29) : undefined);
    if (c7 !== undefined && ordinary) {
      weekdayRatios[p.weekday]?.push(count / c7);
      residuals.push(count / c7 - 1);
    }
    if (c15 === undefined) return;
    if (p.day === 1 && p.month > 1) firsts.push(count / c15);
    if (p.day === 1 && p.month === 1) newYears.push(count / c15);
    if (p.month === 12 && p.day === 25) christmases.push(count / c15);
    if (p.month === 11 && p.weekday === 4 && p.day >= 22 && p.day <= 28) {
      thanksgivings.push(count / c15);
    }
  });

  const byYear = new Map<number, { all: number[]; months: number[][] }>();
  counts.forEach((count, i) => {
    const p = parts[i];
    if (p === undefined) return;
    let y = byYear.get(p.year);
    if (!y) {
      y = { all: [], months: Array.from({ length: 12 }, () => []) };
      byYear.set(p.year, y);
    }
    y.all.push(count);
    y.months[p.month - 1]?.push(count);
  });
  const fullYears = [...byYear.entries()].filter(([, y]) => y.all.length >= 365);
  const month = Array.from({ length: 12 }, (_, m) =>
    mean(fullYears.map(([, y]) => mean(y.months[m] ?? []) / mean(y.all))),
  );
  const yearMean = new Map(fullYears.map(([year, y]) => [year, mean(y.all)]));
  const cv = mean(fullYears.map(([, y]) => sd(y.all) / mean(y.all)));

  let num = 0;
  let den = 0;
  const devs = logDev.filter((x): x is number => x !== undefined);
  const m = mean(devs);
  for (let i = 1; i < logDev.length; i++) {
    const a = logDev[i];
    const b = logDev[i - 1];
    if (a !== undefined && b !== undefined) num += (a - m) * (b - m);
  }
  for (const x of devs) den += (x - m) ** 2;

  return {
    weekday: weekdayRatios.map(mean),
    month,
    firstOfMonth: mean(firsts),
    newYear: mean(newYears),
    thanksgiving: mean(thanksgivings),
    christmas: mean(christmases),
    yearMean,
    residualSd: sd(residuals),
    cv,
    acf1: num / den,
  };
}

/**
 * RMSE of the sample's naive forecasts on the test part of the series (the last 20% of days,
 * window 7): yesterday's count, the mean of the previous 7 days, the same weekday last week.
 */
export function naiveForecastRmse(counts: number[]): {
  persistence: number;
  mean7: number;
  lastWeek: number;
} {
  const split = Math.floor(0.8 * counts.length);
  const sq = { persistence: 0, mean7: 0, lastWeek: 0 };
  let n = 0;
  for (let t = Math.max(split, 7); t < counts.length; t++) {
    const y = counts[t] ?? 0;
    const prev = counts.slice(t - 7, t);
    sq.persistence += (y - (counts[t - 1] ?? 0)) ** 2;
    sq.mean7 += (y - mean(prev)) ** 2;
    sq.lastWeek += (y - (counts[t - 7] ?? 0)) ** 2;
    n++;
  }
  return {
    persistence: Math.sqrt(sq.persistence / n),
    mean7: Math.sqrt(sq.mean7 / n),
    lastWeek: Math.sqrt(sq.lastWeek / n),
  };
}
