import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WarehouseError } from '../../../kernel-lib/src/components/data/errors';
import { generateDailyTotals } from '../../../kernel-lib/src/components/data/generator/daily-totals';
import { queryWarehouse } from '../../../kernel-lib/src/components/data/sources/warehouse-source';
import { SAMPLE_SQL } from '../../../kernel-lib/src/components/data/sql-dialect';
import { openDuckDb, queryRows } from '../../../kernel-lib/src/components/data/warehouse/duckdb';
import {
  DISTRICTS,
  OFFENCES,
} from '../../../kernel-lib/src/components/data/warehouse/report-attributes';
import {
  appendNewDays,
  createWarehouse,
  ensureWarehouse,
  readWarehouseInfo,
} from '../../../kernel-lib/src/components/data/warehouse/warehouse';
import { tempDir } from './support/temp';

async function sql(file: string, text: string): Promise<unknown[][]> {
  const session = await openDuckDb(file);
  try {
    return (await queryRows(session.connection, text)).rows;
  } finally {
    session.close();
  }
}

/** Daily totals of a warehouse, by the sample's own query. */
async function dailyTotals(file: string): Promise<{ day: string; count: number }[]> {
  const result = await queryWarehouse({ path: file, update: false, query: SAMPLE_SQL });
  return result.rows.map((r) => ({ day: String(r.day).slice(0, 10), count: Number(r.count) }));
}

/** A fingerprint of every row of the crime table. */
async function fingerprint(file: string): Promise<unknown[]> {
  const [row] = await sql(
    file,
    'SELECT count(*), sum(hash(id, date, primary_type, arrest, domestic, beat, district, ward, community_area, year) % 1000000007) FROM crime',
  );
  return row ?? [];
}

describe('the embedded warehouse', () => {
  it('holds individual reports whose daily totals are the generated ones', async () => {
    const file = path.join(tempDir(), 'warehouse.duckdb');
    const info = await createWarehouse({ path: file, until: '2001-02-28', seed: 11 });
    const expected = generateDailyTotals({ seed: 11, until: '2001-02-28' });
    expect(info).toEqual({
      path: file,
      generator: 'pipelab-chicago/1',
      seed: 11,
      firstDay: '2001-01-01',
      lastDay: '2001-02-28',
      reports: expected.reduce((a, d) => a + d.count, 0),
    });
    expect(await readWarehouseInfo(file)).toEqual(info);
    expect(await dailyTotals(file)).toEqual(expected);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['warehouse.duckdb']);

    const columns = await sql(
      file,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'crime' ORDER BY ordinal_position",
    );
    expect(columns).toEqual([
      ['id', 'BIGINT'],
      ['date', 'TIMESTAMP'],
      ['primary_type', 'VARCHAR'],
      ['arrest', 'BOOLEAN'],
      ['domestic', 'BOOLEAN'],
      ['beat', 'INTEGER'],
      ['district', 'INTEGER'],
      ['ward', 'INTEGER'],
      ['community_area', 'INTEGER'],
      ['year', 'INTEGER'],
    ]);
    const [shape] = await sql(
      file,
      `SELECT count(DISTINCT id) = count(*), min(id), max(id), avg(arrest::INTEGER), avg(domestic::INTEGER),
              count(DISTINCT primary_type), min(ward) >= 1, max(ward) <= 50, count(DISTINCT ward) > 40,
              min(community_area) >= 1 AND max(community_area) <= 77,
              count(*) FILTER (WHERE beat // 100 <> district), min(year), max(year)
       FROM crime`,
    );
    expect(shape?.[0]).toBe(true);
    expect(Number(shape?.[1])).toBe(1);
    expect(Number(shape?.[2])).toBe(info.reports);
    expect(Number(shape?.[3])).toBeGreaterThan(0.22); // about a quarter of reports end in an arrest
    expect(Number(shape?.[3])).toBeLessThan(0.29);
    expect(Number(shape?.[4])).toBeGreaterThan(0.11);
    expect(Number(shape?.[4])).toBeLessThan(0.17);
    expect(Number(shape?.[5])).toBe(OFFENCES.length);
    expect(shape?.slice(6, 13)).toEqual([true, true, true, true, '0', 2001, 2001]);
    const districts = (await sql(file, 'SELECT DISTINCT district FROM crime ORDER BY 1')).map((r) =>
      Number(r[0]),
    );
    expect(districts).toEqual(DISTRICTS.map(([d]) => d));
    const top = await sql(
      file,
      'SELECT primary_type FROM crime GROUP BY 1 ORDER BY count(*) DESC LIMIT 2',
    );
    expect(top).toEqual([['THEFT'], ['BATTERY']]);
    const [hours] = await sql(
      file,
      'SELECT arg_min(h, n), arg_max(h, n) FROM (SELECT hour(date) h, count(*) n FROM crime GROUP BY h)',
    );
    expect(Number(hours?.[0])).toBe(5); // fewest reports at 5 am
  });

  it('appends new days idempotently, exactly as a rebuild would have written them', async () => {
    const dir = tempDir();
    const grown = path.join(dir, 'grown.duckdb');
    const rebuilt = path.join(dir, 'rebuilt.duckdb');
    await createWarehouse({ path: grown, until: '2001-01-31', seed: 5 });
    const first = await appendNewDays(grown, { until: '2001-03-15', batchDays: 10 });
    expect(first).toMatchObject({ appendedDays: 43, lastDay: '2001-03-15' });
    const again = await appendNewDays(grown, { until: '2001-03-15' });
    expect(again).toMatchObject({ appendedDays: 0, appendedReports: 0, lastDay: '2001-03-15' });
    const earlier = await appendNewDays(grown, { until: '2001-02-01' });
    expect(earlier.appendedDays).toBe(0);

    await createWarehouse({ path: rebuilt, until: '2001-03-15', seed: 5 });
    expect(await fingerprint(grown)).toEqual(await fingerprint(rebuilt));
    const totals = await dailyTotals(grown);
    expect(totals).toEqual(generateDailyTotals({ seed: 5, until: '2001-03-15' }));
    expect(new Set(totals.map((d) => d.day)).size).toBe(totals.length);
    expect(await readWarehouseInfo(grown)).toEqual({
      ...(await readWarehouseInfo(rebuilt)),
      path: grown,
    });
  });

  it('never writes a day twice, and a failed batch leaves nothing behind', async () => {
    const file = path.join(tempDir(), 'w.duckdb');
    await createWarehouse({ path: file, until: '2001-01-20' });
    // Someone wrote a report after the recorded last day: the append refuses to write that day again.
    await sql(
      file,
      "INSERT INTO crime SELECT 999999999, TIMESTAMP '2001-01-21 10:00:00', 'THEFT', false, false, 111, 1, 1, 1, 2001",
    );
    await expect(appendNewDays(file, { until: '2001-01-25' })).rejects.toThrow(
      /already has reports on or after 2001-01-21, after its recorded last day 2001-01-20; refusing to write that day twice/,
    );
    await sql(file, 'DELETE FROM crime WHERE id = 999999999');
    const before = await fingerprint(file);
    // A batch that fails half-way (the table lost a column) is rolled back whole.
    await sql(file, 'ALTER TABLE crime DROP COLUMN year');
    const error = await appendNewDays(file, { until: '2001-01-25', batchDays: 2 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WarehouseError);
    expect(await readWarehouseInfo(file)).toMatchObject({ lastDay: '2001-01-20' });
    const [after] = await sql(file, 'SELECT count(*) FROM crime');
    expect(after?.[0]).toBe(before[0]);
  });

  it('ensures the warehouse: create when missing, then add the days that passed', async () => {
    const file = path.join(tempDir(), 'home', 'warehouse.duckdb');
    const created = await ensureWarehouse({ path: file, today: '2001-02-01' });
    expect(created).toMatchObject({ created: true, appendedDays: 0 });
    expect(created.info?.lastDay).toBe('2001-01-31');
    expect(await ensureWarehouse({ path: file, today: '2001-02-01' })).toMatchObject({
      created: false,
      appendedDays: 0,
    });
    const later = await ensureWarehouse({ path: file, today: '2001-02-04' });
    expect(later).toMatchObject({ created: false, appendedDays: 3 });
    expect(later.info?.lastDay).toBe('2001-02-03');
  });

  it('leaves a crime table it did not generate alone, and refuses a foreign file', async () => {
    const dir = tempDir();
    const external = path.join(dir, 'real.duckdb');
    await sql(external, "CREATE TABLE crime AS SELECT TIMESTAMP '2001-01-01 10:00:00' AS date");
    const lines: string[] = [];
    const result = await ensureWarehouse({
      path: external,
      today: '2001-03-01',
      log: (l) => lines.push(l),
    });
    expect(result).toEqual({ path: external, created: false, appendedDays: 0, info: undefined });
    expect(lines[0]).toMatch(/has a crime table Pipelab did not generate/);
    await expect(appendNewDays(external, { until: '2001-02-01' })).rejects.toThrow(
      /was not generated by Pipelab/,
    );

    const other = path.join(dir, 'other.duckdb');
    await sql(other, 'CREATE TABLE notes (x INTEGER)');
    await expect(ensureWarehouse({ path: other, today: '2001-03-01' })).rejects.toThrow(
      /is a DuckDB file without a crime table/,
    );
    await expect(createWarehouse({ path: other, until: '2001-01-05' })).rejects.toThrow(
      /already exists/,
    );
  });

  it('runs DuckDB SQL as given, and says what failed', async () => {
    const file = path.join(tempDir(), 'w.duckdb');
    await createWarehouse({ path: file, until: '2001-01-10' });
    const monthly = await queryWarehouse({
      path: file,
      update: false,
      query:
        "SELECT date_trunc('day', date) AS day, count(*) FILTER (WHERE arrest) AS count FROM crime GROUP BY 1 ORDER BY 1",
    });
    expect(monthly.rows).toHaveLength(10);
    expect(monthly.details.translations).toEqual([]);
    await expect(
      queryWarehouse({ path: file, update: false, query: 'SELECT nonsense FROM crime' }),
    ).rejects.toThrow(
      /the query failed on .*w\.duckdb: .*nonsense[\s\S]*query as run: SELECT nonsense FROM crime/,
    );
    await expect(
      queryWarehouse({ path: file, update: false, query: 'SELECT count(*) AS n FROM crime' }),
    ).rejects.toThrow('the query must return a count and a day column; it returned n.');
    await expect(
      queryWarehouse({ path: path.join(path.dirname(file), 'missing.duckdb'), update: false }),
    ).rejects.toThrow(/does not exist/);
  });
});
