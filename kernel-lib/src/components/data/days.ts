/**
 * Calendar days. A day is an ISO date string (`2001-01-01`) or its day number (days since
 * 1970-01-01); both name a civil day with no time zone, which is what the sample's
 * `TIMESTAMP_TRUNC(date, DAY)` produces. Everything here is pure arithmetic on UTC dates, so no
 * result depends on the machine's time zone.
 */

const MS_PER_DAY = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number (days since 1970-01-01) of a `YYYY-MM-DD` string; `undefined` when not a real day. */
export function parseIsoDay(text: string): number | undefined {
  const m = ISO_DAY.exec(text);
  if (!m) return undefined;
  return dayNumberOf(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Day number of a year, month (1-12) and day of month; `undefined` when the date does not exist. */
export function dayNumberOf(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    return undefined;
  }
  return Math.round(ms / MS_PER_DAY);
}

/** `YYYY-MM-DD` of a day number. */
export function isoDay(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Day number of an ISO day string, throwing when it is not one (for trusted, internal values). */
export function dayNumber(isoDayText: string): number {
  const n = parseIsoDay(isoDayText);
  if (n === undefined) throw new RangeError(`'${isoDayText}' is not a YYYY-MM-DD day`);
  return n;
}

/** Adds (or with a negative `days`, subtracts) days to an ISO day. */
export function addDays(isoDayText: string, days: number): string {
  return isoDay(dayNumber(isoDayText) + days);
}

/** The parts of a day number: year, month (1-12), day of month, weekday (0 = Sunday). */
export interface DayParts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  /** Days since 1 January of the same year (0-based). */
  dayOfYear: number;
}

/** Splits a day number into its calendar parts. */
export function dayParts(dayNumber: number): DayParts {
  const d = new Date(dayNumber * MS_PER_DAY);
  const year = d.getUTCFullYear();
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    dayOfYear: dayNumber - Math.round(Date.UTC(year, 0, 1) / MS_PER_DAY),
  };
}

/** The sample's CSV rendering of a day: `2001-01-01 00:00:00 UTC` (BigQuery's TIMESTAMP export). */
export function bigQueryDayText(isoDayText: string): string {
  return `${isoDayText} 00:00:00 UTC`;
}

/**
 * Today's date in a time zone (the City of Chicago's by default: a Chicago day ends at midnight
 * in Chicago, which is when its total is complete).
 */
export function todayIn(timeZone = 'America/Chicago', now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** A day and time read from text, before deciding whether it is a whole day. */
export interface ParsedTimestamp {
  /** Day number of the calendar day. */
  dayNumber: number;
  /** Seconds after midnight (0 for a bare date). */
  secondsOfDay: number;
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(?:Z|UTC|[+-]00:?00)?$/i;
const US_TIMESTAMP =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?$/i;

/**
 * Reads the day (and time of day) of a timestamp as the sources write them:
 * `2001-01-01`, `2001-01-01 00:00:00 UTC`, `2001-01-01T00:00:00.000` (Socrata),
 * `2001-01-01T00:00:00.000Z` (BigQuery's client), `01/01/2001 12:00:00 AM` (the portal's CSV
 * export). Timestamps with a non-zero UTC offset are refused rather than shifted: the day a
 * report belongs to is Chicago's civil day, which an offset would silently move.
 */
export function parseTimestampText(text: string): ParsedTimestamp | undefined {
  const t = text.trim();
  let m = ISO_TIMESTAMP.exec(t);
  if (m) {
    const dn = dayNumberOf(Number(m[1]), Number(m[2]), Number(m[3]));
    return withTime(dn, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  }
  m = US_TIMESTAMP.exec(t);
  if (m) {
    const dn = dayNumberOf(Number(m[3]), Number(m[1]), Number(m[2]));
    let hour = Number(m[4] ?? 0);
    const meridiem = m[7]?.toUpperCase();
    if (meridiem !== undefined) {
      if (hour < 1 || hour > 12) return undefined;
      hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
    }
    return withTime(dn, hour, Number(m[5] ?? 0), Number(m[6] ?? 0));
  }
  return undefined;
}

function withTime(
  dn: number | undefined,
  hour: number,
  minute: number,
  second: number,
): ParsedTimestamp | undefined {
  if (dn === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
  return { dayNumber: dn, secondsOfDay: hour * 3600 + minute * 60 + second };
}
