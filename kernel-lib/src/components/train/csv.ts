/**
 * Reading the query step's Dataset: a CSV with a `count` column (or one column named `…count`) and
 * a day column (`day`, or `date`; the 2019 sample took the first column), one row per day, oldest
 * first. Days may carry a time and zone as BigQuery exports them (`2001-01-01 00:00:00 UTC`);
 * only the date is kept.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dayNumber, dayString } from './calendar';
import { DatasetError } from './errors';

/** Daily totals, oldest first, one entry per calendar day without gaps. */
export interface DailySeries {
  /** `YYYY-MM-DD` days. */
  readonly days: readonly string[];
  /** The count of each day. */
  readonly counts: readonly number[];
}

/** One day's total, the shape a notebook or the model server passes around. */
export interface DailyPoint {
  /** `YYYY-MM-DD` (a time and zone after the date are accepted and dropped). */
  readonly day: string;
  readonly count: number;
}

/** A Dataset CSV as read from disk. */
export interface DatasetFile {
  readonly series: DailySeries;
  /** sha256 (hex) of the file's bytes. */
  readonly sha256: string;
  readonly path: string;
}

// A date, then optionally a time (`T` or space) and a zone; BigQuery writes `... 00:00:00 UTC`.
const DAY_TEXT =
  /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s*(?:UTC|Z|[+-]\d{2}(?::?\d{2})?))?$/i;

/** The `YYYY-MM-DD` day of a CSV day value, or `undefined` when it is not one. */
export function parseDay(text: string): string | undefined {
  const match = DAY_TEXT.exec(text.trim());
  if (!match || match[1] === undefined) return undefined;
  return dayNumber(match[1]) === undefined ? undefined : match[1];
}

/** Splits one CSV record; fields may be quoted with `"` (doubled inside). */
function splitRecord(line: string, lineNo: number, file: string | undefined): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) {
          throw new DatasetError(`line ${lineNo}: unterminated quoted field`, {
            line: lineNo,
            file,
          });
        }
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') {
        throw new DatasetError(`line ${lineNo}: text after a quoted field`, {
          line: lineNo,
          file,
        });
      }
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/**
 * Parses a Dataset CSV. The header names the columns (case-insensitive): `count` (else the one
 * column whose name ends in `count`), and `day` or `date` (else the first other column). Blank lines are skipped; a BOM and CRLF line ends are
 * accepted. Rows must be one per day, oldest first, without gaps.
 * @param file shown in error messages
 * @throws DatasetError naming the line of the first bad row
 */
export function parseDatasetCsv(text: string, file?: string): DailySeries {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new DatasetError('the dataset is empty', { file });
  const header = splitRecord(lines[headerIndex] as string, headerIndex + 1, file).map((h) =>
    h.trim().toLowerCase(),
  );
  let countCol = header.indexOf('count');
  if (countCol < 0) {
    // e.g. `crime_count`: accepted when exactly one column ends in "count".
    const candidates = header.flatMap((h, i) => (h.endsWith('count') ? [i] : []));
    if (candidates.length === 1) countCol = candidates[0] as number;
  }
  if (countCol < 0) {
    throw new DatasetError(
      `line ${headerIndex + 1}: the header has no 'count' column (got ${header.join(',')})`,
      { line: headerIndex + 1, file },
    );
  }
  let dayCol = header.indexOf('day');
  if (dayCol < 0) dayCol = header.indexOf('date');
  if (dayCol < 0) dayCol = header.findIndex((_, i) => i !== countCol);
  if (dayCol < 0) {
    throw new DatasetError(`line ${headerIndex + 1}: the header has no day column`, {
      line: headerIndex + 1,
      file,
    });
  }

  const days: string[] = [];
  const counts: number[] = [];
  let previous: number | undefined;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    const lineNo = i + 1;
    const fields = splitRecord(raw, lineNo, file);
    if (fields.length !== header.length) {
      throw new DatasetError(
        `line ${lineNo}: expected ${header.length} fields, got ${fields.length}: '${raw}'`,
        { line: lineNo, file },
      );
    }
    const dayText = (fields[dayCol] as string).trim();
    const countText = (fields[countCol] as string).trim();
    const day = parseDay(dayText);
    if (day === undefined) {
      throw new DatasetError(`line ${lineNo}: '${dayText}' is not a day (YYYY-MM-DD)`, {
        line: lineNo,
        file,
      });
    }
    const count = countText === '' ? NaN : Number(countText);
    if (!Number.isFinite(count) || count < 0) {
      throw new DatasetError(`line ${lineNo}: count '${countText}' is not a non-negative number`, {
        line: lineNo,
        file,
      });
    }
    const num = dayNumber(day) as number;
    if (previous !== undefined && num !== previous + 1) {
      const why =
        num <= previous
          ? `${day} does not come after ${dayString(previous)} (rows must be oldest first, one per day)`
          : `days ${dayString(previous + 1)} to ${dayString(num - 1)} are missing`;
      throw new DatasetError(`line ${lineNo}: ${why}`, { line: lineNo, file });
    }
    previous = num;
    days.push(day);
    counts.push(count);
  }
  if (days.length === 0) throw new DatasetError('the dataset has no rows', { file });
  return { days, counts };
}

/**
 * Reads and parses a Dataset CSV file and hashes its bytes.
 * @throws DatasetError when the file cannot be read or parsed
 */
export async function readDatasetCsv(path: string): Promise<DatasetFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new DatasetError(`cannot read the dataset ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  const series = parseDatasetCsv(bytes.toString('utf8'), path);
  return { series, sha256: createHash('sha256').update(bytes).digest('hex'), path };
}

/**
 * A series from daily points (a notebook's or the model server's input), checked the same way
 * as a CSV: one point per day, oldest first, no gaps, non-negative counts.
 * @throws DatasetError naming the index of the first bad point
 */
export function seriesFromPoints(points: readonly DailyPoint[]): DailySeries {
  const days: string[] = [];
  const counts: number[] = [];
  let previous: number | undefined;
  points.forEach((point, i) => {
    const day = parseDay(String(point.day));
    if (day === undefined) throw new DatasetError(`point ${i}: '${point.day}' is not a day`);
    if (!Number.isFinite(point.count) || point.count < 0) {
      throw new DatasetError(`point ${i} (${day}): count ${point.count} is not non-negative`);
    }
    const num = dayNumber(day) as number;
    if (previous !== undefined && num !== previous + 1) {
      throw new DatasetError(
        `point ${i} (${day}): points must be one per day, oldest first, without gaps`,
      );
    }
    previous = num;
    days.push(day);
    counts.push(point.count);
  });
  return { days, counts };
}

/** Renders a series as the query step writes it (`count,day` with BigQuery's timestamp text). */
export function formatDatasetCsv(series: DailySeries): string {
  const rows = series.days.map((day, i) => `${series.counts[i]},${day} 00:00:00 UTC`);
  return `count,day\n${rows.join('\n')}\n`;
}
