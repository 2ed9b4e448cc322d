/**
 * The SQL that turns daily totals into individual reports. Day totals are computed in
 * TypeScript (see generator/daily-totals) and loaded into a small temporary table; DuckDB then
 * expands each day into its reports with `unnest(range(n))` and draws every attribute from a
 * hash of (report id, seed), split into 16-bit fields, so the whole expansion is one
 * vectorised, parallel query.
 *
 * The attributes depend on DuckDB's `hash()`; the daily totals do not, so they are identical on
 * every DuckDB version.
 */
import { DISTRICTS, HOUR_WEIGHTS, OFFENCES, weightedSlots } from './report-attributes';

/** The temporary table the day totals are loaded into. */
export const DAYS_TABLE = 'pipelab_new_days';
/** The temporary table of report ids, day numbers and hashes. */
export const KEYS_TABLE = 'pipelab_new_report_keys';

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function list(items: readonly (string | number)[]): string {
  return `[${items.map((x) => (typeof x === 'number' ? String(x) : sqlString(x))).join(', ')}]`;
}

/** A 16-bit field of a hash, scaled to a slot in 0..999. */
function slot(hashColumn: string, field: number): string {
  return `((((${hashColumn} >> ${16 * field}) & 65535) * 1000) >> 16)::INTEGER`;
}

/** DDL of the days table, to be filled with `(day_number, reports, first_id)` rows. */
export function createDaysTableSql(): string {
  return `CREATE OR REPLACE TEMP TABLE ${DAYS_TABLE} (day_number INTEGER, reports INTEGER, first_id BIGINT)`;
}

/**
 * Materialises the report keys. Expanding the days is serial (the days table is tiny); the
 * expansion below then reads this table in parallel.
 */
export function createKeysTableSql(): string {
  return `CREATE OR REPLACE TEMP TABLE ${KEYS_TABLE} AS
SELECT first_id + i + 1 AS id, day_number
FROM (SELECT day_number, first_id, unnest(range(reports)) AS i FROM ${DAYS_TABLE})`;
}

/**
 * The SELECT producing the reports of the keys table: the `crime` table's columns
 * `id BIGINT, date TIMESTAMP, primary_type VARCHAR, arrest BOOLEAN, domestic BOOLEAN,
 * beat INTEGER, district INTEGER, ward INTEGER, community_area INTEGER, year INTEGER`.
 */
export function reportsSelectSql(seed: number): string {
  const offenceSlots = weightedSlots(OFFENCES.map((o) => o.weight));
  const names = offenceSlots.map((i) => OFFENCES[i]?.name ?? '');
  const arrests = offenceSlots.map((i) => Math.round((OFFENCES[i]?.arrest ?? 0) * 1000));
  const domestic = offenceSlots.map((i) => Math.round((OFFENCES[i]?.domestic ?? 0) * 1000));
  const hours = weightedSlots(HOUR_WEIGHTS);
  const districts = weightedSlots(DISTRICTS.map(([, w]) => w)).map((i) => DISTRICTS[i]?.[0] ?? 0);

  return `
SELECT
  id,
  make_timestamp((day_number::BIGINT * 86400
    + ${list(hours)}[1 + ${slot('h1', 0)}]::BIGINT * 3600
    + (((h1 >> 16) & 65535) % 60)::BIGINT * 60) * 1000000) AS date,
  ${list(names)}[1 + offence] AS primary_type,
  ${slot('h1', 2)} < ${list(arrests)}[1 + offence] AS arrest,
  ${slot('h1', 3)} < ${list(domestic)}[1 + offence] AS domestic,
  beat,
  district,
  -- a beat lies in one ward and one community area (a fixed, seeded mapping)
  (1 + ((beat::BIGINT * 40503 + ${seed}) % 1000003) % 50)::INTEGER AS ward,
  (1 + ((beat::BIGINT * 65599 + ${seed}) % 1000033) % 77)::INTEGER AS community_area,
  year(DATE '1970-01-01' + day_number)::INTEGER AS year
FROM (
  SELECT *,
    -- a beat is district, sector (1-4) and beat (1-4), as on the city's beat map
    (district * 100 + 10 * (1 + ((h2 >> 48) & 3)) + 1 + ((h2 >> 50) & 3))::INTEGER AS beat
  FROM (
    SELECT *, ${slot('h2', 0)} AS offence,
      ${list(districts)}[1 + ${slot('h2', 2)}]::INTEGER AS district
    FROM (
      SELECT id, day_number, hash(id, ${seed}::UBIGINT) AS h1, hash(id, ${seed}::UBIGINT, 1) AS h2
      FROM ${KEYS_TABLE}
    )
  )
)`;
}
