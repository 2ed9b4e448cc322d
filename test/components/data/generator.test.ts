import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dayNumber, dayParts } from '../../../kernel-lib/src/components/data/days';
import {
  DEFAULT_SEED,
  generateDailyTotals,
} from '../../../kernel-lib/src/components/data/generator/daily-totals';

function digest(days: { day: string; count: number }[]): string {
  return crypto
    .createHash('sha256')
    .update(days.map((d) => `${d.day},${d.count}`).join('\n'))
    .digest('hex');
}

describe('the daily totals generator', () => {
  it('is reproducible: the same seed gives the same totals', () => {
    const a = generateDailyTotals({ seed: 7, until: '2003-12-31' });
    const b = generateDailyTotals({ seed: 7, until: '2003-12-31' });
    expect(b).toEqual(a);
    expect(digest(generateDailyTotals({ seed: 8, until: '2003-12-31' }))).not.toBe(digest(a));
  });

  it('keeps the default series stable (a change here changes every warehouse)', () => {
    const days = generateDailyTotals({ until: '2021-12-31' });
    expect(DEFAULT_SEED).toBe(2019);
    expect(days.slice(0, 3)).toMatchInlineSnapshot(`
      [
        {
          "count": 2103,
          "day": "2001-01-01",
        },
        {
          "count": 1244,
          "day": "2001-01-02",
        },
        {
          "count": 1287,
          "day": "2001-01-03",
        },
      ]
    `);
    expect(digest(days)).toMatchInlineSnapshot(
      `"db468c43ee789bf1fe08aba3af52f05a2b8b830a122301ca8ffa605836dd7513"`,
    );
  });

  it('gives a day the same total however it is reached (appending = rebuilding)', () => {
    const full = generateDailyTotals({ seed: 3, until: '2002-06-30' });
    const first = generateDailyTotals({ seed: 3, until: '2002-03-31' });
    const rest = generateDailyTotals({ seed: 3, from: '2002-04-01', until: '2002-06-30' });
    expect([...first, ...rest]).toEqual(full);
  });

  it('covers every day from 2001-01-01, with whole, positive counts', () => {
    const days = generateDailyTotals({ until: '2001-12-31' });
    expect(days).toHaveLength(365);
    days.forEach((d, i) => {
      expect(dayNumber(d.day)).toBe(dayNumber('2001-01-01') + i);
      expect(Number.isInteger(d.count) && d.count > 0).toBe(true);
    });
  });

  it("has Chicago's shape: decline, summer high, Friday high, the 1st, Christmas, 2020", () => {
    const days = generateDailyTotals({ until: '2021-12-31' });
    const mean = (pick: (d: { day: string; count: number }) => boolean) => {
      const xs = days.filter(pick).map((d) => d.count);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const year = (y: number) => mean((d) => d.day.startsWith(`${y}-`));
    expect(year(2001)).toBeGreaterThan(1250);
    expect(year(2001)).toBeLessThan(1420);
    expect(year(2019)).toBeGreaterThan(650);
    expect(year(2019)).toBeLessThan(780);
    expect(year(2020)).toBeLessThan(0.85 * year(2019));
    const month = (m: string) => mean((d) => d.day.slice(5, 7) === m);
    expect(month('07')).toBeGreaterThan(1.15 * month('02'));
    const weekday = (w: number) => mean((d) => dayParts(dayNumber(d.day)).weekday === w);
    expect(weekday(5)).toBeGreaterThan(weekday(0) * 1.07);
    const dom = (n: string) => mean((d) => d.day.slice(8) === n && d.day.slice(5, 7) !== '01');
    expect(dom('01')).toBeGreaterThan(1.1 * dom('02'));
    expect(mean((d) => d.day.endsWith('-12-25'))).toBeLessThan(0.8 * month('12'));
    expect(mean((d) => d.day.endsWith('-01-01'))).toBeGreaterThan(1.5 * month('01'));
    const april2020 = mean((d) => d.day.startsWith('2020-04'));
    const april2019 = mean((d) => d.day.startsWith('2019-04'));
    expect(april2020).toBeLessThan(0.72 * april2019);
  });

  it('refuses a bad seed or day', () => {
    expect(() => generateDailyTotals({ seed: -1, until: '2001-01-05' })).toThrow(/seed/);
    expect(() => generateDailyTotals({ seed: 1.5, until: '2001-01-05' })).toThrow(/seed/);
    expect(() => generateDailyTotals({ until: '2001-02-30' })).toThrow(/YYYY-MM-DD/);
  });
});
