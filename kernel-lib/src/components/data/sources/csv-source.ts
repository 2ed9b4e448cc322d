/**
 * A CSV file or http(s) URL holding either daily totals (a day column — `day` or `date` — and a
 * count column: `count,day`, `day,count`, the sample's own output, `date,crime_count`...) or raw
 * report records with a `date` column (the portal's export: `01/01/2001 12:00:00 AM`), which are
 * counted per calendar day. The text is streamed, so a raw export of millions of rows is fine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvParser } from '../csv-parser';
import { findDailyColumns, type RawDailyRow } from '../daily-series';
import { isoDay, parseTimestampText } from '../days';
import { BadDataError, SourceError, describeCause } from '../errors';
import type { ProgressLog, SourceResult } from './source';

/** Options of {@link queryCsv}. */
export interface CsvSourceOptions {
  /** A local path, a `file://` URI, or an `http(s)://` URL. */
  uri: string;
  /**
   * Time allowed to download a URL, in milliseconds.
   * @default 300000
   */
  timeoutMs?: number;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Receives progress lines. @default no logging */
  log?: ProgressLog;
}

/** Text chunks of the CSV, from a file or a URL. */
async function* readChunks(options: CsvSourceOptions): AsyncGenerator<string> {
  const { uri } = options;
  if (/^https?:\/\//i.test(uri)) {
    const response = await (options.fetch ?? fetch)(uri, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
    });
    if (!response.ok || response.body === null) {
      const text = await response.text().catch(() => '');
      throw new SourceError(
        'csv',
        `cannot download ${uri}: HTTP ${response.status} ${text.slice(0, 200)}`,
      );
    }
    const decoder = new TextDecoder('utf-8');
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
      yield decoder.decode(bytes, { stream: true });
    }
    yield decoder.decode();
    return;
  }
  const file = uri.startsWith('file://') ? fileURLToPath(uri) : path.resolve(uri);
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) yield chunk as string;
}

const RAW_DATE_COLUMNS = ['date', 'datetime', 'timestamp', 'occurred', 'date_of_occurrence'];

/**
 * Reads the CSV's daily totals (or counts its records per day).
 * @throws SourceError when the file cannot be read or has neither shape; BadDataError naming the
 *   row of a raw record whose date cannot be read
 */
export async function queryCsv(options: CsvSourceOptions): Promise<SourceResult> {
  const log = options.log ?? (() => undefined);
  const parser = new CsvParser();
  let header: string[] | undefined;
  let mode: 'daily' | 'raw' | undefined;
  let dayAt = -1;
  let countAt = -1;
  let records = 0;
  const daily: RawDailyRow[] = [];
  const perDay = new Map<number, number>();

  const take = (record: string[]) => {
    if (header === undefined) {
      header = record;
      const columns = findDailyColumns(record);
      const names = record.map((h) => h.trim().toLowerCase());
      if (columns !== undefined) {
        mode = 'daily';
        dayAt = columns.day;
        countAt = columns.count;
      } else {
        dayAt = RAW_DATE_COLUMNS.map((n) => names.indexOf(n)).find((i) => i >= 0) ?? -1;
        if (dayAt < 0) {
          throw new SourceError(
            'csv',
            `${options.uri}: the header '${record.join(',')}' has neither a day and a count column ` +
              `(daily totals) nor a date column (report records).`,
          );
        }
        mode = 'raw';
      }
      return;
    }
    records++;
    if (mode === 'daily') {
      daily.push({ row: records, day: record[dayAt], count: record[countAt] });
      return;
    }
    const raw = record[dayAt] ?? '';
    const parsed = parseTimestampText(raw);
    if (parsed === undefined) {
      throw new BadDataError(
        `${options.uri}: record ${records}: the date '${raw}' cannot be read.`,
        { row: records },
      );
    }
    perDay.set(parsed.dayNumber, (perDay.get(parsed.dayNumber) ?? 0) + 1);
  };

  try {
    for await (const chunk of readChunks(options)) {
      for (const record of parser.push(chunk)) take(record);
    }
    for (const record of parser.end()) take(record);
  } catch (error) {
    if (error instanceof SourceError || error instanceof BadDataError) throw error;
    throw new SourceError(
      'csv',
      `cannot read ${options.uri}: ${describeCause(error)}`,
      {
        file: options.uri,
      },
      { cause: error },
    );
  }
  if (header === undefined) {
    throw new SourceError('csv', `${options.uri} is empty (no header line).`, {
      file: options.uri,
    });
  }
  let rows = daily;
  if (mode === 'raw') {
    // Counting orders the days; there is nothing to repair in their order.
    rows = [...perDay.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([day, count], i) => ({ row: i + 1, day: isoDay(day), count }));
    log(`csv: ${records} report records over ${rows.length} days`);
  } else {
    log(`csv: ${rows.length} daily rows`);
  }
  return {
    source: 'csv',
    rows,
    query: options.uri,
    details: {
      uri: options.uri,
      shape: mode === 'raw' ? 'report records' : 'daily totals',
      records,
    },
  };
}
