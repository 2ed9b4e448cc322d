/**
 * The dataset file in the sample's shape: `count,day`, day rendered as BigQuery exports a
 * TIMESTAMP (`2001-01-01 00:00:00 UTC`), oldest first — what the 2019 trainer reads (it indexes
 * by the first column and uses the `count` column).
 */
import * as crypto from 'node:crypto';
import { parseCsv } from './csv-parser';
import type { DailyCount } from './daily-series';
import { bigQueryDayText, parseTimestampText, isoDay } from './days';

/** The header line of the dataset. */
export const DATASET_HEADER = 'count,day';

/** Renders a series as the dataset CSV (LF line ends, a final newline). */
export function formatDatasetCsv(series: readonly DailyCount[]): string {
  const lines = [DATASET_HEADER];
  for (const d of series) lines.push(`${d.count},${bigQueryDayText(d.day)}`);
  return `${lines.join('\n')}\n`;
}

/** The SHA-256 of a text's UTF-8 bytes, in hex. */
export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Reads a dataset CSV back (`count,day` or `day,count`).
 * @throws SyntaxError when the header or a row is not of that shape
 */
export function parseDatasetCsv(text: string): DailyCount[] {
  const [header, ...rows] = parseCsv(text);
  const names = (header ?? []).map((h) => h.trim().toLowerCase());
  const countAt = names.indexOf('count');
  const dayAt = names.indexOf('day');
  if (countAt < 0 || dayAt < 0) {
    throw new SyntaxError(`expected a count,day header; got '${(header ?? []).join(',')}'`);
  }
  return rows.map((r, i) => {
    const count = Number(r[countAt]);
    const day = parseTimestampText(r[dayAt] ?? '');
    if (!Number.isInteger(count) || day === undefined) {
      throw new SyntaxError(`row ${i + 1} is not 'count,day': '${r.join(',')}'`);
    }
    return { day: isoDay(day.dayNumber), count };
  });
}
