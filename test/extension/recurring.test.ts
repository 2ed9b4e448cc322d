/**
 * The extension's recurring-run triggers (extension/src/recurring), which run the engine's own
 * scheduling library in the browser (`pipelab/schedule`, from kernel-lib/dist): the form's checks
 * in the library's words, and the fire times computed for a server without a preview. Also that
 * the library stays something a browser can run. Like the extension, it imports the library as
 * the package subpath, so kernel-lib must be built (`npm run build -w kernel-lib`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelabRecurringRun } from '../../kernel-lib/src/client';
import { checkCron, checkTimeZone, fireTimes } from '../../extension/src/recurring/cron';
import {
  describeInterval,
  describeTrigger,
  nextFireTime,
  nextFireTimes,
} from '../../extension/src/recurring/trigger';

const ROOT = path.resolve(__dirname, '..', '..');

function message(check: { ok: true } | { ok: false; message: string }): string {
  return check.ok ? '' : check.message;
}

const chicago = (t: Date): string =>
  t.toLocaleString('sv-SE', {
    timeZone: 'America/Chicago',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });

describe('checkCron', () => {
  it('accepts what the engine accepts', () => {
    for (const cron of ['0 0 2 * * *', '0 30 6 * * MON-FRI', '@daily', '@every 1h30m']) {
      expect(checkCron(cron).ok, cron).toBe(true);
    }
  });

  it('refuses a cron that can never fire, saying which fields', () => {
    expect(message(checkCron('0 0 0 30 2 *'))).toMatch(
      /can never fire: day 30 does not occur in FEB\. Check the day-of-month and month fields/,
    );
  });

  it('refuses a classic 5-field line, and says how to write it', () => {
    expect(message(checkCron('0 2 * * *'))).toMatch(
      /has 5 fields, but KFP's cron has a seconds field first: write '0 0 2 \* \* \*'/,
    );
  });

  it('refuses 7 for Sunday, and names the field', () => {
    const text = message(checkCron('0 0 9 * * 7'));
    expect(text).toMatch(/day-of-week field/);
    expect(text).toMatch(/does not accept 7 for Sunday: write 0 or SUN/);
  });

  it('says an empty cron is empty', () => {
    expect(message(checkCron('  '))).toMatch(/empty: write 6 fields/);
  });
});

describe('checkTimeZone', () => {
  it('gives the canonical name', () => {
    expect(checkTimeZone('america/chicago')).toEqual({ ok: true, value: 'America/Chicago' });
    expect(checkTimeZone('UTC')).toEqual({ ok: true, value: 'UTC' });
  });

  it('refuses an unknown zone with a suggestion', () => {
    expect(message(checkTimeZone('America/Chicgo'))).toMatch(
      /Unknown time zone 'America\/Chicgo': did you mean 'America\/Chicago'\?/,
    );
  });
});

describe('fire times computed in the browser', () => {
  const from = new Date('2026-01-01T00:00:00Z');

  it('follows daylight saving as the engine does: a skipped 02:30 runs at 03:00, once', () => {
    const times = fireTimes(
      {
        cron_schedule: {
          cron: '0 30 2 * * *',
          time_zone: 'America/Chicago',
          start_time: '2027-03-13T12:00:00Z',
        },
      },
      { from, count: 3 },
    );
    expect(times.map(chicago)).toEqual([
      '2027-03-14 03:00',
      '2027-03-15 02:30',
      '2027-03-16 02:30',
    ]);
  });

  it('runs a time that happens twice once (fall back)', () => {
    const times = fireTimes(
      {
        cron_schedule: {
          cron: '0 30 1 * * *',
          time_zone: 'America/Chicago',
          start_time: '2026-10-31T12:00:00Z',
        },
      },
      { from, count: 2 },
    );
    expect(times.map((t) => t.toISOString())).toEqual([
      '2026-11-01T06:30:00.000Z', // 01:30 CDT; not again at 01:30 CST
      '2026-11-02T07:30:00.000Z',
    ]);
  });

  it('gives nothing for a trigger the engine would refuse', () => {
    expect(fireTimes({ cron_schedule: { cron: '0 0 0 30 2 *' } }, { from, count: 5 })).toEqual([]);
    expect(fireTimes({ cron_schedule: { cron: '0 2 * * *' } }, { from, count: 5 })).toEqual([]);
    expect(
      fireTimes(
        { cron_schedule: { cron: '0 0 2 * * *', time_zone: 'Mars/Olympus' } },
        {
          from,
          count: 5,
        },
      ),
    ).toEqual([]);
  });

  it('fires a periodic trigger one interval after its start, as the engine does', () => {
    const times = fireTimes(
      { periodic_schedule: { interval_second: '3600', start_time: '2026-02-01T00:00:00Z' } },
      { from, count: 2 },
    );
    expect(times.map((t) => t.toISOString())).toEqual([
      '2026-02-01T01:00:00.000Z',
      '2026-02-01T02:00:00.000Z',
    ]);
  });

  it("reads KFP's zero timestamps as unset, and an empty zone as UTC", () => {
    const times = fireTimes(
      {
        cron_schedule: {
          cron: '0 0 2 * * *',
          time_zone: '',
          start_time: '1970-01-01T00:00:00Z',
          end_time: '1970-01-01T00:00:00Z',
        },
      },
      { from, count: 2 },
    );
    expect(times.map((t) => t.toISOString())).toEqual([
      '2026-01-01T02:00:00.000Z',
      '2026-01-02T02:00:00.000Z',
    ]);
  });

  it('stops at the end time', () => {
    const times = fireTimes(
      { cron_schedule: { cron: '0 0 2 * * *', end_time: '2026-01-02T12:00:00Z' } },
      { from, count: 5 },
    );
    expect(times).toHaveLength(2);
  });
});

describe('a recurring run from a server without the engine fields (KFP)', () => {
  const rr: PipelabRecurringRun = {
    display_name: 'hourly',
    created_at: '2026-01-01T00:20:00Z',
    status: 'ENABLED',
    trigger: { periodic_schedule: { interval_second: '3600' } },
  };

  it('keeps a periodic trigger without a start on the grid of its creation', () => {
    const times = nextFireTimes(rr, new Date('2026-01-01T05:00:00Z'), 2);
    expect(times.map((t) => t.toISOString())).toEqual([
      '2026-01-01T05:20:00.000Z',
      '2026-01-01T06:20:00.000Z',
    ]);
    expect(nextFireTime(rr, false, new Date('2026-01-01T05:00:00Z'))?.toISOString()).toBe(
      '2026-01-01T05:20:00.000Z',
    );
  });

  it('says the engine has the next fire time when it is the engine', () => {
    expect(nextFireTime(rr, true, new Date('2026-01-01T05:00:00Z'))).toBeUndefined();
  });

  it('describes triggers', () => {
    expect(describeTrigger(rr)).toBe('every hour');
    expect(
      describeTrigger({ trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: '' } } }),
    ).toBe('cron 0 0 3 * * * (UTC)');
    expect(describeInterval(2)).toBe('every 2 seconds');
    expect(describeInterval(86_400)).toBe('every day');
    expect(describeInterval(90)).toBe('every 90 seconds');
  });
});

describe('pipelab/schedule in a browser', () => {
  const dir = path.join(ROOT, 'kernel-lib', 'src', 'engine', 'schedule');

  it('is a package subpath, pointing at the schedule library', () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'kernel-lib', 'package.json'), 'utf8'),
    ) as {
      exports: Record<string, { types: string; default: string }>;
      typesVersions: Record<string, Record<string, string[]>>;
    };
    expect(pkg.exports['./schedule']).toEqual({
      types: './dist/engine/schedule/index.d.ts',
      default: './dist/engine/schedule/index.js',
    });
    expect(pkg.typesVersions['*']?.schedule).toEqual(['dist/engine/schedule/index.d.ts']);
  });

  it('imports nothing but itself and the error base class (no Node modules)', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = fs.readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/\brequire\(|\bimport\(|\bprocess\.|\bBuffer\b/);
      for (const [, spec = ''] of source.matchAll(/^(?:import|export)[^;]*?from '([^']+)';/gms)) {
        expect(spec.startsWith('.'), `${path.relative(ROOT, file)} imports ${spec}`).toBe(true);
        visit(path.resolve(path.dirname(file), `${spec}.ts`));
      }
    };
    visit(path.join(dir, 'index.ts'));
    const outside = [...seen]
      .filter((f) => path.dirname(f) !== dir)
      .map((f) => path.relative(ROOT, f));
    expect(outside).toEqual([path.join('kernel-lib', 'src', 'errors.ts')]);
  });
});
