import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatDatasetCsv,
  parseDatasetCsv,
  parseDay,
  readDatasetCsv,
  seriesFromPoints,
} from '../../../kernel-lib/src/components/train/csv';
import { DatasetError } from '../../../kernel-lib/src/components/train/errors';
import { PipelabError } from '../../../kernel-lib/src/errors';

function errorOf(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('parseDay', () => {
  it.each([
    ['2001-01-01', '2001-01-01'],
    ['2001-01-01 00:00:00 UTC', '2001-01-01'],
    ['2001-01-01T00:00:00Z', '2001-01-01'],
    ['2001-01-01 00:00:00.000000 UTC', '2001-01-01'],
    [' 2020-02-29 00:00:00+00:00 ', '2020-02-29'],
  ])('reads %s', (text, day) => expect(parseDay(text)).toBe(day));

  it.each(['2001-13-01', '2019-02-29', '01/02/2001', '', '2001-01-01 noon'])('rejects %s', (text) =>
    expect(parseDay(text)).toBeUndefined(),
  );
});

describe('parseDatasetCsv', () => {
  it('reads the query step output (count,day with BigQuery timestamps)', () => {
    const series = parseDatasetCsv(
      'count,day\n1821,2001-01-01 00:00:00 UTC\n1143,2001-01-02 00:00:00 UTC\n',
    );
    expect(series).toEqual({ days: ['2001-01-01', '2001-01-02'], counts: [1821, 1143] });
  });

  it('accepts a BOM, CRLF, blank lines, quotes, any column order and a date column', () => {
    const text = '\uFEFFdate,"count"\r\n"2001-01-01",5\r\n\r\n2001-01-02,"6"\r\n';
    expect(parseDatasetCsv(text)).toEqual({ days: ['2001-01-01', '2001-01-02'], counts: [5, 6] });
  });

  it('accepts one column ending in count, such as crime_count', () => {
    expect(parseDatasetCsv('date,crime_count\n2001-01-01,1821\n').counts).toEqual([1821]);
    expect(() => parseDatasetCsv('a_count,b_count,day\n1,2,2001-01-01\n')).toThrow(/no 'count'/);
  });

  it('takes the first non-count column as the day, as the sample did', () => {
    expect(parseDatasetCsv('when,count\n2001-01-01,5\n').days).toEqual(['2001-01-01']);
  });

  it('names the line of a bad count', () => {
    const e = errorOf(() => parseDatasetCsv('count,day\n5,2001-01-01\nx,2001-01-02\n', 'd.csv'));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^line 3: count 'x'/);
    expect(e.context.file).toBe('d.csv');
    expect(e).toBeInstanceOf(PipelabError);
    expect(e.code).toBe('INVALID_DATASET');
  });

  it('names the line of a negative count, a bad day and a short row', () => {
    expect(errorOf(() => parseDatasetCsv('count,day\n-1,2001-01-01\n')).line).toBe(2);
    expect(errorOf(() => parseDatasetCsv('count,day\n1,2001-02-30\n')).message).toMatch(
      /line 2: '2001-02-30' is not a day/,
    );
    expect(errorOf(() => parseDatasetCsv('count,day\n1,2001-01-01\n2\n')).message).toMatch(
      /line 3: expected 2 fields, got 1/,
    );
  });

  it('requires one row per day, oldest first, without gaps', () => {
    const gap = errorOf(() => parseDatasetCsv('count,day\n1,2001-01-01\n2,2001-01-04\n'));
    expect(gap.message).toBe('line 3: days 2001-01-02 to 2001-01-03 are missing');
    const order = errorOf(() => parseDatasetCsv('count,day\n1,2001-01-02\n2,2001-01-01\n'));
    expect(order.message).toMatch(/line 3: 2001-01-01 does not come after 2001-01-02/);
    expect(errorOf(() => parseDatasetCsv('count,day\n1,2001-01-01\n1,2001-01-01\n')).line).toBe(3);
  });

  it('rejects a missing count column, an unterminated quote and an empty file', () => {
    expect(errorOf(() => parseDatasetCsv('total,day\n1,2001-01-01\n')).message).toMatch(
      /no 'count' column/,
    );
    expect(errorOf(() => parseDatasetCsv('count,day\n"1,2001-01-01\n')).line).toBe(2);
    expect(errorOf(() => parseDatasetCsv('')).message).toMatch(/empty/);
    expect(errorOf(() => parseDatasetCsv('count,day\n')).message).toMatch(/no rows/);
  });
});

describe('readDatasetCsv', () => {
  it('hashes the file bytes (sha256)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pipelab-csv-'));
    const file = path.join(dir, 'reports.csv');
    const text = 'count,day\n3,2001-01-01 00:00:00 UTC\n';
    writeFileSync(file, text);
    const read = await readDatasetCsv(file);
    expect(read.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(read.series.counts).toEqual([3]);
  });

  it('reports an unreadable file as a DatasetError', async () => {
    await expect(readDatasetCsv('/nonexistent/reports.csv')).rejects.toBeInstanceOf(DatasetError);
  });
});

describe('seriesFromPoints and formatDatasetCsv', () => {
  it('round-trips through the query step format', () => {
    const series = seriesFromPoints([
      { day: '2021-12-31', count: 4 },
      { day: '2022-01-01 00:00:00 UTC', count: 5 },
    ]);
    expect(parseDatasetCsv(formatDatasetCsv(series))).toEqual(series);
  });

  it('checks points like rows', () => {
    expect(() =>
      seriesFromPoints([
        { day: '2021-12-30', count: 4 },
        { day: '2022-01-01', count: 5 },
      ]),
    ).toThrow(/point 1 \(2022-01-01\)/);
    expect(() => seriesFromPoints([{ day: '2021-12-30', count: NaN }])).toThrow(DatasetError);
  });
});
