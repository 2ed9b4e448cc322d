import { describe, expect, it } from 'vitest';
import type { DailyCount } from '../../../kernel-lib/src/components/data/daily-series';
import { addDays } from '../../../kernel-lib/src/components/data/days';
import {
  assessGrowthAndDrift,
  parseDatasetSummary,
  summarizeSeries,
} from '../../../kernel-lib/src/components/data/drift';
import { QueryUsageError } from '../../../kernel-lib/src/components/data/errors';

function series(first: string, counts: number[]): DailyCount[] {
  return counts.map((count, i) => ({ day: addDays(first, i), count }));
}

/** 100 days alternating 690/710 (mean 700, sd 10). */
const BASE = series(
  '2021-01-01',
  Array.from({ length: 100 }, (_, i) => (i % 2 ? 710 : 690)),
);

describe('growth and drift', () => {
  it('summarises a series', () => {
    expect(summarizeSeries(BASE, { window: 28, sha256: 'abc' })).toEqual({
      version: 1,
      firstDay: '2021-01-01',
      lastDay: '2021-04-10',
      rows: 100,
      mean: 700,
      std: 10,
      window: 28,
      recentMean: 700,
      recentStd: 10,
      sha256: 'abc',
    });
  });

  it('advises a first training when there is no summary', () => {
    const a = assessGrowthAndDrift(BASE, undefined);
    expect(a).toMatchObject({ newDays: 100, growthRatio: 0, drift: 0, shouldRetrain: true });
  });

  it('does not retrain on unchanged data', () => {
    const a = assessGrowthAndDrift(BASE, summarizeSeries(BASE));
    expect(a).toMatchObject({ newDays: 0, growthRatio: 0, drift: 0, shouldRetrain: false });
    expect(a.reasons[0]).toMatch(/0 new day\(s\) \(under 7\) and drift 0\.00/);
  });

  it('retrains after enough new days', () => {
    const previous = summarizeSeries(BASE.slice(0, 93));
    const a = assessGrowthAndDrift(BASE, previous);
    expect(a.newDays).toBe(7);
    expect(a.growthRatio).toBeCloseTo(7 / 93, 6);
    expect(a.shouldRetrain).toBe(true);
    expect(a.reasons).toEqual(['7 new days (at least 7)']);
    expect(assessGrowthAndDrift(BASE, previous, { minNewDays: 8 }).shouldRetrain).toBe(false);
  });

  it('retrains when the recent level moved, measured in pooled standard deviations', () => {
    const previous = summarizeSeries(BASE);
    const higher = Array.from({ length: 14 }, (_, i) => (i % 2 ? 750 : 730));
    const shifted = [...BASE, ...series('2021-04-11', higher)];
    const a = assessGrowthAndDrift(shifted, previous, { minNewDays: 30 });
    expect(a.newDays).toBe(14);
    // The last 28 days now: 14 old ones (690/710) and 14 forty reports higher.
    const recent = shifted.slice(-28).map((d) => d.count);
    const mean = recent.reduce((x, y) => x + y, 0) / 28;
    const sd = Math.sqrt(recent.reduce((x, y) => x + (y - mean) ** 2, 0) / 28);
    expect(a.drift).toBeCloseTo((mean - 700) / Math.sqrt((sd ** 2 + 10 ** 2) / 2), 3);
    expect(a.drift).toBeGreaterThan(1);
    expect(a.relativeMeanChange).toBeCloseTo(mean / 700 - 1, 5);
    expect(a.shouldRetrain).toBe(true);
    expect(a.reasons).toEqual(['drift 1.15 (|drift| at least 0.5)']);
  });

  it('retrains when the history itself changed', () => {
    const previous = summarizeSeries(BASE);
    const a = assessGrowthAndDrift(BASE.slice(1), previous);
    expect(a.shouldRetrain).toBe(true);
    expect(a.reasons[0]).toMatch(/^the history changed/);
  });

  it('checks a summary read from JSON, naming the bad field', () => {
    const good = summarizeSeries(BASE);
    expect(parseDatasetSummary(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(() => parseDatasetSummary({ ...good, lastDay: 'soon' })).toThrow(
      'the previous summary needs lastDay as YYYY-MM-DD.',
    );
    expect(() => parseDatasetSummary({ ...good, recentStd: 'x' })).toThrow(QueryUsageError);
    expect(() => parseDatasetSummary([])).toThrow('the previous summary is not a JSON object.');
  });
});
