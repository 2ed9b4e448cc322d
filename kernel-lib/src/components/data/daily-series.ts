/**
 * The daily series every source produces: one row per day with its total number of reports, and
 * the raw rows it is made from, before validation (see repair.ts).
 */

/** A day (`YYYY-MM-DD`) and its number of reports. */
export interface DailyCount {
  day: string;
  count: number;
}

/** A row of a daily-totals result exactly as the source returned it. */
export interface RawDailyRow {
  /** 1-based position in the result (data rows only). */
  row: number;
  /** The day as the source wrote it: text, a Date, or an object with a `value` (BigQuery). */
  day: unknown;
  /** The count as the source wrote it: a number, numeric text or a bigint. */
  count: unknown;
}

/** The names the day and count columns may have in a result, first match wins. */
export const DAY_COLUMN_NAMES = ['day', 'date', 'date_day', 'dt'] as const;
export const COUNT_COLUMN_NAMES = ['count', 'crime_count', 'reports', 'n', 'cnt', 'total'] as const;

/** Finds the day and count columns among a result's column names (case-insensitive). */
export function findDailyColumns(
  columns: readonly string[],
): { day: number; count: number } | undefined {
  const lower = columns.map((c) => c.trim().toLowerCase());
  const day = DAY_COLUMN_NAMES.map((n) => lower.indexOf(n)).find((i) => i >= 0);
  const count = COUNT_COLUMN_NAMES.map((n) => lower.indexOf(n)).find((i) => i >= 0);
  if (day === undefined || count === undefined || day === count) return undefined;
  return { day, count };
}
