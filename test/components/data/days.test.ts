import { describe, expect, it } from 'vitest';
import {
  addDays,
  bigQueryDayText,
  dayParts,
  parseIsoDay,
  parseTimestampText,
  todayIn,
} from '../../../kernel-lib/src/components/data/days';

describe('days', () => {
  it('reads every way the sources write a day', () => {
    const day = parseIsoDay('2001-01-01');
    for (const text of [
      '2001-01-01',
      '2001-01-01 00:00:00 UTC',
      '2001-01-01T00:00:00.000',
      '2001-01-01T00:00:00.000Z',
      '2001-01-01 00:00:00',
      '01/01/2001 12:00:00 AM',
      '1/1/2001',
    ]) {
      expect(parseTimestampText(text), text).toEqual({ dayNumber: day, secondsOfDay: 0 });
    }
    expect(parseTimestampText('01/01/2001 01:30:00 PM')?.secondsOfDay).toBe(13.5 * 3600);
  });

  it('refuses what is not a day, or a day shifted by an offset', () => {
    for (const text of ['', 'yesterday', '2001-02-30', '2001-13-01', '2001-01-01T05:00:00-06:00']) {
      expect(parseTimestampText(text), text).toBeUndefined();
    }
  });

  it('does calendar arithmetic without the machine time zone', () => {
    expect(addDays('2020-02-28', 1)).toBe('2020-02-29');
    expect(addDays('2001-01-01', -1)).toBe('2000-12-31');
    expect(dayParts(parseIsoDay('2021-11-25') ?? 0)).toMatchObject({ weekday: 4, month: 11 });
    expect(bigQueryDayText('2001-01-01')).toBe('2001-01-01 00:00:00 UTC');
  });

  it("takes today's date in Chicago", () => {
    // 03:00 UTC on 2 March is still 1 March in Chicago (UTC-6).
    expect(todayIn('America/Chicago', new Date('2021-03-02T03:00:00Z'))).toBe('2021-03-01');
    expect(todayIn('UTC', new Date('2021-03-02T03:00:00Z'))).toBe('2021-03-02');
  });
});
