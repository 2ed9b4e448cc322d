/**
 * From a source's raw daily rows to a series the trainer can trust. Every problem is either
 * repaired in a documented way, and the repair recorded in the dataset's metadata, or stops the
 * step with an error naming the row — never a silently wrong CSV:
 *
 * | problem                              | what happens                                         |
 * | ------------------------------------ | ---------------------------------------------------- |
 * | no rows                              | EmptyResultError                                     |
 * | unreadable day, or a time of day     | BadDataError naming the row                          |
 * | count not a whole number ≥ 0         | BadDataError naming the row and day                  |
 * | day after today                      | BadDataError naming the row (a clock or data error)  |
 * | rows out of order                    | sorted (`sorted`)                                    |
 * | a day on several rows                | summed (`duplicate-days-summed`), or BadDataError    |
 * |                                      | with `duplicateDays: 'reject'`                       |
 * | today's row (the day is not over)    | dropped (`today-dropped`)                            |
 * | a partial last day (late reports)    | dropped while the last day has under `partialDayRatio`|
 * |                                      | of the median of the previous days, at most 7 days   |
 * |                                      | (`partial-day-dropped`)                              |
 * | days missing between two rows        | filled with 0 (`missing-days-filled-zero`): a GROUP  |
 * |                                      | BY has no row for a day without reports; or          |
 * |                                      | interpolated, or BadDataError, by `missingDays`      |
 */
import type { DailyCount, RawDailyRow } from './daily-series';
import { isoDay, parseIsoDay, parseTimestampText } from './days';
import { BadDataError, EmptyResultError } from './errors';

/** What to do with days missing between two rows. */
export type MissingDayPolicy = 'zero' | 'interpolate' | 'reject';
/** What to do with a day found on several rows. */
export type DuplicateDayPolicy = 'sum' | 'reject';

/** The kinds of repair, as recorded in the metadata. */
export type RepairKind =
  | 'sorted'
  | 'duplicate-days-summed'
  | 'today-dropped'
  | 'partial-day-dropped'
  | 'missing-days-filled-zero'
  | 'missing-days-interpolated';

/** One repair made to the data. */
export interface Repair {
  kind: RepairKind;
  /** How many days it touched. */
  count: number;
  /** The days it touched (the first 20). */
  days: string[];
  /** What was done, in a sentence. */
  detail: string;
}

/** Options of {@link repairDailySeries}. */
export interface RepairOptions {
  /** Today (`YYYY-MM-DD`, the source's civil day): its row is incomplete, later ones impossible. */
  today: string;
  /**
   * Days missing between two rows: `zero` fills them with 0 (what a GROUP BY means when a day
   * has no row), `interpolate` fills them linearly between the neighbouring days (rounded),
   * `reject` fails.
   * @default 'zero'
   */
  missingDays?: MissingDayPolicy;
  /**
   * A day found on several rows: `sum` adds the rows up (a day split across partitions or
   * pages), `reject` fails.
   * @default 'sum'
   */
  duplicateDays?: DuplicateDayPolicy;
  /**
   * The last day is dropped as partial while its count is below this share of the median of the
   * `partialDayWindow` days before it (0 turns the check off).
   * @default 0.5
   */
  partialDayRatio?: number;
  /**
   * Days the partial-day median looks back over.
   * @default 28
   */
  partialDayWindow?: number;
}

/** A cleaned series and the repairs made to it. */
export interface RepairedSeries {
  series: DailyCount[];
  repairs: Repair[];
}

const MAX_LISTED_DAYS = 20;
const MAX_PARTIAL_DAYS = 7;

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Reads a day value: text, a Date, or `{ value }` (BigQuery's date and timestamp wrappers). */
function readDay(raw: unknown, row: number): string {
  let value = raw;
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const inner = (value as { value?: unknown }).value;
    if (typeof inner === 'string') value = inner;
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) value = value.toISOString();
  const parsed = typeof value === 'string' ? parseTimestampText(value) : undefined;
  if (parsed === undefined) {
    throw new BadDataError(`row ${row}: the day ${show(raw)} is not a date.`, { row });
  }
  const day = isoDay(parsed.dayNumber);
  if (parsed.secondsOfDay !== 0) {
    throw new BadDataError(
      `row ${row}: the day ${show(raw)} is not a whole day (it has a time of day); ` +
        `the query must group by day (TIMESTAMP_TRUNC(date, DAY)).`,
      { row, day },
    );
  }
  return day;
}

/** Reads a count: a number, numeric text (BigQuery and Socrata send text) or a bigint. */
function readCount(raw: unknown, row: number, day: string): number {
  let value: number = Number.NaN;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'bigint') value = Number(raw);
  else if (typeof raw === 'string' && /^\s*[-+]?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(raw)) {
    value = Number(raw);
  }
  const where = `row ${row} (day ${day})`;
  if (!Number.isFinite(value)) {
    throw new BadDataError(`${where}: the count ${show(raw)} is not a number.`, { row, day });
  }
  if (value < 0) {
    throw new BadDataError(`${where}: the count ${show(raw)} is negative.`, { row, day });
  }
  if (!Number.isInteger(value)) {
    throw new BadDataError(`${where}: the count ${show(raw)} is not a whole number.`, {
      row,
      day,
    });
  }
  if (!Number.isSafeInteger(value)) {
    throw new BadDataError(`${where}: the count ${show(raw)} is too large.`, { row, day });
  }
  return value;
}

function repair(kind: RepairKind, days: string[], detail: string): Repair {
  return { kind, count: days.length, days: days.slice(0, MAX_LISTED_DAYS), detail };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Validates and repairs a source's daily rows (see the table above).
 * @throws EmptyResultError when there are no rows (or none is left)
 * @throws BadDataError naming the row that cannot be used
 */
export function repairDailySeries(
  rows: readonly RawDailyRow[],
  source: string,
  options: RepairOptions,
): RepairedSeries {
  const todayNumber = parseIsoDay(options.today);
  if (todayNumber === undefined) throw new RangeError(`today must be YYYY-MM-DD: ${options.today}`);
  if (rows.length === 0) {
    throw new EmptyResultError(source, `the ${source} query returned no rows.`);
  }
  const repairs: Repair[] = [];

  // Read every row; remember where each came from for the messages below.
  const read = rows.map((r) => {
    const day = readDay(r.day, r.row);
    return { row: r.row, day, count: readCount(r.count, r.row, day) };
  });
  const future = read.find((r) => (parseIsoDay(r.day) ?? 0) > todayNumber);
  if (future) {
    throw new BadDataError(
      `row ${future.row}: the day ${future.day} is after today (${options.today}); ` +
        `the source's clock or data is wrong.`,
      { row: future.row, day: future.day },
    );
  }

  // Order.
  const outOfOrder = read.findIndex((r, i) => i > 0 && r.day < (read[i - 1]?.day ?? ''));
  if (outOfOrder > 0) {
    const first = read[outOfOrder];
    read.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.row - b.row));
    repairs.push(
      repair(
        'sorted',
        [],
        `rows were not in day order (row ${first?.row ?? '?'}, ${first?.day ?? '?'}, came after a later day); sorted oldest first.`,
      ),
    );
  }

  // Duplicated days.
  const merged: { day: string; count: number; rows: number[] }[] = [];
  for (const r of read) {
    const last = merged[merged.length - 1];
    if (last && last.day === r.day) {
      last.count += r.count;
      last.rows.push(r.row);
    } else {
      merged.push({ day: r.day, count: r.count, rows: [r.row] });
    }
  }
  const duplicated = merged.filter((m) => m.rows.length > 1);
  if (duplicated.length > 0) {
    const first = duplicated[0];
    if ((options.duplicateDays ?? 'sum') === 'reject') {
      throw new BadDataError(
        `the day ${first?.day} appears on rows ${first?.rows.join(', ')}` +
          (duplicated.length > 1
            ? ` (and ${duplicated.length - 1} more days are duplicated)`
            : '') +
          `; each day must appear once.`,
        { row: first?.rows[1], day: first?.day },
      );
    }
    repairs.push(
      repair(
        'duplicate-days-summed',
        duplicated.map((d) => d.day),
        `${duplicated.length} day(s) appeared on several rows; their counts were added up ` +
          `(first: ${first?.day} on rows ${first?.rows.join(', ')}).`,
      ),
    );
  }

  // Today's row: the day is not over.
  let series: DailyCount[] = merged.map(({ day, count }) => ({ day, count }));
  const last = series[series.length - 1];
  if (last && last.day === options.today) {
    series = series.slice(0, -1);
    repairs.push(
      repair(
        'today-dropped',
        [last.day],
        `today (${last.day}) is not over; its ${last.count} reports were left out.`,
      ),
    );
  }

  // A partial last day (reports still arriving), judged against the days before it.
  const ratio = options.partialDayRatio ?? 0.5;
  const window = Math.max(1, Math.floor(options.partialDayWindow ?? 28));
  const dropped: DailyCount[] = [];
  while (ratio > 0 && dropped.length < MAX_PARTIAL_DAYS && series.length > window) {
    const tail = series[series.length - 1];
    const before = series.slice(-window - 1, -1).map((d) => d.count);
    const typical = median(before);
    if (tail === undefined || typical <= 0 || tail.count >= ratio * typical) break;
    dropped.unshift(tail);
    series = series.slice(0, -1);
  }
  if (dropped.length > 0) {
    repairs.push(
      repair(
        'partial-day-dropped',
        dropped.map((d) => d.day),
        `the last ${dropped.length} day(s) had under ${ratio} × the median of the previous ` +
          `${window} days (${dropped.map((d) => `${d.day}: ${d.count}`).join(', ')}); ` +
          `treated as not yet complete and left out.`,
      ),
    );
  }

  if (series.length === 0) {
    throw new EmptyResultError(
      source,
      `the ${source} query returned no complete day (only today's or partial days).`,
    );
  }

  // Missing days between rows.
  const policy = options.missingDays ?? 'zero';
  const filled: DailyCount[] = [];
  const missing: string[] = [];
  for (const d of series) {
    const prev = filled[filled.length - 1];
    if (prev !== undefined) {
      const from = parseIsoDay(prev.day) ?? 0;
      const to = parseIsoDay(d.day) ?? 0;
      if (to - from > 1 && policy === 'reject') {
        throw new BadDataError(
          `${to - from - 1} day(s) are missing between ${prev.day} and ${d.day} ` +
            `(first missing: ${isoDay(from + 1)}).`,
          { day: isoDay(from + 1) },
        );
      }
      for (let n = from + 1; n < to; n++) {
        const w = (n - from) / (to - from);
        const count =
          policy === 'interpolate' ? Math.round(prev.count + w * (d.count - prev.count)) : 0;
        filled.push({ day: isoDay(n), count });
        missing.push(isoDay(n));
      }
    }
    filled.push(d);
  }
  if (missing.length > 0) {
    repairs.push(
      policy === 'interpolate'
        ? repair(
            'missing-days-interpolated',
            missing,
            `${missing.length} missing day(s) were filled by linear interpolation between their neighbours.`,
          )
        : repair(
            'missing-days-filled-zero',
            missing,
            `${missing.length} missing day(s) were filled with 0 (no row for a day means no reports).`,
          ),
    );
  }
  return { series: filled, repairs };
}
