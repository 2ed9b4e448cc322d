/**
 * The generated series against Chicago's real one (../shared/data, read here only): the same
 * statistics computed on both, over 2001-2021, must agree within the stated tolerances — for the
 * default seed and two others, so the agreement is the model's and not one lucky draw.
 */
import * as fs from 'node:fs';
import { expect, it } from 'vitest';
import {
  DEFAULT_SEED,
  generateDailyTotals,
} from '../../../kernel-lib/src/components/data/generator/daily-totals';
import { describeShared, sharedPath } from '../../support/shared';
import { naiveForecastRmse, profileSeries, type DayCount } from './calibration-stats';

/** Tolerances (absolute for ratios, relative for spreads and levels). */
const TOLERANCE = {
  weekday: 0.015,
  month: 0.03,
  firstOfMonth: 0.04,
  holiday: 0.08,
  yearMean: 0.05,
  spread: 0.15,
  acf1: 0.08,
  naiveRmse: 0.15,
  monthlyLevel: 0.05,
};

function readRealDaily(): DayCount[] {
  const text = fs.readFileSync(
    sharedPath('data', 'chicago_crime_daily_2001-01-01_2022-02-12.csv'),
    'utf8',
  );
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [day, count] = line.split(',');
      return { day: day ?? '', count: Number(count) };
    });
}

function readRealMonthly(): Map<string, number> {
  const text = fs.readFileSync(
    sharedPath('data', 'chicago_crime_monthly_2001-01_2026-05.csv'),
    'utf8',
  );
  return new Map(
    text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [month, count] = line.split(',');
        return [(month ?? '').slice(0, 7), Number(count)];
      }),
  );
}

const f3 = (x: number) => x.toFixed(3);

describeShared('generated vs real Chicago daily totals', () => {
  const real = readRealDaily();
  const realProfile = profileSeries(real, 2001, 2021);
  const realRmse = naiveForecastRmse(real.map((d) => d.count));

  for (const seed of [DEFAULT_SEED, 1, 2]) {
    it(`matches the real series' profile (seed ${seed})`, () => {
      const generated = generateDailyTotals({ seed, until: '2022-02-12' });
      expect(generated).toHaveLength(real.length);
      const gen = profileSeries(generated, 2001, 2021);
      const rmse = naiveForecastRmse(generated.map((d) => d.count));
      console.log(
        [
          `seed ${seed} (real vs generated)`,
          `  weekday Sun..Sat  real ${realProfile.weekday.map(f3).join(' ')}`,
          `                    gen  ${gen.weekday.map(f3).join(' ')}`,
          `  month Jan..Dec    real ${realProfile.month.map(f3).join(' ')}`,
          `                    gen  ${gen.month.map(f3).join(' ')}`,
          `  1st of month ${f3(realProfile.firstOfMonth)} / ${f3(gen.firstOfMonth)}; New Year ${f3(realProfile.newYear)} / ${f3(gen.newYear)}; ` +
            `Thanksgiving ${f3(realProfile.thanksgiving)} / ${f3(gen.thanksgiving)}; Christmas ${f3(realProfile.christmas)} / ${f3(gen.christmas)}`,
          `  residual sd ${f3(realProfile.residualSd)} / ${f3(gen.residualSd)}; CV ${f3(realProfile.cv)} / ${f3(gen.cv)}; lag-1 acf ${f3(realProfile.acf1)} / ${f3(gen.acf1)}`,
          `  naive RMSE persistence ${realRmse.persistence.toFixed(1)} / ${rmse.persistence.toFixed(1)}, ` +
            `mean-7 ${realRmse.mean7.toFixed(1)} / ${rmse.mean7.toFixed(1)}, last week ${realRmse.lastWeek.toFixed(1)} / ${rmse.lastWeek.toFixed(1)}`,
        ].join('\n'),
      );
      gen.weekday.forEach((x, i) =>
        expect(Math.abs(x - (realProfile.weekday[i] ?? 0)), `weekday ${i}`).toBeLessThanOrEqual(
          TOLERANCE.weekday,
        ),
      );
      gen.month.forEach((x, i) =>
        expect(Math.abs(x - (realProfile.month[i] ?? 0)), `month ${i + 1}`).toBeLessThanOrEqual(
          TOLERANCE.month,
        ),
      );
      expect(Math.abs(gen.firstOfMonth - realProfile.firstOfMonth)).toBeLessThanOrEqual(
        TOLERANCE.firstOfMonth,
      );
      for (const key of ['newYear', 'thanksgiving', 'christmas'] as const) {
        expect(Math.abs(gen[key] - realProfile[key]), key).toBeLessThanOrEqual(TOLERANCE.holiday);
      }
      for (const [year, mean] of realProfile.yearMean) {
        const g = gen.yearMean.get(year) ?? 0;
        expect(Math.abs(g / mean - 1), `mean of ${year}`).toBeLessThanOrEqual(TOLERANCE.yearMean);
      }
      expect(Math.abs(gen.residualSd / realProfile.residualSd - 1)).toBeLessThanOrEqual(
        TOLERANCE.spread,
      );
      expect(Math.abs(gen.cv / realProfile.cv - 1)).toBeLessThanOrEqual(TOLERANCE.spread);
      expect(Math.abs(gen.acf1 - realProfile.acf1)).toBeLessThanOrEqual(TOLERANCE.acf1);
      for (const key of ['persistence', 'mean7', 'lastWeek'] as const) {
        expect(Math.abs(rmse[key] / realRmse[key] - 1), `naive RMSE ${key}`).toBeLessThanOrEqual(
          TOLERANCE.naiveRmse,
        );
      }
    });
  }

  it('follows the monthly totals to 2026 (the monthly file)', () => {
    const monthly = readRealMonthly();
    const generated = generateDailyTotals({ until: '2026-04-30' });
    const sums = new Map<string, number>();
    for (const d of generated)
      sums.set(d.day.slice(0, 7), (sums.get(d.day.slice(0, 7)) ?? 0) + d.count);
    const diffs = [...sums].map(([month, g]) =>
      Math.abs(g / (monthly.get(month) ?? Number.NaN) - 1),
    );
    const meanDiff = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    console.log(
      `monthly totals 2001-01..2026-04: mean |generated / real − 1| = ${(100 * meanDiff).toFixed(1)}%`,
    );
    expect(diffs).toHaveLength(304);
    expect(meanDiff).toBeLessThanOrEqual(TOLERANCE.monthlyLevel);
  });
});
