import { describe, expect, it } from 'vitest';
import { PipelabError } from '../../../kernel-lib/src/errors';
import {
  CronError,
  DurationError,
  ScheduleError,
  nextCronTime,
  parseCron,
  parseGoDuration,
  previewFireTimes,
} from '../../../kernel-lib/src/engine/schedule';
import { iso } from './helpers';

/** Thursday 2026-01-01, midnight UTC. */
const NEW_YEAR = new Date('2026-01-01T00:00:00Z');

function fires(cron: string, count = 4, from = NEW_YEAR): (string | undefined)[] {
  return iso(previewFireTimes({ cron_schedule: { cron } }, { from, count }));
}

function cronError(cron: string): CronError {
  try {
    parseCron(cron);
  } catch (e) {
    if (e instanceof CronError) return e;
    throw e;
  }
  throw new Error(`expected '${cron}' to be rejected`);
}

describe('parseCron: syntax and next fire times (UTC)', () => {
  it('reads 6 fields with seconds first: 0 0 3 * * * is daily at 03:00:00', () => {
    expect(fires('0 0 3 * * *', 3)).toEqual([
      '2026-01-01T03:00:00.000Z',
      '2026-01-02T03:00:00.000Z',
      '2026-01-03T03:00:00.000Z',
    ]);
    const parsed = parseCron('0 0 3 * * *');
    expect(parsed.kind).toBe('fields');
    if (parsed.kind === 'fields') expect(parsed.fields.hours).toEqual([3]);
  });

  it('steps: */n, a-b/n and a/n (= a-max/n, as robfig)', () => {
    expect(fires('*/15 * * * * *')).toEqual([
      '2026-01-01T00:00:15.000Z',
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:00:45.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
    expect(fires('0 */20 * * * *', 3)).toEqual([
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:40:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
    expect(fires('0 0 9-17/4 * * *')).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-01T13:00:00.000Z',
      '2026-01-01T17:00:00.000Z',
      '2026-01-02T09:00:00.000Z',
    ]);
    expect(fires('0 0 20/2 * * *', 3)).toEqual([
      '2026-01-01T20:00:00.000Z',
      '2026-01-01T22:00:00.000Z',
      '2026-01-02T20:00:00.000Z',
    ]);
    expect(fires('*/45 * * * * *', 3)).toEqual([
      '2026-01-01T00:00:45.000Z',
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:01:45.000Z',
    ]);
  });

  it('lists and ranges', () => {
    expect(fires('0 0 1,13 * * *', 3)).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T13:00:00.000Z',
      '2026-01-02T01:00:00.000Z',
    ]);
    expect(fires('0 30 8-9 * * *', 3)).toEqual([
      '2026-01-01T08:30:00.000Z',
      '2026-01-01T09:30:00.000Z',
      '2026-01-02T08:30:00.000Z',
    ]);
    expect(fires('0 0 6 1,15-16 * *', 3)).toEqual([
      '2026-01-01T06:00:00.000Z',
      '2026-01-15T06:00:00.000Z',
      '2026-01-16T06:00:00.000Z',
    ]);
  });

  it('day names SUN-SAT and month names JAN-DEC, case-insensitive, also in ranges', () => {
    // Strictly after Thursday midnight: Friday, then Monday and Tuesday.
    expect(fires('0 0 0 * * MON-FRI', 3)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-05T00:00:00.000Z',
      '2026-01-06T00:00:00.000Z',
    ]);
    expect(fires('0 0 0 * * mon-fri', 3)).toEqual(fires('0 0 0 * * 1-5', 3));
    expect(fires('0 0 0 1 jan,Jul *', 3)).toEqual([
      '2026-07-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
      '2027-07-01T00:00:00.000Z',
    ]);
    expect(fires('0 0 0 1 JAN-MAR *', 3)).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ]);
    expect(fires('0 0 0 * * MON/2', 3)).toEqual([
      '2026-01-02T00:00:00.000Z', // Fri
      '2026-01-05T00:00:00.000Z', // Mon
      '2026-01-07T00:00:00.000Z', // Wed
    ]);
  });

  it('day-of-week 0 is Sunday, like SUN', () => {
    expect(fires('0 0 0 * * 0', 2)).toEqual([
      '2026-01-04T00:00:00.000Z',
      '2026-01-11T00:00:00.000Z',
    ]);
    expect(fires('0 0 0 * * SUN', 2)).toEqual(fires('0 0 0 * * 0', 2));
  });

  it('? is * in the day fields', () => {
    expect(fires('0 0 12 ? * SUN', 3)).toEqual([
      '2026-01-04T12:00:00.000Z',
      '2026-01-11T12:00:00.000Z',
      '2026-01-18T12:00:00.000Z',
    ]);
    expect(fires('0 0 12 15 * ?', 2)).toEqual([
      '2026-01-15T12:00:00.000Z',
      '2026-02-15T12:00:00.000Z',
    ]);
  });

  it('day-of-month and day-of-week both restricted: a day matches when either does', () => {
    // The 13th of each month, and every Friday.
    expect(fires('0 0 0 13 * FRI', 4)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
    ]);
  });

  it('a day field starting with * (even */n) makes the day match both fields, as robfig', () => {
    // Odd days of the month that are Mondays.
    expect(fires('0 0 0 */2 * MON', 3)).toEqual([
      '2026-01-05T00:00:00.000Z',
      '2026-01-19T00:00:00.000Z',
      '2026-02-09T00:00:00.000Z',
    ]);
  });

  it('Feb 29 schedules wait for leap years', () => {
    expect(fires('0 0 0 29 2 *', 2)).toEqual([
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
    ]);
  });

  it('descriptors', () => {
    expect(fires('@yearly', 1)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(fires('@annually', 1)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(fires('@monthly', 2)).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    expect(fires('@weekly', 2)).toEqual(['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']);
    expect(fires('@daily', 2)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
    expect(fires('@midnight', 1)).toEqual(['2026-01-02T00:00:00.000Z']);
    expect(fires('@hourly', 2)).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']);
    expect(parseCron('@daily').source).toBe('@daily');
  });

  it('@every <Go duration>', () => {
    expect(parseCron('@every 1h30m')).toEqual({
      kind: 'every',
      source: '@every 1h30m',
      everySeconds: 5400,
    });
    expect(parseCron('@every 90s')).toMatchObject({ everySeconds: 90 });
    expect(parseCron('@every 1.5h')).toMatchObject({ everySeconds: 5400 });
    // On its own (no trigger anchor) an @every fires one interval after the given time.
    expect(nextCronTime(parseCron('@every 90s'), new Date('2026-01-01T00:00:00.700Z'))).toEqual(
      new Date('2026-01-01T00:01:30Z'),
    );
    expect(fires('@every 90s', 2)).toEqual([
      '2026-01-01T00:01:30.000Z',
      '2026-01-01T00:03:00.000Z',
    ]);
  });

  it('tolerates extra whitespace and leading zeros', () => {
    expect(fires('  00  05\t03 * * *  ', 1)).toEqual(['2026-01-01T03:05:00.000Z']);
  });

  it('fires strictly after the given time, to the second', () => {
    const daily = parseCron('0 0 3 * * *');
    expect(nextCronTime(daily, new Date('2026-01-01T03:00:00Z'))).toEqual(
      new Date('2026-01-02T03:00:00Z'),
    );
    expect(nextCronTime(daily, new Date('2026-01-01T02:59:59.999Z'))).toEqual(
      new Date('2026-01-01T03:00:00Z'),
    );
  });
});

describe('parseCron: errors say what is wrong and how to fix it', () => {
  it('a 5-field (classic crontab) expression: add the seconds field', () => {
    const e = cronError('0 3 * * *');
    expect(e.message).toContain("KFP's cron has a seconds field first: write '0 0 3 * * *'");
    expect(cronError('*/5 * * * *').message).toContain("write '0 */5 * * * *'");
  });

  it('too many or too few fields', () => {
    expect(cronError('0 0 3 * * * 2026').message).toMatch(/has 7 fields; KFP's cron has exactly 6/);
    expect(cronError('0 0 3 * * * 2026').message).toContain('no year field');
    expect(cronError('0 0 3').message).toMatch(/has 3 fields; KFP's cron needs 6/);
    expect(cronError('   ').message).toMatch(/empty: write 6 fields/);
  });

  it('a value out of range names the field and its range', () => {
    expect(cronError('60 * * * * *').message).toContain('the second field takes 0-59');
    expect(cronError('0 60 * * * *').message).toContain('the minute field takes 0-59');
    const hour = cronError('0 0 24 * * *');
    expect(hour.message).toContain('24 is out of range: the hour field takes 0-23');
    expect(hour.cronField).toBe('hour');
    expect(cronError('0 0 0 0 * *').message).toContain('the day-of-month field takes 1-31');
    expect(cronError('0 0 0 32 * *').message).toContain('the day-of-month field takes 1-31');
    expect(cronError('0 0 0 1 13 *').message).toContain('the month field takes 1-12 or JAN-DEC');
    expect(cronError('0 0 0 * 0 *').message).toContain('the month field takes 1-12');
    expect(cronError('0 0 0 1-40 * *').message).toContain('40 is out of range');
  });

  it('day-of-week 7 is rejected as robfig does, with the fix', () => {
    const e = cronError('0 0 0 * * 7');
    expect(e.message).toContain('the day-of-week field takes 0-6 (0 = Sunday) or SUN-SAT');
    expect(e.message).toContain('write 0 or SUN');
    expect(cronError('0 0 0 * * 5-7').message).toContain('write 0 or SUN');
  });

  it('unknown names', () => {
    expect(cronError('0 0 0 * FOO *').message).toContain(
      "'FOO' is not a number or a month name: the month field takes 1-12 or JAN-DEC",
    );
    expect(cronError('0 0 0 * * XYZ').message).toContain("'XYZ' is not a number or a day name");
    expect(cronError('0 0 MON * * *').message).toContain(
      'names are only allowed in the month (JAN-DEC) and day-of-week (SUN-SAT) fields',
    );
    expect(cronError('0 0 0 * * MONDAY').message).toContain(
      "write day names with 3 letters: 'MON'",
    );
    expect(cronError('0 0 0 * January *').message).toContain("3 letters: 'JAN'");
    expect(cronError('0 0 x * * *').message).toContain(
      "'x' is not a number: the hour field takes 0-23",
    );
    expect(cronError('0 0 0 L * *').message).toContain("Quartz's L/W/# syntax");
    expect(cronError('0 0 0 * * 5#3').message).toContain("Quartz's L/W/# syntax");
  });

  it('bad steps', () => {
    expect(cronError('*/0 * * * * *').message).toContain(
      "the step '/0' in '*/0' must be a whole number of at least 1",
    );
    expect(cronError('0 */x * * * *').message).toContain("the step '/x'");
    expect(cronError('0 */ * * * *').message).toContain("the step '/'");
    expect(cronError('0 1/2/3 * * * *').message).toContain("more than one '/'");
  });

  it('empty list items, bad ranges, negative values', () => {
    const e = cronError('0 1,,2 * * * *');
    expect(e.message).toContain('a list item is empty: remove the extra comma');
    expect(e.cronField).toBe('minute');
    expect(cronError('0 1, * * * *').message).toContain('a list item is empty');
    expect(cronError('0 0 5-2 * * *').message).toContain("the range '5-2' runs backwards");
    expect(cronError('0 0 5- * * *').message).toContain("'5-' is missing a value");
    expect(cronError('0 0 -5 * * *').message).toContain('values cannot be negative');
    expect(cronError('0 0 1-2-3 * * *').message).toContain("more than one '-'");
  });

  it('descriptors', () => {
    expect(cronError('@Daily').message).toContain(
      "descriptors are lowercase in KFP's cron: write '@daily'",
    );
    expect(cronError('@fortnightly').message).toMatch(
      /Unknown cron descriptor '@fortnightly': use one of @yearly/,
    );
    expect(cronError('@daily 3').message).toContain('takes nothing after it');
    expect(cronError('@every').message).toContain(
      "needs a Go duration after it, e.g. '@every 1h30m'",
    );
    expect(cronError('@every 500ms').message).toContain("the shortest '@every' interval is 1s");
    expect(cronError('@every 1.5s').message).toContain('a whole number of seconds');
    expect(cronError('@every 1d').message).toContain("write hours, e.g. '24h'");
    expect(cronError('@every 10x').message).toContain("unknown unit 'x'");
    expect(cronError('@reboot').message).toContain('not a schedule');
  });

  it('an expression that can never fire', () => {
    expect(cronError('0 0 0 30 2 *').message).toContain(
      "Cron '0 0 0 30 2 *' can never fire: day 30 does not occur in FEB",
    );
    expect(cronError('0 0 0 31 APR,JUN *').message).toContain('can never fire');
    // With both day fields restricted the days of week still fire, so it is valid.
    expect(() => parseCron('0 0 0 30 2 MON')).not.toThrow();
  });

  it('errors are PipelabErrors carrying the expression, the cron field and the request field', () => {
    const e = cronError('0 0 24 * * *');
    expect(e).toBeInstanceOf(PipelabError);
    expect(e).toBeInstanceOf(ScheduleError);
    expect(e.name).toBe('CronError');
    expect(e.code).toBe('INVALID_CRON');
    expect(e.expression).toBe('0 0 24 * * *');
    try {
      parseCron('0 3 * * *', { field: 'trigger.cron_schedule.cron' });
    } catch (err) {
      expect((err as CronError).field).toBe('trigger.cron_schedule.cron');
    }
  });
});

describe('parseGoDuration', () => {
  const S = 1_000_000_000n;
  it('reads Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5400n * S);
    expect(parseGoDuration('90s')).toBe(90n * S);
    expect(parseGoDuration('1.5h')).toBe(5400n * S);
    expect(parseGoDuration('300ms')).toBe(300_000_000n);
    expect(parseGoDuration('2us')).toBe(2000n);
    expect(parseGoDuration('2µs')).toBe(2000n);
    expect(parseGoDuration('.5s')).toBe(S / 2n);
    expect(parseGoDuration('-2m')).toBe(-120n * S);
    expect(parseGoDuration('0')).toBe(0n);
    expect(parseGoDuration('1h0m0s')).toBe(3600n * S);
  });

  it('rejects what Go rejects, saying why', () => {
    const message = (text: string) => {
      try {
        parseGoDuration(text);
      } catch (e) {
        expect(e).toBeInstanceOf(DurationError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(message('')).toContain('is empty');
    expect(message('10')).toContain('a number without a unit');
    expect(message('1d')).toContain("write hours, e.g. '24h'");
    expect(message('5y')).toContain("unknown unit 'y'");
    expect(message('h')).toContain('no number');
    expect(message('.s')).toContain('no number');
    expect(message('3000000h')).toContain('too long');
  });
});
