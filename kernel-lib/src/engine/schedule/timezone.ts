/**
 * Cron in a time zone, with Node's own time zone data (`Intl.DateTimeFormat`, full ICU): no
 * library, no tz files.
 *
 * A cron expression names wall-clock times ("03:00 every day"); the zone turns them into
 * instants. Daylight-saving changes make some wall times not exist (spring forward: in Chicago
 * on 2026-03-08 the clock jumps from 01:59:59 to 03:00:00) and others happen twice (fall back:
 * on 2026-11-01 01:00-01:59 happens in CDT, then again in CST). Pipelab's rule follows ISC cron's
 * (the `cron` of most Linux systems), which tells two kinds of schedule apart by the hour field:
 *
 * - **Named hours** (the hour field is not `*`, `?` or `*\/n`: `0 30 2 * * *`, `@daily`): the
 *   schedule is about the wall clock, and runs once per matching wall time.
 *   - A wall time inside a spring-forward gap runs once, at the first instant after the gap
 *     (02:30 on 2026-03-08 in Chicago runs at 03:00 CDT). Several skipped times (02:00, 02:15,
 *     02:30...) make one run, and none when the first time after the gap matches anyway.
 *   - A wall time that happens twice runs at its first occurrence only (01:30 on 2026-11-01 in
 *     Chicago runs at 01:30 CDT, not again at 01:30 CST).
 * - **Wildcard hours** (`0 0 * * * *`, `@hourly`, `0 15 *\/2 * * *`): the schedule is about
 *   elapsed time, and runs at every instant whose wall time matches: nothing for wall times that
 *   do not exist, and both occurrences of a repeated one. An hourly schedule therefore runs 23
 *   times on the spring-forward day and 25 times on the fall-back day, an hour apart throughout.
 *
 * robfig/cron (KFP) with a location differs on the named-hours case: it skips a wall time in the
 * gap (no run that day) and runs a repeated one twice. Pipelab's rule never drops a daily run and
 * never doubles one. In UTC (the default, and what KFP uses) nothing of this arises.
 *
 * `@every` schedules are durations and ignore the zone.
 */
import { nextWallMatch, type CronExpression, type CronFields } from './cron';
import { InvalidTimeZoneError, type ScheduleErrorContext } from './errors';

/** The zone a schedule is evaluated in when none is given. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** How far ahead a search for the next fire time looks before giving up (robfig: 5 years). */
const HORIZON_SECONDS = 50 * 366 * 86_400;

const DAY = 86_400;

// ---------------------------------------------------------------------------------------------
// Zone names

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

let knownZones: readonly string[] | undefined;

function supportedZones(): readonly string[] {
  knownZones ??= Intl.supportedValuesOf('timeZone');
  return knownZones;
}

const EXAMPLES = "IANA names such as 'America/Chicago', 'Europe/Berlin' or 'UTC'";

/**
 * Checks an IANA time zone name and returns its canonical spelling (`america/chicago` ->
 * `America/Chicago`). Names are case-insensitive; aliases (`US/Central`) are kept as written.
 *
 * @throws {@link InvalidTimeZoneError} naming the zone, with a suggestion when one fits.
 */
export function resolveTimeZone(timeZone: string, context: ScheduleErrorContext = {}): string {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    throw new InvalidTimeZoneError(
      `The time zone is empty: write one of the ${EXAMPLES}, or leave it out for UTC.`,
      String(timeZone),
      context,
    );
  }
  const name = timeZone.trim();
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    const suggestion = suggestZone(name);
    throw new InvalidTimeZoneError(
      `Unknown time zone '${timeZone}': ` +
        (suggestion === undefined ? '' : `did you mean '${suggestion}'? `) +
        `Time zones are ${EXAMPLES}.`,
      timeZone,
      context,
    );
  }
  const lower = name.toLowerCase();
  const listed = supportedZones().find((z) => z.toLowerCase() === lower);
  if (listed !== undefined) return listed;
  return resolved.toLowerCase() === lower ? resolved : name;
}

/** Whether `timeZone` is a time zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    resolveTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}

const ABBREVIATIONS: Readonly<Record<string, string>> = {
  cst: 'America/Chicago',
  cdt: 'America/Chicago',
  est: 'America/New_York',
  edt: 'America/New_York',
  mst: 'America/Denver',
  mdt: 'America/Denver',
  pst: 'America/Los_Angeles',
  pdt: 'America/Los_Angeles',
  cet: 'Europe/Berlin',
  cest: 'Europe/Berlin',
  bst: 'Europe/London',
  ist: 'Asia/Kolkata',
  jst: 'Asia/Tokyo',
};

/** Levenshtein distance, giving up (returning `limit + 1`) past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      row.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = row;
  }
  return previous[b.length] ?? limit + 1;
}

function suggestZone(name: string): string | undefined {
  const key = name.toLowerCase().replace(/\s+/g, '_');
  const abbreviation = ABBREVIATIONS[key];
  if (abbreviation !== undefined) return abbreviation;
  const zones = supportedZones();
  const exact =
    zones.find((z) => z.toLowerCase().endsWith(`/${key}`)) ??
    zones.find((z) => z.toLowerCase().replace(/_/g, '') === key.replace(/_/g, ''));
  if (exact !== undefined) return exact;
  // A typo ('America/Chicgo'): the closest name, when it is close.
  const limit = Math.min(3, Math.floor(key.length / 5));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const zone of zones) {
    const d = editDistance(key, zone.toLowerCase(), limit);
    if (d < bestDistance) {
      best = zone;
      bestDistance = d;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Offsets and transitions (all times in whole seconds since the epoch)

const WALL = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

function numericParts(f: Intl.DateTimeFormat, seconds: number): number[] {
  const parts = new Map<string, number>(
    f.formatToParts(seconds * 1000).map((p) => [p.type, Number(p.value)]),
  );
  return ['month', 'day', 'year', 'hour', 'minute', 'second'].map((type) => parts.get(type) ?? 0);
}

/** The wall time of an instant in a zone, as naive seconds (the local time counted as UTC). */
function wallSecondsOf(timeZone: string, seconds: number): number {
  if (timeZone === 'UTC') return seconds;
  const f = formatterOf(timeZone);
  const m = WALL.exec(f.format(seconds * 1000));
  // en-US writes month/day/year, hour:minute:second; formatToParts is the slower fallback.
  const [mo = 1, d = 1, y = 1970, h = 0, mi = 0, s = 0] =
    m !== null ? m.slice(1).map(Number) : numericParts(f, seconds);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h % 24, mi, s, 0);
  return date.getTime() / 1000;
}

/** The zone's offset from UTC at an instant, in seconds (Chicago in winter: -21600). */
export function zoneOffsetSeconds(timeZone: string, at: Date | number): number {
  const seconds = Math.floor((typeof at === 'number' ? at : at.getTime()) / 1000);
  return wallSecondsOf(timeZone, seconds) - seconds;
}

/** A change of a zone's offset: from `at` (the first second of the new offset) on. */
export interface ZoneTransition {
  /** The first instant (epoch seconds) with the new offset. */
  readonly at: number;
  /** The offset before, in seconds. */
  readonly before: number;
  /** The offset from `at` on, in seconds. */
  readonly after: number;
}

const transitionCache = new Map<string, Map<number, readonly ZoneTransition[]>>();

function yearStart(year: number): number {
  return Date.UTC(year, 0, 1) / 1000;
}

function yearOf(seconds: number): number {
  return new Date(seconds * 1000).getUTCFullYear();
}

/**
 * The transitions with `at` in (start of `year`, start of `year + 1`] (UTC years), found by
 * sampling the offset daily and bisecting each change to the second. Cached per zone and year.
 */
function transitionsOfYear(timeZone: string, year: number): readonly ZoneTransition[] {
  let byYear = transitionCache.get(timeZone);
  if (byYear === undefined) {
    byYear = new Map();
    transitionCache.set(timeZone, byYear);
  }
  const cached = byYear.get(year);
  if (cached !== undefined) return cached;
  const found: ZoneTransition[] = [];
  if (timeZone !== 'UTC') {
    const end = yearStart(year + 1);
    let p = yearStart(year);
    let offset = zoneOffsetSeconds(timeZone, p * 1000);
    while (p < end) {
      const q = Math.min(p + DAY, end);
      const qOffset = zoneOffsetSeconds(timeZone, q * 1000);
      if (qOffset === offset) {
        p = q;
        continue;
      }
      // The offset at lo is `offset`, at hi it differs: find the first second that differs.
      let lo = p;
      let hi = q;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zoneOffsetSeconds(timeZone, mid * 1000) === offset) lo = mid;
        else hi = mid;
      }
      const after = zoneOffsetSeconds(timeZone, hi * 1000);
      found.push({ at: hi, before: offset, after });
      p = hi;
      offset = after;
    }
  }
  byYear.set(year, found);
  return found;
}

/** The first transition with `from < at <= to`, if any. */
export function firstTransitionBetween(
  timeZone: string,
  from: number,
  to: number,
): ZoneTransition | undefined {
  for (let year = yearOf(from); year <= yearOf(to); year++) {
    for (const t of transitionsOfYear(timeZone, year)) {
      if (t.at > from && t.at <= to) return t;
      if (t.at > to) return undefined;
    }
  }
  return undefined;
}

/** The last transition with `at <= t` within the year before `t`, if any. */
function lastTransitionAtOrBefore(timeZone: string, t: number): ZoneTransition | undefined {
  const year = yearOf(t);
  for (const y of [year, year - 1]) {
    const list = transitionsOfYear(timeZone, y);
    for (let i = list.length - 1; i >= 0; i--) {
      const transition = list[i];
      if (transition !== undefined && transition.at <= t) return transition;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Wall-clock parts, for formatting

/** The local date and time of an instant in a zone. */
export interface WallTime {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  /** 1-31. */
  readonly day: number;
  /** 0-23. */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  /** 0 = Sunday. */
  readonly weekday: number;
  /** 1-366. */
  readonly dayOfYear: number;
  /** Seconds east of UTC. */
  readonly offsetSeconds: number;
}

/** The local date and time of `at` in `timeZone`. */
export function wallTimeIn(at: Date, timeZone: string = DEFAULT_TIME_ZONE): WallTime {
  const ms = at.getTime();
  const seconds = Math.floor(ms / 1000);
  const wall = wallSecondsOf(timeZone, seconds);
  const d = new Date(wall * 1000);
  const year = d.getUTCFullYear();
  const startOfYear = new Date(0);
  startOfYear.setUTCFullYear(year, 0, 1);
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: ms - seconds * 1000,
    weekday: d.getUTCDay(),
    dayOfYear: Math.floor((wall * 1000 - startOfYear.getTime()) / (DAY * 1000)) + 1,
    offsetSeconds: wall - seconds,
  };
}

const abbreviationFormatters = new Map<string, Intl.DateTimeFormat>();

function shortZoneName(timeZone: string, locale: string, at: Date): string {
  const key = `${locale}|${timeZone}`;
  let f = abbreviationFormatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' });
    abbreviationFormatters.set(key, f);
  }
  return f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/**
 * The zone's abbreviation at an instant, as Go prints it for the `MST` layout token: `UTC`,
 * `CST`/`CDT`, `CET`/`CEST`, `GMT`/`BST` where ICU knows one (tried in the en-US, then the
 * en-GB locale), else the numeric form tzdata uses for zones without one (`+03`, `+0530`).
 */
export function zoneAbbreviation(at: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  if (timeZone === 'UTC') return 'UTC';
  const numericLike = /^(GMT|UTC)[+-−]/;
  for (const locale of ['en-US', 'en-GB']) {
    const name = shortZoneName(timeZone, locale, at);
    if (name !== '' && !numericLike.test(name)) return name;
  }
  const offset = zoneOffsetSeconds(timeZone, at);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Next fire time

/**
 * The first time strictly after `after` at which a cron expression fires in a zone, to the
 * second, or undefined when it never fires again (within 50 years). `@every` expressions fire
 * one interval after `after` (rounded down to the second), as robfig's do; a trigger anchors
 * them (see trigger.ts).
 */
export function nextCronTime(
  expression: CronExpression,
  after: Date,
  timeZone: string = DEFAULT_TIME_ZONE,
): Date | undefined {
  const afterSeconds = Math.floor(after.getTime() / 1000);
  if (expression.kind === 'every') {
    return new Date((afterSeconds + expression.everySeconds) * 1000);
  }
  const next = nextFieldsTime(expression.fields, afterSeconds, timeZone);
  return next === undefined ? undefined : new Date(next * 1000);
}

/** Whether some wall time in [from, until) matches. */
function matchesIn(fields: CronFields, from: number, until: number): boolean {
  return nextWallMatch(fields, from, until - 1) !== undefined;
}

function nextFieldsTime(
  fields: CronFields,
  afterSeconds: number,
  timeZone: string,
): number | undefined {
  const namedHours = !fields.hourWildcard;
  const limit = afterSeconds + HORIZON_SECONDS;
  // Walk the timeline one constant-offset stretch at a time: within a stretch, wall time and
  // instant move together, so the first matching wall time is the first matching instant.
  let i = afterSeconds + 1;
  while (i <= limit) {
    const offset = zoneOffsetSeconds(timeZone, i * 1000);
    let from = i + offset;
    if (namedHours) {
      const last = lastTransitionAtOrBefore(timeZone, i);
      if (last !== undefined) {
        const gap = last.after > last.before;
        // Spring forward at exactly i: the skipped wall times run now, once.
        if (gap && last.at === i && matchesIn(fields, i + last.before, i + last.after)) return i;
        // Fall back: wall times already seen before the change are not run again.
        if (!gap) from = Math.max(from, last.at + last.before);
      }
    }
    const wall = nextWallMatch(fields, from, limit + offset);
    if (wall === undefined) return undefined;
    const candidate = wall - offset;
    const transition = firstTransitionBetween(timeZone, i, candidate);
    if (transition === undefined) return candidate;
    i = transition.at;
  }
  return undefined;
}
