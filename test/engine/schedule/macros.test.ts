import { describe, expect, it } from 'vitest';
import {
  KFP_DEFAULT_TIME_LAYOUT,
  RFC3339_LAYOUT,
  formatGoTime,
  hasMacros,
  substituteMacros,
  substituteParameterMacros,
  type MacroValues,
} from '../../../kernel-lib/src/engine/schedule';
import { utc } from './helpers';

/** Sunday 2026-03-08 09:05:07 UTC (04:05:07 CDT). */
const VALUES: MacroValues = {
  scheduledTime: utc('2026-03-08T09:05:07Z'),
  currentTime: utc('2026-03-08T09:05:09.987Z'),
  index: 12,
  runUuid: '5f1c2a9e-0b7d-4f49-9a8e-2d3c1b0a9f87',
};

const sub = (text: string, values: MacroValues = VALUES) => substituteMacros(text, values);

describe('KFP run-parameter macros', () => {
  it('[[ScheduledTime]] and [[CurrentTime]] use KFP default layout 20060102150405, in UTC', () => {
    expect(KFP_DEFAULT_TIME_LAYOUT).toBe('20060102150405');
    expect(sub('[[ScheduledTime]]')).toBe('20260308090507');
    expect(sub('[[CurrentTime]]')).toBe('20260308090509');
  });

  it('[[ScheduledTime.<layout>]] with Go layouts', () => {
    expect(sub('[[ScheduledTime.2006-01-02]]')).toBe('2026-03-08');
    expect(sub('[[ScheduledTime.20060102]]')).toBe('20260308');
    expect(sub(`[[ScheduledTime.${RFC3339_LAYOUT}]]`)).toBe('2026-03-08T09:05:07Z');
    expect(sub('[[ScheduledTime.Mon Jan _2 15:04:05 MST 2006]]')).toBe(
      'Sun Mar  8 09:05:07 UTC 2026',
    );
    expect(sub('[[ScheduledTime.Monday, 02-Jan-06 15:04:05 MST]]')).toBe(
      'Sunday, 08-Mar-26 09:05:07 UTC',
    );
    expect(sub('[[ScheduledTime.3:04PM]]')).toBe('9:05AM');
    expect(sub('[[ScheduledTime.January 2, 2006 03:04:05 pm]]')).toBe('March 8, 2026 09:05:07 am');
    expect(sub('[[ScheduledTime.2006-01-02 15:04:05.000 -0700]]')).toBe(
      '2026-03-08 09:05:07.000 +0000',
    );
    expect(sub('[[ScheduledTime.002|__2|1/2/06|4m5s]]')).toBe('067| 67|3/8/26|5m7s');
    expect(sub('[[ScheduledTime.]]')).toBe('');
  });

  it('[[CurrentTime.<layout>]] is whole seconds, as KFP (which formats Unix seconds)', () => {
    expect(sub('[[CurrentTime.15:04:05.000]]')).toBe('09:05:09.000');
    expect(sub('[[CurrentTime.15:04:05.999]]')).toBe('09:05:09');
  });

  it('[[Index]] and [[RunUUID]]; anywhere in the string, several times', () => {
    expect(sub('run [[Index]] of daily')).toBe('run 12 of daily');
    expect(sub('[[RunUUID]]')).toBe(VALUES.runUuid);
    expect(sub('gs://bucket/[[ScheduledTime.2006/01/02]]/[[Index]]-[[Index]].csv')).toBe(
      'gs://bucket/2026/03/08/12-12.csv',
    );
  });

  it('leaves unknown macros, and macros without a value (a one-off run), as written', () => {
    expect(sub('[[Foo]] [[scheduledtime]] [[ Index ]] [[Index')).toBe(
      '[[Foo]] [[scheduledtime]] [[ Index ]] [[Index',
    );
    const oneOff: MacroValues = { currentTime: VALUES.currentTime, runUuid: 'r1' };
    expect(sub('[[ScheduledTime]]/[[Index]]/[[CurrentTime.2006]]/[[RunUUID]]', oneOff)).toBe(
      '[[ScheduledTime]]/[[Index]]/2026/r1',
    );
    expect(sub('{{$.pipeline_job_schedule_time_utc}}')).toBe(
      '{{$.pipeline_job_schedule_time_utc}}',
    );
  });

  it('formats in the schedule time zone when given one', () => {
    const chicago = { ...VALUES, timeZone: 'America/Chicago' };
    expect(sub('[[ScheduledTime.2006-01-02 15:04 MST -07:00]]', chicago)).toBe(
      '2026-03-08 04:05 CDT -05:00',
    );
    expect(sub('[[ScheduledTime]]', chicago)).toBe('20260308040507');
    expect(
      sub(`[[ScheduledTime.${RFC3339_LAYOUT}]]`, { ...VALUES, timeZone: 'Europe/Berlin' }),
    ).toBe('2026-03-08T10:05:07+01:00');
  });

  it('substitutes in every string of a run parameters, also nested, and nothing else', () => {
    const out = substituteParameterMacros(
      {
        day: '[[ScheduledTime.2006-01-02]]',
        epochs: 25,
        retrain: true,
        paths: ['a/[[Index]]', 7],
        config: { name: 'run-[[Index]]', '[[Index]]': null },
      },
      VALUES,
    );
    expect(out).toEqual({
      day: '2026-03-08',
      epochs: 25,
      retrain: true,
      paths: ['a/12', 7],
      config: { name: 'run-12', '[[Index]]': null },
    });
    expect(hasMacros('x [[Index]]')).toBe(true);
    expect(hasMacros('[[CurrentTime.2006]]')).toBe(true);
    expect(hasMacros('x [[Foo]]')).toBe(false);
  });
});

describe('formatGoTime', () => {
  const at = utc('2026-07-04T18:05:09.120Z');

  it('fractional seconds: 0s keep the width, 9s drop trailing zeros', () => {
    expect(formatGoTime(at, '05.000')).toBe('09.120');
    expect(formatGoTime(at, '05.999')).toBe('09.12');
    expect(formatGoTime(at, '05,000000')).toBe('09,120000');
    expect(formatGoTime(utc('2026-07-04T18:05:09Z'), '05.999')).toBe('09');
    // A digit after the run means it is not a fraction: '.', '0', then '01' (the month).
    expect(formatGoTime(at, '.001')).toBe('.007');
  });

  it('zone offsets and abbreviations', () => {
    expect(formatGoTime(at, 'MST -0700 -07:00 -07 Z07:00 Z0700', 'America/Chicago')).toBe(
      'CDT -0500 -05:00 -05 -05:00 -0500',
    );
    expect(formatGoTime(at, 'MST Z07:00 -07:00:00 -070000')).toBe('UTC Z +00:00:00 +000000');
    expect(formatGoTime(at, 'MST Z0700', 'Asia/Kolkata')).toBe('+0530 +0530');
  });

  it('12-hour clocks and plain numbers', () => {
    expect(formatGoTime(at, '3:04:05 PM, 03 pm, 15h, 1/2 _2 2')).toBe(
      '6:05:09 PM, 06 pm, 18h, 7/4  4 4',
    );
    expect(formatGoTime(utc('2026-07-04T00:30:00Z'), '3:04 PM')).toBe('12:30 AM');
    expect(formatGoTime(utc('2026-07-04T12:30:00Z'), '3:04 PM')).toBe('12:30 PM');
    expect(formatGoTime(at, '_2006')).toBe('_2026');
    expect(formatGoTime(at, 'Monday Mon January Jan')).toBe('Saturday Sat July Jul');
  });
});
