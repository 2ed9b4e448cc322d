import { describe, expect, it } from 'vitest';
import type { RawDailyRow } from '../../../kernel-lib/src/components/data/daily-series';
import { addDays } from '../../../kernel-lib/src/components/data/days';
import { BadDataError, EmptyResultError } from '../../../kernel-lib/src/components/data/errors';
import { repairDailySeries } from '../../../kernel-lib/src/components/data/repair';

const TODAY = '2021-03-01';

/** Raw rows for consecutive days from `first`, as BigQuery's CSV would give them. */
function rows(first: string, counts: unknown[]): RawDailyRow[] {
  return counts.map((count, i) => ({
    row: i + 1,
    day: `${addDays(first, i)} 00:00:00 UTC`,
    count,
  }));
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('repairing daily rows', () => {
  it('passes a clean series through unchanged, with no repairs', () => {
    const r = repairDailySeries(rows('2021-01-01', [700, '710', 690n]), 'csv', { today: TODAY });
    expect(r.series).toEqual([
      { day: '2021-01-01', count: 700 },
      { day: '2021-01-02', count: 710 },
      { day: '2021-01-03', count: 690 },
    ]);
    expect(r.repairs).toEqual([]);
  });

  it('fails on an empty result', () => {
    const error = caught(() => repairDailySeries([], 'bigquery', { today: TODAY }));
    expect(error).toBeInstanceOf(EmptyResultError);
    expect((error as Error).message).toBe('the bigquery query returned no rows.');
  });

  it('fills missing days with 0 by default, and records them', () => {
    const input = [
      ...rows('2021-01-01', [700]),
      ...rows('2021-01-04', [730]).map((r) => ({ ...r, row: 2 })),
    ];
    const r = repairDailySeries(input, 'csv', { today: TODAY });
    expect(r.series.map((d) => d.count)).toEqual([700, 0, 0, 730]);
    expect(r.repairs).toEqual([
      expect.objectContaining({
        kind: 'missing-days-filled-zero',
        count: 2,
        days: ['2021-01-02', '2021-01-03'],
      }),
    ]);
  });

  it('interpolates missing days, or rejects them, when asked', () => {
    const input = [...rows('2021-01-01', [700]), { row: 2, day: '2021-01-04', count: 730 }];
    const interpolated = repairDailySeries(input, 'csv', {
      today: TODAY,
      missingDays: 'interpolate',
    });
    expect(interpolated.series.map((d) => d.count)).toEqual([700, 710, 720, 730]);
    expect(interpolated.repairs[0]?.kind).toBe('missing-days-interpolated');
    const error = caught(() =>
      repairDailySeries(input, 'csv', { today: TODAY, missingDays: 'reject' }),
    );
    expect(error).toBeInstanceOf(BadDataError);
    expect((error as Error).message).toBe(
      '2 day(s) are missing between 2021-01-01 and 2021-01-04 (first missing: 2021-01-02).',
    );
  });

  it('sums duplicated days by default, or names the rows when rejecting', () => {
    const input = [...rows('2021-01-01', [700, 710]), { row: 3, day: '2021-01-02', count: 5 }];
    const summed = repairDailySeries(input, 'csv', { today: TODAY });
    expect(summed.series).toEqual([
      { day: '2021-01-01', count: 700 },
      { day: '2021-01-02', count: 715 },
    ]);
    expect(summed.repairs).toEqual([
      expect.objectContaining({ kind: 'duplicate-days-summed', days: ['2021-01-02'] }),
    ]);
    const error = caught(() =>
      repairDailySeries(input, 'csv', { today: TODAY, duplicateDays: 'reject' }),
    );
    expect(error).toBeInstanceOf(BadDataError);
    expect((error as Error).message).toBe(
      'the day 2021-01-02 appears on rows 2, 3; each day must appear once.',
    );
    expect(error).toMatchObject({ row: 3, day: '2021-01-02' });
  });

  it('names the row of a count that is not a number, negative or fractional', () => {
    const cases: [unknown, string][] = [
      ['abc', "row 2 (day 2021-01-02): the count 'abc' is not a number."],
      ['', "row 2 (day 2021-01-02): the count '' is not a number."],
      [null, 'row 2 (day 2021-01-02): the count null is not a number.'],
      [-3, 'row 2 (day 2021-01-02): the count -3 is negative.'],
      ['12.5', "row 2 (day 2021-01-02): the count '12.5' is not a whole number."],
    ];
    for (const [count, message] of cases) {
      const error = caught(() =>
        repairDailySeries(rows('2021-01-01', [700, count]), 'csv', { today: TODAY }),
      );
      expect(error, String(count)).toBeInstanceOf(BadDataError);
      expect((error as Error).message).toBe(message);
      expect(error).toMatchObject({ row: 2, day: '2021-01-02' });
    }
  });

  it('names the row of an unreadable day, or of a day with a time', () => {
    const bad = caught(() =>
      repairDailySeries([{ row: 1, day: 'someday', count: 1 }], 'csv', { today: TODAY }),
    );
    expect((bad as Error).message).toBe("row 1: the day 'someday' is not a date.");
    const timed = caught(() =>
      repairDailySeries([{ row: 1, day: '2021-01-01 13:00:00', count: 1 }], 'csv', {
        today: TODAY,
      }),
    );
    expect((timed as Error).message).toMatch(
      /^row 1: the day '2021-01-01 13:00:00' is not a whole day/,
    );
  });

  it('sorts unsorted rows and records it', () => {
    const input: RawDailyRow[] = [
      { row: 1, day: '2021-01-02', count: 2 },
      { row: 2, day: '2021-01-01', count: 1 },
      { row: 3, day: '2021-01-03', count: 3 },
    ];
    const r = repairDailySeries(input, 'csv', { today: TODAY });
    expect(r.series.map((d) => d.count)).toEqual([1, 2, 3]);
    expect(r.repairs).toEqual([
      expect.objectContaining({
        kind: 'sorted',
        detail: expect.stringContaining('row 2, 2021-01-01'),
      }),
    ]);
  });

  it("drops today's half-written day", () => {
    const r = repairDailySeries(rows('2021-02-27', [700, 710, 123]), 'warehouse', { today: TODAY });
    expect(r.series.map((d) => d.day)).toEqual(['2021-02-27', '2021-02-28']);
    expect(r.repairs).toEqual([
      expect.objectContaining({ kind: 'today-dropped', days: ['2021-03-01'] }),
    ]);
  });

  it('drops trailing days still filling up (late reports), judged by the previous days', () => {
    const counts = [...Array.from({ length: 30 }, (_, i) => 700 + (i % 7) * 10), 650, 300, 90];
    const r = repairDailySeries(rows('2021-01-01', counts), 'chicago-portal', { today: TODAY });
    expect(r.series).toHaveLength(31);
    expect(r.series[30]).toEqual({ day: '2021-01-31', count: 650 });
    expect(r.repairs).toEqual([
      expect.objectContaining({
        kind: 'partial-day-dropped',
        days: ['2021-02-01', '2021-02-02'],
      }),
    ]);
    const off = repairDailySeries(rows('2021-01-01', counts), 'csv', {
      today: TODAY,
      partialDayRatio: 0,
    });
    expect(off.series).toHaveLength(33);
  });

  it('fails when only an incomplete day is left, and on a day after today', () => {
    const only = caught(() => repairDailySeries(rows(TODAY, [10]), 'warehouse', { today: TODAY }));
    expect(only).toBeInstanceOf(EmptyResultError);
    const future = caught(() =>
      repairDailySeries(rows('2021-02-28', [700, 5, 6]), 'csv', { today: TODAY }),
    );
    expect((future as Error).message).toBe(
      "row 3: the day 2021-03-02 is after today (2021-03-01); the source's clock or data is wrong.",
    );
  });

  it('reads BigQuery wrappers and Dates', () => {
    const r = repairDailySeries(
      [
        { row: 1, day: { value: '2021-01-01T00:00:00.000Z' }, count: 5 },
        { row: 2, day: new Date('2021-01-02T00:00:00Z'), count: 6 },
      ],
      'bigquery',
      { today: TODAY },
    );
    expect(r.series).toEqual([
      { day: '2021-01-01', count: 5 },
      { day: '2021-01-02', count: 6 },
    ]);
  });
});
