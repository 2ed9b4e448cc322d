import { describe, expect, it } from 'vitest';
import {
  InvalidTimeZoneError,
  formatGoTime,
  isTimeZone,
  nextCronTime,
  parseCron,
  previewFireTimes,
  resolveTimeZone,
  zoneAbbreviation,
  zoneOffsetSeconds,
} from '../../../kernel-lib/src/engine/schedule';
import { iso, local } from './helpers';

function preview(cron: string, timeZone: string, from: string, count: number): Date[] {
  return previewFireTimes(
    { cron_schedule: { cron, time_zone: timeZone } },
    { from: new Date(from), count },
  );
}

const CHICAGO = 'America/Chicago';
const BERLIN = 'Europe/Berlin';

describe('time zones: validation', () => {
  it('accepts IANA names, case-insensitively, and returns the canonical spelling', () => {
    expect(resolveTimeZone('America/Chicago')).toBe('America/Chicago');
    expect(resolveTimeZone('america/chicago')).toBe('America/Chicago');
    expect(resolveTimeZone('UTC')).toBe('UTC');
    expect(resolveTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(isTimeZone('Asia/Kolkata')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('rejects unknown names, naming the zone and suggesting a real one', () => {
    const error = (name: string) => {
      try {
        resolveTimeZone(name, { field: 'trigger.cron_schedule.time_zone' });
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidTimeZoneError);
        expect((e as InvalidTimeZoneError).timeZone).toBe(name);
        expect((e as InvalidTimeZoneError).field).toBe('trigger.cron_schedule.time_zone');
        return (e as Error).message;
      }
      throw new Error(`${name} was accepted`);
    };
    expect(error('Chicago')).toContain(
      "Unknown time zone 'Chicago': did you mean 'America/Chicago'?",
    );
    expect(error('new york')).toContain("did you mean 'America/New_York'?");
    expect(error('PDT')).toContain("did you mean 'America/Los_Angeles'?");
    const unknown = error('Mars/Olympus_Mons');
    expect(unknown).toContain("'Mars/Olympus_Mons'");
    expect(unknown).toContain("'America/Chicago'");
    expect(error('')).toContain('The time zone is empty');
  });

  it('offsets and abbreviations', () => {
    expect(zoneOffsetSeconds(CHICAGO, new Date('2026-01-15T12:00:00Z'))).toBe(-6 * 3600);
    expect(zoneOffsetSeconds(CHICAGO, new Date('2026-07-15T12:00:00Z'))).toBe(-5 * 3600);
    expect(zoneOffsetSeconds('Asia/Kolkata', new Date('2026-07-15T12:00:00Z'))).toBe(19_800);
    expect(zoneOffsetSeconds('UTC', new Date('2026-07-15T12:00:00Z'))).toBe(0);
    expect(zoneAbbreviation(new Date('2026-01-15T12:00:00Z'), CHICAGO)).toBe('CST');
    expect(zoneAbbreviation(new Date('2026-07-15T12:00:00Z'), CHICAGO)).toBe('CDT');
    expect(zoneAbbreviation(new Date('2026-07-15T12:00:00Z'), BERLIN)).toBe('CEST');
    expect(zoneAbbreviation(new Date('2026-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe('+0530');
    expect(zoneAbbreviation(new Date('2026-07-15T12:00:00Z'))).toBe('UTC');
  });
});

describe('America/Chicago: spring forward 2026-03-08 (02:00 CST -> 03:00 CDT)', () => {
  it('a daily 03:00 stays 03:00 local', () => {
    const times = preview('0 0 3 * * *', CHICAGO, '2026-03-06T00:00:00Z', 4);
    expect(iso(times)).toEqual([
      '2026-03-06T09:00:00.000Z',
      '2026-03-07T09:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
      '2026-03-09T08:00:00.000Z',
    ]);
    expect(local(times, CHICAGO)).toEqual([
      '2026-03-06 03:00:00 CST',
      '2026-03-07 03:00:00 CST',
      '2026-03-08 03:00:00 CDT',
      '2026-03-09 03:00:00 CDT',
    ]);
  });

  it('a daily 02:30, which does not exist that day, runs once at the end of the gap (03:00)', () => {
    const times = preview('0 30 2 * * *', CHICAGO, '2026-03-07T00:00:00Z', 3);
    expect(local(times, CHICAGO)).toEqual([
      '2026-03-07 02:30:00 CST',
      '2026-03-08 03:00:00 CDT',
      '2026-03-09 02:30:00 CDT',
    ]);
  });

  it('several skipped times make one run, and none extra when 03:00 matches anyway', () => {
    expect(local(preview('0 */15 2 * * *', CHICAGO, '2026-03-08T05:00:00Z', 2), CHICAGO)).toEqual([
      '2026-03-08 03:00:00 CDT',
      '2026-03-09 02:00:00 CDT',
    ]);
    expect(local(preview('0 0 2,3 * * *', CHICAGO, '2026-03-08T05:00:00Z', 3), CHICAGO)).toEqual([
      '2026-03-08 03:00:00 CDT',
      '2026-03-09 02:00:00 CDT',
      '2026-03-09 03:00:00 CDT',
    ]);
  });

  it('an hourly schedule runs every elapsed hour: 23 runs that day, none at 02:00', () => {
    const times = preview('0 0 * * * *', CHICAGO, '2026-03-08T05:30:00Z', 5);
    expect(local(times, CHICAGO)).toEqual([
      '2026-03-08 00:00:00 CST',
      '2026-03-08 01:00:00 CST',
      '2026-03-08 03:00:00 CDT',
      '2026-03-08 04:00:00 CDT',
      '2026-03-08 05:00:00 CDT',
    ]);
    const day = preview('@hourly', CHICAGO, '2026-03-08T05:59:59Z', 30).filter((d) =>
      local([d], CHICAGO)[0]?.startsWith('2026-03-08'),
    );
    expect(day).toHaveLength(23);
    // An "every hour at :30" schedule skips the nonexistent 02:30 instead of adding a 03:00 run.
    expect(local(preview('0 30 * * * *', CHICAGO, '2026-03-08T07:00:00Z', 2), CHICAGO)).toEqual([
      '2026-03-08 01:30:00 CST',
      '2026-03-08 03:30:00 CDT',
    ]);
  });
});

describe('America/Chicago: fall back 2026-11-01 (02:00 CDT -> 01:00 CST)', () => {
  it('a daily 03:00 stays 03:00 local', () => {
    const times = preview('0 0 3 * * *', CHICAGO, '2026-10-31T00:00:00Z', 3);
    expect(iso(times)).toEqual([
      '2026-10-31T08:00:00.000Z',
      '2026-11-01T09:00:00.000Z',
      '2026-11-02T09:00:00.000Z',
    ]);
    expect(local(times, CHICAGO)).toEqual([
      '2026-10-31 03:00:00 CDT',
      '2026-11-01 03:00:00 CST',
      '2026-11-02 03:00:00 CST',
    ]);
  });

  it('a daily 01:30, which happens twice that day, runs at its first occurrence only', () => {
    const times = preview('0 30 1 * * *', CHICAGO, '2026-10-31T00:00:00Z', 3);
    expect(local(times, CHICAGO)).toEqual([
      '2026-10-31 01:30:00 CDT',
      '2026-11-01 01:30:00 CDT',
      '2026-11-02 01:30:00 CST',
    ]);
    // Asked from inside the repeated hour (01:15 CST, the second pass): not run again.
    expect(
      iso([nextCronTime(parseCron('0 45 1 * * *'), new Date('2026-11-01T07:15:00Z'), CHICAGO)]),
    ).toEqual(['2026-11-02T07:45:00.000Z']);
    expect(
      iso([nextCronTime(parseCron('0 15 1 * * *'), new Date('2026-11-01T06:30:00Z'), CHICAGO)]),
    ).toEqual(['2026-11-02T07:15:00.000Z']);
  });

  it('a daily 02:30 (not repeated in Chicago) runs once', () => {
    expect(local(preview('0 30 2 * * *', CHICAGO, '2026-10-31T12:00:00Z', 2), CHICAGO)).toEqual([
      '2026-11-01 02:30:00 CST',
      '2026-11-02 02:30:00 CST',
    ]);
  });

  it('an hourly schedule runs in both 01:00 hours: 25 runs that day, an hour apart', () => {
    const times = preview('0 0 * * * *', CHICAGO, '2026-11-01T04:30:00Z', 4);
    expect(local(times, CHICAGO)).toEqual([
      '2026-11-01 00:00:00 CDT',
      '2026-11-01 01:00:00 CDT',
      '2026-11-01 01:00:00 CST',
      '2026-11-01 02:00:00 CST',
    ]);
    const day = preview('0 0 * * * *', CHICAGO, '2026-11-01T04:59:59Z', 30).filter((d) =>
      local([d], CHICAGO)[0]?.startsWith('2026-11-01'),
    );
    expect(day).toHaveLength(25);
    for (let i = 1; i < day.length; i++) {
      expect((day[i] as Date).getTime() - (day[i - 1] as Date).getTime()).toBe(3_600_000);
    }
    // From inside the second 01:00 hour, the next :45 is 01:45 CST; from 01:55 CDT, 01:10 CST.
    expect(
      iso([nextCronTime(parseCron('0 45 * * * *'), new Date('2026-11-01T07:15:00Z'), CHICAGO)]),
    ).toEqual(['2026-11-01T07:45:00.000Z']);
    expect(
      iso([nextCronTime(parseCron('0 10 * * * *'), new Date('2026-11-01T06:55:00Z'), CHICAGO)]),
    ).toEqual(['2026-11-01T07:10:00.000Z']);
  });
});

describe('Europe/Berlin: 2026-03-29 (02:00 CET -> 03:00 CEST) and 2026-10-25 (03:00 CEST -> 02:00 CET)', () => {
  it('a daily 03:00 stays 03:00 local across both changes', () => {
    expect(local(preview('0 0 3 * * *', BERLIN, '2026-03-27T12:00:00Z', 3), BERLIN)).toEqual([
      '2026-03-28 03:00:00 CET',
      '2026-03-29 03:00:00 CEST',
      '2026-03-30 03:00:00 CEST',
    ]);
    const fall = preview('0 0 3 * * *', BERLIN, '2026-10-23T12:00:00Z', 3);
    expect(local(fall, BERLIN)).toEqual([
      '2026-10-24 03:00:00 CEST',
      '2026-10-25 03:00:00 CET',
      '2026-10-26 03:00:00 CET',
    ]);
    expect(iso(fall)).toEqual([
      '2026-10-24T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-26T02:00:00.000Z',
    ]);
  });

  it('a daily 02:30: at the end of the gap in March, at the first occurrence in October', () => {
    expect(local(preview('0 30 2 * * *', BERLIN, '2026-03-27T12:00:00Z', 3), BERLIN)).toEqual([
      '2026-03-28 02:30:00 CET',
      '2026-03-29 03:00:00 CEST',
      '2026-03-30 02:30:00 CEST',
    ]);
    const fall = preview('0 30 2 * * *', BERLIN, '2026-10-23T12:00:00Z', 3);
    expect(local(fall, BERLIN)).toEqual([
      '2026-10-24 02:30:00 CEST',
      '2026-10-25 02:30:00 CEST',
      '2026-10-26 02:30:00 CET',
    ]);
    expect(iso(fall)[1]).toBe('2026-10-25T00:30:00.000Z');
  });

  it('an hourly schedule runs every elapsed hour', () => {
    expect(local(preview('@hourly', BERLIN, '2026-03-28T23:30:00Z', 3), BERLIN)).toEqual([
      '2026-03-29 01:00:00 CET',
      '2026-03-29 03:00:00 CEST',
      '2026-03-29 04:00:00 CEST',
    ]);
    expect(local(preview('@hourly', BERLIN, '2026-10-24T23:30:00Z', 3), BERLIN)).toEqual([
      '2026-10-25 02:00:00 CEST',
      '2026-10-25 02:00:00 CET',
      '2026-10-25 03:00:00 CET',
    ]);
  });
});

describe('other zones', () => {
  it('a 30-minute DST shift (Australia/Lord_Howe, 2026-10-04 02:00 -> 02:30)', () => {
    const times = preview('0 15 2 * * *', 'Australia/Lord_Howe', '2026-10-02T12:00:00Z', 3);
    expect(
      times.map((d) => formatGoTime(d, '2006-01-02 15:04 -07:00', 'Australia/Lord_Howe')),
    ).toEqual(['2026-10-03 02:15 +10:30', '2026-10-04 02:30 +11:00', '2026-10-05 02:15 +11:00']);
  });

  it('a zone without DST (Asia/Kolkata, +05:30)', () => {
    expect(iso(preview('0 0 9 * * *', 'Asia/Kolkata', '2026-01-01T00:00:00Z', 2))).toEqual([
      '2026-01-01T03:30:00.000Z',
      '2026-01-02T03:30:00.000Z',
    ]);
  });

  it('@every ignores the zone', () => {
    expect(iso(preview('@every 1h', CHICAGO, '2026-03-08T07:30:00Z', 2))).toEqual([
      '2026-03-08T08:30:00.000Z',
      '2026-03-08T09:30:00.000Z',
    ]);
  });
});
