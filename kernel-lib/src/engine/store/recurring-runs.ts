/**
 * Recurring runs in the metadata database: their definition (what to run, the trigger, the
 * scheduling options) and the scheduler's cursor — the scheduled time and `[[Index]]` of the last
 * fire — which is written in the same transaction as the runs a fire creates, so a restart
 * continues exactly where the previous process stopped.
 */
import { NotFoundError } from '../errors';
import { statement, type Db } from './database';
import { experimentScopes, listPage, type FieldMap, type ListQuery, type Page } from './list-query';

/** KFP's `RecurringRunMode` as stored: whether the schedule starts runs. */
export type RecurringRunMode = 'ENABLE' | 'DISABLE';

/** A recurring run as stored. */
export interface RecurringRunRow {
  seq: number;
  id: string;
  display_name: string;
  description: string;
  experiment_id: string;
  namespace: string;
  /** The pipeline run by reference; `''` when the spec is inline. */
  pipeline_id: string;
  /** A pinned version; `''` for the pipeline's latest version at fire time (or an inline spec). */
  pipeline_version_id: string;
  /** The inline PipelineSpec as JSON text, or null when run by reference. */
  pipeline_spec: string | null;
  /** `{parameters, pipeline_root}` as JSON text. */
  runtime_config: string;
  service_account: string;
  /** The API trigger (`{cron_schedule}` or `{periodic_schedule}`), normalized, as JSON text. */
  trigger: string;
  max_concurrency: number;
  /** 1 when only the latest missed fire time runs after an outage. */
  no_catchup: number;
  mode: RecurringRunMode;
  /** Disable after this many failed runs in a row; null: never. */
  max_consecutive_failures: number | null;
  created_at: number;
  updated_at: number;
  /** Where a schedule without start_time counts its fire times from (its creation). */
  anchor_at: number;
  /** The scheduler's cursor: the scheduled time of the last fire (or where to resume). */
  last_fire_at: number | null;
  /** The `[[Index]]` of the last run started. */
  last_index: number;
  consecutive_failures: number;
  /** Why the engine disabled it (repeated failures, an archived experiment); null otherwise. */
  disabled_reason: string | null;
}

/** The fields recurring runs can be filtered and sorted on, by API name. */
export const RECURRING_RUN_FIELDS: FieldMap = {
  recurring_run_id: { column: 'id', kind: 'string' },
  id: { column: 'id', kind: 'string' },
  display_name: { column: 'display_name', kind: 'string' },
  name: { column: 'display_name', kind: 'string' },
  description: { column: 'description', kind: 'string' },
  created_at: { column: 'created_at', kind: 'time' },
  updated_at: { column: 'updated_at', kind: 'time' },
  experiment_id: { column: 'experiment_id', kind: 'string' },
  namespace: { column: 'namespace', kind: 'string' },
  pipeline_id: { column: 'pipeline_id', kind: 'string' },
  pipeline_version_id: { column: 'pipeline_version_id', kind: 'string' },
  mode: { column: 'mode', kind: 'enum' },
  status: {
    column: `(CASE mode WHEN 'ENABLE' THEN 'ENABLED' ELSE 'DISABLED' END)`,
    kind: 'enum',
  },
};

/** What creating a recurring run stores. */
export interface NewRecurringRun {
  id: string;
  display_name: string;
  description: string;
  experiment_id: string;
  pipeline_id: string;
  pipeline_version_id: string;
  pipeline_spec: string | null;
  runtime_config: string;
  service_account: string;
  trigger: string;
  max_concurrency: number;
  no_catchup: boolean;
  mode: RecurringRunMode;
  max_consecutive_failures: number | null;
  /** The cursor to start from: set for a schedule created disabled (enabling resets it). */
  last_fire_at: number | null;
}

/** The definition fields an edit may change (the cursor and counters are the scheduler's). */
export type RecurringRunChanges = Partial<
  Pick<
    RecurringRunRow,
    | 'display_name'
    | 'description'
    | 'experiment_id'
    | 'pipeline_id'
    | 'pipeline_version_id'
    | 'pipeline_spec'
    | 'runtime_config'
    | 'service_account'
    | 'trigger'
    | 'max_concurrency'
    | 'no_catchup'
    | 'max_consecutive_failures'
    | 'last_fire_at'
  >
>;

/** The columns an edit may set, in a fixed order (they are spliced into the SQL). */
const CHANGEABLE: readonly (keyof RecurringRunChanges)[] = [
  'display_name',
  'description',
  'experiment_id',
  'pipeline_id',
  'pipeline_version_id',
  'pipeline_spec',
  'runtime_config',
  'service_account',
  'trigger',
  'max_concurrency',
  'no_catchup',
  'max_consecutive_failures',
  'last_fire_at',
];

export class RecurringRunStore {
  constructor(private readonly db: Db) {}

  insert(input: NewRecurringRun, now: number): RecurringRunRow {
    statement(
      this.db,
      `INSERT INTO recurring_runs (id, display_name, description, experiment_id, pipeline_id,
           pipeline_version_id, pipeline_spec, runtime_config, service_account, trigger,
           max_concurrency, no_catchup, mode, max_consecutive_failures, created_at, updated_at,
           anchor_at, last_fire_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      input.id,
      input.display_name,
      input.description,
      input.experiment_id,
      input.pipeline_id,
      input.pipeline_version_id,
      input.pipeline_spec,
      input.runtime_config,
      input.service_account,
      input.trigger,
      input.max_concurrency,
      input.no_catchup ? 1 : 0,
      input.mode,
      input.max_consecutive_failures,
      now,
      now,
      now,
      input.last_fire_at,
    );
    return this.require(input.id);
  }

  get(id: string): RecurringRunRow | undefined {
    return statement(this.db, 'SELECT * FROM recurring_runs WHERE id = ?').get(id) as
      RecurringRunRow | undefined;
  }

  /** Several recurring runs by id, in one query; the missing ones are absent. */
  getMany(ids: readonly string[]): Map<string, RecurringRunRow> {
    const rows = statement(
      this.db,
      'SELECT * FROM recurring_runs WHERE id IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(ids)) as RecurringRunRow[];
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** @throws {@link NotFoundError} */
  require(id: string): RecurringRunRow {
    const row = this.get(id);
    if (row === undefined) throw new NotFoundError('recurring_run', id);
    return row;
  }

  list(query: ListQuery, experimentId?: string): Page<RecurringRunRow> {
    return listPage<RecurringRunRow>(
      this.db,
      'recurring_runs',
      RECURRING_RUN_FIELDS,
      experimentScopes(experimentId),
      query,
    );
  }

  /** Every enabled recurring run, oldest first: what the scheduler watches. */
  enabled(): RecurringRunRow[] {
    return statement(
      this.db,
      `SELECT * FROM recurring_runs WHERE mode = 'ENABLE' ORDER BY seq`,
    ).all() as RecurringRunRow[];
  }

  /** Applies an edit of the definition; `updated_at` becomes `now`. */
  update(id: string, changes: RecurringRunChanges, now: number): RecurringRunRow {
    const columns = CHANGEABLE.filter((c) => changes[c] !== undefined);
    const values = columns.map((c) => {
      const value = changes[c];
      return typeof value === 'boolean' ? (value ? 1 : 0) : value;
    });
    const result = statement(
      this.db,
      `UPDATE recurring_runs SET ${[...columns.map((c) => `${c} = ?`), 'updated_at = ?'].join(', ')}
         WHERE id = ?`,
    ).run(...values, now, id);
    if (result.changes === 0) throw new NotFoundError('recurring_run', id);
    return this.require(id);
  }

  /**
   * Enables a disabled recurring run: the cursor moves to `lastFireAt` (so the disabled period
   * is not backfilled), the failure count and the reason are cleared. Returns false when it was
   * already enabled.
   */
  enable(id: string, lastFireAt: number, now: number): boolean {
    const result = statement(
      this.db,
      `UPDATE recurring_runs SET mode = 'ENABLE', last_fire_at = ?, consecutive_failures = 0,
           disabled_reason = NULL, updated_at = ?
         WHERE id = ? AND mode = 'DISABLE'`,
    ).run(lastFireAt, now, id);
    return result.changes > 0;
  }

  /** Disables a recurring run, recording why when the engine does it. False when already disabled. */
  disable(id: string, reason: string | null, now: number): boolean {
    const result = statement(
      this.db,
      `UPDATE recurring_runs SET mode = 'DISABLE', disabled_reason = ?, updated_at = ?
         WHERE id = ? AND mode = 'ENABLE'`,
    ).run(reason, now, id);
    return result.changes > 0;
  }

  /** Disables every enabled recurring run of an experiment; returns their ids. */
  disableInExperiment(experimentId: string, reason: string, now: number): string[] {
    const ids = (
      statement(
        this.db,
        `SELECT id FROM recurring_runs WHERE experiment_id = ? AND mode = 'ENABLE'`,
      ).all(experimentId) as { id: string }[]
    ).map((r) => r.id);
    for (const id of ids) this.disable(id, reason, now);
    return ids;
  }

  /** Moves the scheduler's cursor (after the runs of a fire were stored). */
  advance(id: string, lastFireAt: number | null, lastIndex: number): void {
    statement(
      this.db,
      'UPDATE recurring_runs SET last_fire_at = ?, last_index = ? WHERE id = ?',
    ).run(lastFireAt, lastIndex, id);
  }

  /** Records the count of failed runs in a row. */
  setConsecutiveFailures(id: string, count: number): void {
    statement(this.db, 'UPDATE recurring_runs SET consecutive_failures = ? WHERE id = ?').run(
      count,
      id,
    );
  }

  /** Deletes a recurring run; its runs are kept (and still name it). */
  delete(id: string): void {
    const result = statement(this.db, 'DELETE FROM recurring_runs WHERE id = ?').run(id);
    if (result.changes === 0) throw new NotFoundError('recurring_run', id);
  }
}
