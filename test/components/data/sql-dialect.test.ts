import { describe, expect, it } from 'vitest';
import { CHICAGO_SQL } from '../../../kernel-lib/src/components/chicago';
import {
  SAMPLE_SQL,
  SAMPLE_SQL_DUCKDB,
  isSampleQuery,
  toDuckDbSql,
} from '../../../kernel-lib/src/components/data/sql-dialect';
import { openDuckDb, queryRows } from '../../../kernel-lib/src/components/data/warehouse/duckdb';

describe('BigQuery → DuckDB SQL', () => {
  it("is the pipeline's default query", () => {
    expect(SAMPLE_SQL).toBe(CHICAGO_SQL);
  });

  it("translates the sample's query, quoted or not", () => {
    for (const sql of [
      SAMPLE_SQL,
      'SELECT count(*) as count, TIMESTAMP_TRUNC(date, DAY) as day FROM bigquery-public-data.chicago_crime.crime GROUP BY day ORDER BY day',
    ]) {
      const t = toDuckDbSql(sql);
      expect(t.sql.replace(/ as /g, ' AS ')).toBe(SAMPLE_SQL_DUCKDB);
      expect(t.changes).toEqual(['TIMESTAMP_TRUNC(x, DAY) → date_trunc', 'table → crime']);
    }
  });

  it('leaves DuckDB SQL as it is', () => {
    const sql =
      "SELECT date_trunc('month', date) AS m, count(*) FROM crime WHERE primary_type = 'THEFT' GROUP BY m";
    expect(toDuckDbSql(sql)).toEqual({ sql, changes: [] });
  });

  it('translates the other known constructs', () => {
    const t = toDuckDbSql(
      'SELECT DATE(date) AS d, COUNTIF(arrest) AS a, EXTRACT(DAYOFWEEK FROM date) AS w, ' +
        "SAFE_CAST(x AS INT64), CAST(y AS STRING), DATE_TRUNC(date, MONTH) # note\nFROM `p.d.t` WHERE s = 'it''s'",
    );
    expect(t.sql).toBe(
      'SELECT CAST(date AS DATE) AS d, count_if(arrest) AS a, (extract(dow FROM date) + 1) AS w, ' +
        'TRY_CAST(x AS BIGINT), CAST(y AS VARCHAR), date_trunc(\'month\', date) -- note\nFROM "p"."d"."t" WHERE s = \'it\'\'s\'',
    );
  });

  it('gives the same days and weeks as BigQuery on DuckDB', async () => {
    const session = await openDuckDb(':memory:');
    try {
      await session.connection.run(
        `CREATE TABLE crime AS SELECT TIMESTAMP '2021-11-20 13:45:00' + INTERVAL (i) HOUR AS date FROM range(200) t(i)`,
      );
      const day = await queryRows(session.connection, toDuckDbSql(SAMPLE_SQL).sql);
      expect(day.columns).toEqual(['count', 'day']);
      expect(day.rows[0]).toEqual(['11', '2021-11-20 00:00:00']);
      // BigQuery weeks start on Sunday: Saturday 2021-11-20 is in the week of Sunday 2021-11-14.
      const week = await queryRows(
        session.connection,
        toDuckDbSql('SELECT TIMESTAMP_TRUNC(date, WEEK) AS w FROM crime ORDER BY w LIMIT 1').sql,
      );
      expect(week.rows[0]).toEqual(['2021-11-14 00:00:00']);
      const dow = await queryRows(
        session.connection,
        toDuckDbSql("SELECT EXTRACT(DAYOFWEEK FROM TIMESTAMP '2021-11-21 10:00:00') AS w").sql,
      );
      expect(dow.rows[0]).toEqual(['1']);
    } finally {
      session.close();
    }
  });

  it('recognises the sample query in either dialect', () => {
    expect(isSampleQuery(SAMPLE_SQL)).toBe(true);
    expect(isSampleQuery(`  ${SAMPLE_SQL.toLowerCase()} ;`)).toBe(true);
    expect(isSampleQuery(SAMPLE_SQL_DUCKDB)).toBe(true);
    expect(isSampleQuery('SELECT 1')).toBe(false);
  });
});
