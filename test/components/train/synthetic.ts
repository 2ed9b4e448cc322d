/**
 * Generated daily series for tests that must not depend on ../shared: a slow trend, a weekly and
 * a yearly cycle, first-of-month spikes and seeded noise, so that a model has something to learn
 * and naive forecasts are beatable.
 */
import { addDays } from '../../../kernel-lib/src/components/train/calendar';
import type { DailySeries } from '../../../kernel-lib/src/components/train/csv';
import { Random } from '../../../kernel-lib/src/components/train/random';

export interface SyntheticOptions {
  /** @default 800 */
  readonly days?: number;
  /** @default '2016-01-01' */
  readonly start?: string;
  /** @default 7 */
  readonly seed?: number;
}

export function syntheticSeries(options: SyntheticOptions = {}): DailySeries {
  const { days = 800, start = '2016-01-01', seed = 7 } = options;
  const rng = new Random(seed, 'synthetic');
  const weekly = [0.95, 1.0, 1.0, 1.02, 1.08, 1.1, 0.9];
  const dayList: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i < days; i++) {
    const day = addDays(start, i);
    const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
    const level = 900 - 0.15 * i;
    const season = 1 + 0.12 * Math.sin((2 * Math.PI * i) / 365.25);
    const firstOfMonth = day.endsWith('-01') ? 1.25 : 1;
    const noise = 1 + 0.04 * rng.normal();
    dayList.push(day);
    counts.push(Math.round(level * season * (weekly[weekday] as number) * firstOfMonth * noise));
  }
  return { days: dayList, counts };
}

/** The series as the query step's CSV. */
export function syntheticCsv(series: DailySeries): string {
  const rows = series.days.map((d, i) => `${series.counts[i]},${d} 00:00:00 UTC`);
  return `count,day\n${rows.join('\n')}\n`;
}
