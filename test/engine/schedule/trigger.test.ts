import { describe, expect, it } from 'vitest';
import {
  CronError,
  InvalidTimeZoneError,
  InvalidTriggerError,
  isValidTrigger,
  latestFireTime,
  nextFireTime,
  previewFireTimes,
  validateTrigger,
  type Trigger,
} from '../../../kernel-lib/src/engine/schedule';
import { iso, utc } from './helpers';

const hourly = (extra: Partial<{ start_time: string; end_time: string }> = {}): Trigger => ({
  periodic_schedule: { interval_second: '3600', ...extra },
});

function triggerError(trigger: unknown, field?: string): InvalidTriggerError | CronError {
  try {
    validateTrigger(trigger as Trigger, field === undefined ? {} : { field });
  } catch (e) {
    if (e instanceof InvalidTriggerError || e instanceof CronError) return e;
    throw e;
  }
  throw new Error('expected the trigger to be rejected');
}

describe('validateTrigger', () => {
  it('resolves a cron trigger: parsed, zone defaulted to UTC, times truncated to the second', () => {
    const t = validateTrigger({
      cron_schedule: {
        cron: '0 0 3 * * *',
        start_time: '2026-03-01T00:00:00.750Z',
        end_time: new Date('2026-04-01T00:00:00Z'),
      },
    });
    expect(t.kind).toBe('cron');
    if (t.kind !== 'cron') return;
    expect(t.timeZone).toBe('UTC');
    expect(t.cron.source).toBe('0 0 3 * * *');
    expect(t.startTime).toEqual(utc('2026-03-01T00:00:00Z'));
    expect(t.endTime).toEqual(utc('2026-04-01T00:00:00Z'));
    const zoned = validateTrigger({
      cron_schedule: { cron: '@daily', time_zone: 'europe/berlin' },
    });
    expect(zoned).toMatchObject({ kind: 'cron', timeZone: 'Europe/Berlin' });
  });

  it('resolves a periodic trigger; interval_second may be the API int64 string or a number', () => {
    expect(validateTrigger(hourly())).toMatchObject({ kind: 'periodic', intervalSeconds: 3600 });
    expect(validateTrigger({ periodic_schedule: { interval_second: 90 } })).toMatchObject({
      intervalSeconds: 90,
    });
    // A resolved trigger passes through.
    const resolved = validateTrigger(hourly());
    expect(validateTrigger(resolved)).toBe(resolved);
    // Null members, as some JSON encoders write them, are absent.
    expect(
      validateTrigger({
        cron_schedule: null,
        periodic_schedule: { interval_second: '60', start_time: null },
      }),
    ).toMatchObject({ kind: 'periodic', startTime: undefined });
  });

  it('interval_second must be a positive whole number', () => {
    for (const bad of ['0', 0, '-5', -5, '1.5', 1.5, 'abc', '', undefined]) {
      const e = triggerError({ periodic_schedule: { interval_second: bad } });
      expect(e.message).toContain(
        'trigger.periodic_schedule.interval_second must be a whole number of seconds, at least 1',
      );
      expect(e.field).toBe('trigger.periodic_schedule.interval_second');
    }
  });

  it('end_time must be after start_time', () => {
    const e = triggerError(
      hourly({ start_time: '2026-03-02T00:00:00Z', end_time: '2026-03-01T00:00:00Z' }),
    );
    expect(e.message).toContain(
      'trigger.periodic_schedule.end_time (2026-03-01T00:00:00.000Z) is not after trigger.periodic_schedule.start_time',
    );
    expect(e.message).toContain('move end_time later');
    expect(e.field).toBe('trigger.periodic_schedule.end_time');
    const same = triggerError({
      cron_schedule: {
        cron: '@daily',
        start_time: '2026-03-01T00:00:00Z',
        end_time: '2026-03-01T00:00:00Z',
      },
    });
    expect(same.field).toBe('trigger.cron_schedule.end_time');
  });

  it('times must be RFC 3339 with a zone', () => {
    const e = triggerError(hourly({ start_time: '2026-03-08 03:00' }));
    expect(e.message).toContain(
      "trigger.periodic_schedule.start_time '2026-03-08 03:00' is not an RFC 3339 time with a zone: write e.g. '2026-03-08T03:00:00Z'",
    );
    expect(triggerError(hourly({ end_time: '2026-13-01T00:00:00Z' })).field).toBe(
      'trigger.periodic_schedule.end_time',
    );
    expect(
      triggerError({ periodic_schedule: { interval_second: '60', start_time: new Date('nope') } })
        .message,
    ).toContain('invalid Date');
    expect(() =>
      validateTrigger(hourly({ start_time: '2026-03-08T03:00:00-06:00' })),
    ).not.toThrow();
  });

  it('exactly one of cron_schedule and periodic_schedule', () => {
    expect(triggerError({}).message).toContain(
      'trigger has neither cron_schedule nor periodic_schedule: set one',
    );
    expect(
      triggerError({
        cron_schedule: { cron: '@daily' },
        periodic_schedule: { interval_second: '60' },
      }).message,
    ).toContain('has both cron_schedule and periodic_schedule: keep one of them');
    expect(triggerError(null).message).toContain('trigger is required');
    expect(triggerError({ cron_schedule: {} }).message).toContain(
      'trigger.cron_schedule.cron is required',
    );
  });

  it('time_zone belongs to cron schedules only', () => {
    const e = triggerError({ periodic_schedule: { interval_second: '60', time_zone: 'UTC' } });
    expect(e.message).toContain('time_zone is not allowed');
    expect(e.field).toBe('trigger.periodic_schedule.time_zone');
  });

  it('cron and time zone errors carry the request field, under a given prefix', () => {
    const e = triggerError({ cron_schedule: { cron: '0 3 * * *' } }, 'recurring_run.trigger');
    expect(e).toBeInstanceOf(CronError);
    expect(e.field).toBe('recurring_run.trigger.cron_schedule.cron');
    expect(e.message).toContain("write '0 0 3 * * *'");
    try {
      validateTrigger({ cron_schedule: { cron: '@daily', time_zone: 'Chicago' } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidTimeZoneError);
      expect((err as InvalidTimeZoneError).field).toBe('trigger.cron_schedule.time_zone');
    }
    expect(isValidTrigger(hourly())).toBe(true);
    expect(isValidTrigger({ cron_schedule: { cron: 'nope' } })).toBe(false);
  });
});

describe('nextFireTime: periodic', () => {
  it('with start_time: start + k * interval, the first one interval after the start (as KFP)', () => {
    const t = hourly({ start_time: '2026-01-01T00:00:00Z' });
    expect(nextFireTime(t, utc('2025-12-31T00:00:00Z'))).toEqual(utc('2026-01-01T01:00:00Z'));
    expect(nextFireTime(t, utc('2026-01-01T00:00:00Z'))).toEqual(utc('2026-01-01T01:00:00Z'));
    expect(nextFireTime(t, utc('2026-01-01T05:30:00Z'))).toEqual(utc('2026-01-01T06:00:00Z'));
    expect(nextFireTime(t, utc('2026-01-01T06:00:00Z'))).toEqual(utc('2026-01-01T07:00:00Z'));
    // The anchor option does not move a schedule that has a start_time.
    expect(
      nextFireTime(t, utc('2026-01-01T05:30:00Z'), { anchor: utc('2026-01-01T00:20:00Z') }),
    ).toEqual(utc('2026-01-01T06:00:00Z'));
  });

  it('without start_time: anchored at the recurring run creation time (the anchor)', () => {
    const t: Trigger = { periodic_schedule: { interval_second: 600 } };
    const anchor = utc('2026-01-01T00:10:00.456Z');
    expect(nextFireTime(t, utc('2026-01-01T00:25:00Z'), { anchor })).toEqual(
      utc('2026-01-01T00:30:00Z'),
    );
    expect(nextFireTime(t, utc('2026-01-01T00:00:00Z'), { anchor })).toEqual(
      utc('2026-01-01T00:20:00Z'),
    );
    // No anchor either: one interval after `after`.
    expect(nextFireTime(t, utc('2026-01-01T00:25:07Z'))).toEqual(utc('2026-01-01T00:35:07Z'));
  });

  it('end_time is inclusive; after it the trigger never fires', () => {
    const t = hourly({ start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-01T03:00:00Z' });
    expect(iso(previewFireTimes(t, { from: utc('2025-01-01T00:00:00Z'), count: 10 }))).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(nextFireTime(t, utc('2026-01-01T03:00:00Z'))).toBeUndefined();
    const endOnly = hourly({ end_time: '2026-01-01T02:30:00Z' });
    expect(
      iso(previewFireTimes(endOnly, { from: utc('2026-01-01T00:00:00Z'), count: 10 })),
    ).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']);
  });

  it('a start_time in the future: nothing before it', () => {
    const t = hourly({ start_time: '2026-06-01T12:00:00Z' });
    expect(nextFireTime(t, utc('2026-01-01T00:00:00Z'))).toEqual(utc('2026-06-01T13:00:00Z'));
  });
});

describe('nextFireTime: cron', () => {
  it('the first fire time is strictly after start_time', () => {
    const on = { cron_schedule: { cron: '0 0 3 * * *', start_time: '2026-03-01T03:00:00Z' } };
    expect(nextFireTime(on, utc('2026-01-01T00:00:00Z'))).toEqual(utc('2026-03-02T03:00:00Z'));
    const before = { cron_schedule: { cron: '0 0 3 * * *', start_time: '2026-03-01T02:00:00Z' } };
    expect(nextFireTime(before, utc('2026-01-01T00:00:00Z'))).toEqual(utc('2026-03-01T03:00:00Z'));
  });

  it('stops at end_time (inclusive)', () => {
    const t = { cron_schedule: { cron: '@daily', end_time: '2026-03-03T00:00:00Z' } };
    expect(iso(previewFireTimes(t, { from: utc('2026-03-01T00:00:00Z'), count: 5 }))).toEqual([
      '2026-03-02T00:00:00.000Z',
      '2026-03-03T00:00:00.000Z',
    ]);
  });

  it('@every is anchored like a periodic schedule', () => {
    const t = { cron_schedule: { cron: '@every 90s', start_time: '2026-01-01T00:00:00Z' } };
    expect(nextFireTime(t, utc('2026-01-01T00:04:00Z'))).toEqual(utc('2026-01-01T00:04:30Z'));
    const unanchored = { cron_schedule: { cron: '@every 1h' } };
    expect(
      nextFireTime(unanchored, utc('2026-01-01T05:00:00Z'), {
        anchor: utc('2026-01-01T00:15:00Z'),
      }),
    ).toEqual(utc('2026-01-01T05:15:00Z'));
  });
});

describe('previewFireTimes', () => {
  it('lists 5 by default, oldest first', () => {
    const times = previewFireTimes(
      { cron_schedule: { cron: '0 0 3 * * *' } },
      { from: utc('2026-01-01T00:00:00Z') },
    );
    expect(times).toHaveLength(5);
    expect(times[4]).toEqual(utc('2026-01-05T03:00:00Z'));
  });

  it('keeps an unanchored periodic schedule on one grid', () => {
    const times = previewFireTimes(
      { periodic_schedule: { interval_second: 900 } },
      { from: utc('2026-01-01T00:07:00Z'), count: 3 },
    );
    expect(iso(times)).toEqual([
      '2026-01-01T00:22:00.000Z',
      '2026-01-01T00:37:00.000Z',
      '2026-01-01T00:52:00.000Z',
    ]);
  });

  it('rejects a bad count', () => {
    for (const count of [0, 1001, 1.5]) {
      expect(() => previewFireTimes(hourly(), { count })).toThrow(
        /count must be a whole number from 1 to 1000/,
      );
    }
  });
});

describe('latestFireTime', () => {
  it('finds the latest fire time in (after, until] without walking them all', () => {
    const everySecond = { cron_schedule: { cron: '* * * * * *' } };
    const started = Date.now();
    expect(
      latestFireTime(everySecond, {
        after: utc('2020-01-01T00:00:00Z'),
        until: utc('2026-01-04T12:34:56.789Z'),
      }),
    ).toEqual(utc('2026-01-04T12:34:56Z'));
    expect(Date.now() - started).toBeLessThan(500);
    const daily = { cron_schedule: { cron: '0 0 3 * * *' } };
    expect(
      latestFireTime(daily, {
        after: utc('2026-01-01T03:00:00Z'),
        until: utc('2026-01-04T12:00:00Z'),
      }),
    ).toEqual(utc('2026-01-04T03:00:00Z'));
    expect(
      latestFireTime(daily, {
        after: utc('2026-01-04T03:00:00Z'),
        until: utc('2026-01-04T12:00:00Z'),
      }),
    ).toBeUndefined();
  });

  it('in a zone, across a DST change', () => {
    const t = { cron_schedule: { cron: '0 30 2 * * *', time_zone: 'America/Chicago' } };
    expect(
      latestFireTime(t, { after: utc('2026-03-07T08:30:00Z'), until: utc('2026-03-08T12:00:00Z') }),
    ).toEqual(utc('2026-03-08T08:00:00Z'));
  });

  it('on a periodic grid, capped by end_time', () => {
    const t = hourly({ start_time: '2026-01-01T00:00:00Z' });
    const window = { after: utc('2026-01-01T00:00:00Z'), until: utc('2026-01-01T05:30:00Z') };
    expect(latestFireTime(t, window)).toEqual(utc('2026-01-01T05:00:00Z'));
    const ending = hourly({ start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-01T03:00:00Z' });
    expect(latestFireTime(ending, window)).toEqual(utc('2026-01-01T03:00:00Z'));
  });
});
