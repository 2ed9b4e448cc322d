import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayNumber,
  dayParts,
  holidayOn,
} from '../../../kernel-lib/src/components/train/calendar';

const on = (day: string) => holidayOn(dayNumber(day) as number);

describe('calendar', () => {
  it('does day arithmetic in UTC', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(addDays('2020-02-28', 1)).toBe('2020-02-29');
    expect(addDays('2021-12-31', 1)).toBe('2022-01-01');
    expect(dayNumber('2021-02-29')).toBeUndefined();
  });

  it('numbers weekdays from Monday and days of the year from 1', () => {
    expect(dayParts(dayNumber('2001-01-01') as number)).toMatchObject({
      weekday: 0,
      dayOfYear: 1,
      month: 1,
      date: 1,
    });
    expect(dayParts(dayNumber('2022-02-12') as number).weekday).toBe(5);
    expect(dayParts(dayNumber('2020-12-31') as number).dayOfYear).toBe(366);
  });

  it('splits every day from 1600 to 2400 as the JavaScript Date does (leap centuries too)', () => {
    const MS_PER_DAY = 86_400_000;
    const first = Date.UTC(1600, 0, 1) / MS_PER_DAY;
    const last = Date.UTC(2400, 11, 31) / MS_PER_DAY;
    let checked = 0;
    for (let num = first; num <= last; num++) {
      const d = new Date(num * MS_PER_DAY);
      const year = d.getUTCFullYear();
      const want = {
        year,
        month: d.getUTCMonth() + 1,
        date: d.getUTCDate(),
        weekday: (d.getUTCDay() + 6) % 7,
        dayOfYear: num - Date.UTC(year, 0, 1) / MS_PER_DAY + 1,
      };
      const got = dayParts(num);
      if (
        got.year !== want.year ||
        got.month !== want.month ||
        got.date !== want.date ||
        got.weekday !== want.weekday ||
        got.dayOfYear !== want.dayOfYear
      ) {
        expect(got, new Date(num * MS_PER_DAY).toISOString()).toEqual(want);
      }
      checked++;
    }
    expect(checked).toBe(292_560);
    expect(dayParts(dayNumber('2000-02-29') as number)).toMatchObject({ month: 2, date: 29 });
    expect(dayParts(dayNumber('2100-03-01') as number).dayOfYear).toBe(60);
  });

  it('knows the US holidays on their actual dates', () => {
    expect(on('2021-11-25')).toBe('thanksgiving');
    expect(on('2021-11-26')).toBe('day_after_thanksgiving');
    expect(on('2020-05-25')).toBe('memorial_day');
    expect(on('2022-01-17')).toBe('martin_luther_king_day');
    expect(on('2019-02-18')).toBe('presidents_day');
    expect(on('2019-09-02')).toBe('labor_day');
    expect(on('2019-10-14')).toBe('columbus_day');
    expect(on('2021-07-04')).toBe('independence_day');
    expect(on('2018-12-24')).toBe('christmas_eve');
    expect(on('2021-06-19')).toBe('juneteenth');
    expect(on('2020-06-19')).toBeUndefined();
    expect(on('2019-11-27')).toBeUndefined();
  });
});
