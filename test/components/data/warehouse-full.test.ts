/**
 * The one full-range build: every day from 2001-01-01 to a fixed "today" (about 8.7 million
 * reports), timed. The other warehouse tests use a few weeks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { generateDailyTotals } from '../../../kernel-lib/src/components/data/generator/daily-totals';
import { queryWarehouse } from '../../../kernel-lib/src/components/data/sources/warehouse-source';
import { ensureWarehouse } from '../../../kernel-lib/src/components/data/warehouse/warehouse';
import { tempDir } from './support/temp';

it('builds the whole 2001→today warehouse in seconds', async () => {
  const file = path.join(tempDir(), 'warehouse.duckdb');
  const started = Date.now();
  const result = await ensureWarehouse({ path: file, today: '2026-11-29' });
  const seconds = (Date.now() - started) / 1000;
  const expected = generateDailyTotals({ until: '2026-11-28' });
  const reports = expected.reduce((a, d) => a + d.count, 0);
  console.log(
    `full warehouse: ${expected.length} days, ${reports} reports, ${seconds.toFixed(1)} s, ` +
      `${(fs.statSync(file).size / 1e6).toFixed(0)} MB`,
  );
  expect(result.info).toMatchObject({ firstDay: '2001-01-01', lastDay: '2026-11-28', reports });
  expect(reports).toBeGreaterThan(8_000_000);
  // "A few seconds" on 2 cores; the bound leaves room for a busy CI machine.
  expect(seconds).toBeLessThan(60);

  const queried = Date.now();
  const daily = await queryWarehouse({ path: file, update: false });
  console.log(
    `full warehouse: the sample query took ${((Date.now() - queried) / 1000).toFixed(2)} s`,
  );
  expect(daily.rows).toHaveLength(expected.length);
  expect(daily.rows.at(-1)).toEqual({
    row: expected.length,
    day: '2026-11-28 00:00:00',
    count: String(expected.at(-1)?.count),
  });
});
