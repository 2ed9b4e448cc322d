/**
 * Property checks on random cron expressions in random zones: fire times strictly increase, each
 * one matches the cron fields in the zone (or is the end of a spring-forward gap that swallowed a
 * named-hour time), and, against a brute-force walk over every minute around daylight-saving
 * changes, none is missed or doubled.
 */
import { describe, expect, it } from 'vitest';
import {
  CronError,
  nextFireTime,
  parseCron,
  previewFireTimes,
  zoneOffsetSeconds,
  type CronFields,
} from '../../../kernel-lib/src/engine/schedule';
import { between, random } from './helpers';

const ZONES = [
  'UTC',
  'America/Chicago',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Auckland',
  'America/St_Johns',
  'Asia/Kolkata',
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

function randomField(next: () => number, min: number, max: number, extra: string[] = []): string {
  const a = between(next, min, max);
  const b = between(next, a, max);
  const n = between(next, 2, Math.max(2, Math.floor((max - min) / 2)));
  return pick(next, [
    '*',
    `*/${n}`,
    `${a}`,
    `${a}-${b}`,
    `${a},${b}`,
    `${a}/${n}`,
    `${a}-${b}/${n}`,
    ...extra,
  ]);
}

/** A random expression that has a good chance of firing often enough to be checked. */
function randomCron(next: () => number): string {
  const second = pick(next, ['0', '30', '0,30', '15', '*/20']);
  const minute = randomField(next, 0, 59, ['0', '30']);
  const hour = randomField(next, 0, 23, ['1', '2', '3', '2,3', '1-3', '0-3/2']);
  const dom = pick(next, ['*', '*', '?', randomField(next, 1, 31)]);
  const month = pick(next, ['*', '*', '*', randomField(next, 1, 12), 'MAR,OCT,NOV']);
  const dow = pick(next, ['*', '*', '?', 'MON-FRI', randomField(next, 0, 6), 'SUN']);
  return `${second} ${minute} ${hour} ${dom} ${month} ${dow}`;
}

/** Whether a wall time (naive seconds) matches, written independently of the library. */
function matches(f: CronFields, wall: number): boolean {
  const d = new Date(wall * 1000);
  if (!f.seconds.includes(d.getUTCSeconds())) return false;
  if (!f.minutes.includes(d.getUTCMinutes())) return false;
  if (!f.hours.includes(d.getUTCHours())) return false;
  if (!f.months.includes(d.getUTCMonth() + 1)) return false;
  const dom = f.daysOfMonth.includes(d.getUTCDate());
  const dow = f.daysOfWeek.includes(d.getUTCDay());
  return f.dayOfMonthWildcard || f.dayOfWeekWildcard ? dom && dow : dom || dow;
}

const offsetAt = (zone: string, seconds: number) => zoneOffsetSeconds(zone, seconds * 1000);

/** Whether some wall time in [from, until) matches (every second of every minute checked). */
function gapMatches(f: CronFields, from: number, until: number): boolean {
  for (let m = from - (from % 60); m < until; m += 60) {
    for (const s of f.seconds) if (m + s >= from && m + s < until && matches(f, m + s)) return true;
  }
  return false;
}

/** The fire times in (from, to] by brute force: every minute, with the documented DST rule. */
function bruteForce(f: CronFields, zone: string, from: number, to: number): number[] {
  const namedHours = !f.hourWildcard;
  const seen = new Set<number>();
  const out: number[] = [];
  const lead = 4 * 3600; // start early enough to see first occurrences of repeated walls
  let previous = offsetAt(zone, from - lead - 60);
  for (let m = from - lead - (from % 60); m <= to; m += 60) {
    const offset = offsetAt(zone, m);
    if (namedHours && offset > previous && gapMatches(f, m + previous, m + offset)) out.push(m);
    previous = offset;
    for (const s of f.seconds) {
      const wall = m + s + offset;
      if (!matches(f, wall)) continue;
      if (namedHours) {
        if (seen.has(wall)) continue;
        seen.add(wall);
      }
      out.push(m + s);
    }
  }
  return [...new Set(out)].sort((a, b) => a - b).filter((t) => t > from && t <= to);
}

/** Days (UTC noon) in a year on which a zone's offset changes, found by daily sampling. */
function transitionDays(zone: string, year: number): number[] {
  const days: number[] = [];
  let previous = offsetAt(zone, Date.UTC(year, 0, 1, 12) / 1000);
  for (let day = 1; day <= 365; day++) {
    const t = Date.UTC(year, 0, 1 + day, 12) / 1000;
    const offset = offsetAt(zone, t);
    if (offset !== previous) days.push(t);
    previous = offset;
  }
  return days;
}

describe('fire-time properties', () => {
  it('nextFireTime strictly increases and every preview time matches the cron in the zone', () => {
    const next = random(20260308);
    let checked = 0;
    for (let n = 0; n < 60; n++) {
      const cron = randomCron(next);
      const zone = pick(next, ZONES);
      let fields: CronFields;
      try {
        const parsed = parseCron(cron);
        if (parsed.kind !== 'fields') continue;
        fields = parsed.fields;
      } catch (e) {
        if (e instanceof CronError) continue; // e.g. a day that never occurs in the month
        throw e;
      }
      const from = new Date(
        Date.UTC(between(next, 2000, 2035), between(next, 0, 11), between(next, 1, 28)),
      );
      const times = previewFireTimes(
        { cron_schedule: { cron, time_zone: zone } },
        { from, count: 25 },
      );
      let previous = from.getTime();
      for (const t of times) {
        expect(t.getTime(), `${cron} in ${zone}`).toBeGreaterThan(previous);
        previous = t.getTime();
        const s = t.getTime() / 1000;
        expect(Number.isInteger(s)).toBe(true);
        const before = offsetAt(zone, s - 1);
        const after = offsetAt(zone, s);
        const gapEnd =
          !fields.hourWildcard && after > before && gapMatches(fields, s + before, s + after);
        expect(
          matches(fields, s + after) || gapEnd,
          `${cron} in ${zone} at ${t.toISOString()}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('around daylight-saving changes, no fire time is missed or doubled (brute force)', () => {
    const next = random(1101);
    const dstZones = ZONES.filter((z) => z !== 'UTC' && z !== 'Asia/Kolkata');
    const windows: { zone: string; from: number }[] = [];
    for (const zone of dstZones) {
      for (const day of transitionDays(zone, between(next, 2024, 2030))) {
        windows.push({ zone, from: day - 36 * 3600 });
      }
    }
    let compared = 0;
    let cases = 0;
    while (cases < 40) {
      const cron = randomCron(next);
      let fields: CronFields;
      try {
        const parsed = parseCron(cron);
        if (parsed.kind !== 'fields') continue;
        fields = parsed.fields;
      } catch (e) {
        if (e instanceof CronError) continue;
        throw e;
      }
      cases++;
      const { zone, from } = pick(next, windows);
      const to = from + 48 * 3600;
      const expected = bruteForce(fields, zone, from, to);
      const actual: number[] = [];
      const trigger = { cron_schedule: { cron, time_zone: zone } };
      for (let t = nextFireTime(trigger, new Date(from * 1000)); t !== undefined;) {
        const s = t.getTime() / 1000;
        if (s > to) break;
        actual.push(s);
        t = nextFireTime(trigger, t);
      }
      expect(
        actual.map((s) => new Date(s * 1000).toISOString()),
        `${cron} in ${zone}`,
      ).toEqual(expected.map((s) => new Date(s * 1000).toISOString()));
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(100);
  });
});
