/**
 * Runs in the metadata database, with their state history (`run_states`). A run keeps the
 * PipelineSpec it executes (given inline or copied from a pipeline version) and its runtime
 * config, so it can be retried after its version is deleted.
 */
import { NotFoundError } from '../errors';
import { atomically, statement, type Db } from './database';
import { experimentScopes, listPage, type FieldMap, type ListQuery, type Page } from './list-query';

/** KFP's V2beta1RuntimeState values a run can have. */
export type RunStateName =
  'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'SKIPPED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'PAUSED';

/** States a run does not leave on its own. */
export const FINAL_RUN_STATES: ReadonlySet<RunStateName> = new Set([
  'SUCCEEDED',
  'SKIPPED',
  'FAILED',
  'CANCELED',
]);

/** An error recorded on a run or a state change: google.rpc.Status without details. */
export interface StoredStatus {
  code: number;
  message: string;
}

/** A run as stored. */
export interface RunRow {
  seq: number;
  id: string;
  display_name: string;
  description: string;
  experiment_id: string;
  namespace: string;
  pipeline_id: string;
  pipeline_version_id: string;
  /** 1 when the run was created with an inline pipeline_spec. */
  spec_inline: number;
  /** The PipelineSpec as JSON text. */
  pipeline_spec: string;
  /** `runtime_config.parameters` as JSON text. */
  parameters: string;
  pipeline_root: string;
  service_account: string;
  storage_state: 'AVAILABLE' | 'ARCHIVED';
  state: RunStateName;
  /** {@link StoredStatus} as JSON text. */
  error: string | null;
  created_at: number;
  scheduled_at: number;
  finished_at: number | null;
  recurring_run_id: string | null;
  /** 1 for the first execution, 2 after the first retry... */
  attempt: number;
  work_dir: string;
}

/** What a recurring run shows of its latest run. */
export type LatestRunRow = Pick<
  RunRow,
  'id' | 'display_name' | 'state' | 'scheduled_at' | 'created_at' | 'finished_at'
>;

/**
 * The latest run (by scheduled time) of each recurring run of a JSON array of ids, with the
 * columns of {@link LatestRunRow}: per id, one step down the unique (recurring run, scheduled
 * time) index to the run's rowid, then that row. Ids without a run have no row.
 */
export const LATEST_OF_RECURRING_RUNS_SQL = `SELECT ids.value AS recurring_run_id, runs.id, runs.display_name, runs.state,
       runs.scheduled_at, runs.created_at, runs.finished_at
     FROM json_each(?) AS ids
     JOIN runs ON runs.seq = (
       SELECT latest.seq FROM runs AS latest
         WHERE latest.recurring_run_id = ids.value ORDER BY latest.scheduled_at DESC LIMIT 1)`;

/** One entry of a run's state history. */
export interface RunStateRow {
  seq: number;
  run_id: string;
  state: RunStateName;
  update_time: number;
  error: string | null;
}

/** The fields KFP lets runs be filtered and sorted on. */
export const RUN_FIELDS: FieldMap = {
  run_id: { column: 'id', kind: 'string' },
  id: { column: 'id', kind: 'string' },
  display_name: { column: 'display_name', kind: 'string' },
  name: { column: 'display_name', kind: 'string' },
  created_at: { column: 'created_at', kind: 'time' },
  finished_at: { column: 'finished_at', kind: 'time', nullable: true },
  scheduled_at: { column: 'scheduled_at', kind: 'time' },
  description: { column: 'description', kind: 'string' },
  storage_state: { column: 'storage_state', kind: 'enum' },
  state: { column: 'state', kind: 'enum' },
  namespace: { column: 'namespace', kind: 'string' },
  experiment_id: { column: 'experiment_id', kind: 'string' },
  recurring_run_id: { column: 'recurring_run_id', kind: 'string', nullable: true },
  pipeline_version_id: { column: 'pipeline_version_id', kind: 'string' },
  pipeline_id: { column: 'pipeline_id', kind: 'string' },
};

/** What creating a run takes. */
export interface NewRun {
  id: string;
  display_name: string;
  description: string;
  experiment_id: string;
  pipeline_id: string;
  pipeline_version_id: string;
  spec_inline: boolean;
  pipeline_spec: string;
  parameters: string;
  pipeline_root: string;
  service_account: string;
  created_at: number;
  scheduled_at: number;
  recurring_run_id?: string;
  work_dir: string;
}

export class RunStore {
  constructor(private readonly db: Db) {}

  /** Inserts a PENDING run and its first state history entry; returns it as stored. */
  insert(run: NewRun): RunRow {
    const seq = atomically(this.db, () => {
      const result = statement(
        this.db,
        `INSERT INTO runs (id, display_name, description, experiment_id, pipeline_id, pipeline_version_id,
             spec_inline, pipeline_spec, parameters, pipeline_root, service_account, state, created_at,
             scheduled_at, recurring_run_id, work_dir)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)`,
      ).run(
        run.id,
        run.display_name,
        run.description,
        run.experiment_id,
        run.pipeline_id,
        run.pipeline_version_id,
        run.spec_inline ? 1 : 0,
        run.pipeline_spec,
        run.parameters,
        run.pipeline_root,
        run.service_account,
        run.created_at,
        run.scheduled_at,
        run.recurring_run_id ?? null,
        run.work_dir,
      );
      this.appendState(run.id, 'PENDING', run.created_at);
      return Number(result.lastInsertRowid);
    });
    // The row as the INSERT wrote it (the column defaults included), without reading it back.
    return {
      seq,
      id: run.id,
      display_name: run.display_name,
      description: run.description,
      experiment_id: run.experiment_id,
      namespace: '',
      pipeline_id: run.pipeline_id,
      pipeline_version_id: run.pipeline_version_id,
      spec_inline: run.spec_inline ? 1 : 0,
      pipeline_spec: run.pipeline_spec,
      parameters: run.parameters,
      pipeline_root: run.pipeline_root,
      service_account: run.service_account,
      storage_state: 'AVAILABLE',
      state: 'PENDING',
      error: null,
      created_at: run.created_at,
      scheduled_at: run.scheduled_at,
      finished_at: null,
      recurring_run_id: run.recurring_run_id ?? null,
      attempt: 1,
      work_dir: run.work_dir,
    };
  }

  get(id: string): RunRow | undefined {
    return statement(this.db, 'SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  }

  /** @throws {@link NotFoundError} */
  require(id: string): RunRow {
    const row = this.get(id);
    if (row === undefined) throw new NotFoundError('run', id);
    return row;
  }

  list(query: ListQuery, experimentId?: string): Page<RunRow> {
    return listPage<RunRow>(this.db, 'runs', RUN_FIELDS, experimentScopes(experimentId), query);
  }

  /** The state histories of several runs (oldest entry first), by run id, in one query. */
  statesOf(ids: readonly string[]): Map<string, RunStateRow[]> {
    const byRun = new Map<string, RunStateRow[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byRun;
    const rows = statement(
      this.db,
      `SELECT * FROM run_states WHERE run_id IN (${ids.map(() => '?').join(', ')}) ORDER BY seq`,
    ).all(...ids) as RunStateRow[];
    for (const row of rows) byRun.get(row.run_id)?.push(row);
    return byRun;
  }

  /** The state history of a run, oldest first. */
  states(id: string): RunStateRow[] {
    return statement(this.db, 'SELECT * FROM run_states WHERE run_id = ? ORDER BY seq').all(
      id,
    ) as RunStateRow[];
  }

  private appendState(id: string, state: RunStateName, time: number, error?: StoredStatus): void {
    statement(
      this.db,
      'INSERT INTO run_states (run_id, state, update_time, error) VALUES (?, ?, ?, ?)',
    ).run(id, state, time, error === undefined ? null : JSON.stringify(error));
  }

  /**
   * Moves a run to `state`, recording it in the history; a final state also sets `finished_at`
   * and the error. Returns false when the run no longer exists.
   */
  setState(id: string, state: RunStateName, time: number, error?: StoredStatus): boolean {
    return atomically(this.db, () => {
      const final = FINAL_RUN_STATES.has(state);
      const result = statement(
        this.db,
        `UPDATE runs SET state = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END,
             error = CASE WHEN ? THEN ? ELSE error END
           WHERE id = ?`,
      ).run(
        state,
        final ? 1 : 0,
        time,
        error === undefined ? 0 : 1,
        error === undefined ? null : JSON.stringify(error),
        id,
      );
      if (result.changes === 0) return false;
      this.appendState(id, state, time, error);
      return true;
    });
  }

  setStorageState(id: string, state: 'AVAILABLE' | 'ARCHIVED'): void {
    this.require(id);
    statement(this.db, 'UPDATE runs SET storage_state = ? WHERE id = ?').run(state, id);
  }

  /** Starts another attempt: back to PENDING, error and end time cleared, tasks forgotten. */
  resetForRetry(id: string, time: number, workDir: string): RunRow {
    this.db.transaction(() => {
      statement(
        this.db,
        `UPDATE runs SET state = 'PENDING', error = NULL, finished_at = NULL, attempt = attempt + 1,
             work_dir = ? WHERE id = ?`,
      ).run(workDir, id);
      statement(this.db, 'DELETE FROM tasks WHERE run_id = ?').run(id);
      this.appendState(id, 'PENDING', time);
    })();
    return this.require(id);
  }

  /** Runs that were not finished: PENDING, RUNNING or CANCELING. */
  unfinished(): RunRow[] {
    return statement(
      this.db,
      `SELECT * FROM runs WHERE state IN ('PENDING', 'RUNNING', 'CANCELING') ORDER BY seq`,
    ).all() as RunRow[];
  }

  /**
   * How many runs of each recurring run are active (PENDING, RUNNING or CANCELING), by recurring
   * run id; those with none are absent. One query, served by a partial index of active runs.
   */
  activeByRecurringRun(): Map<string, number> {
    const rows = statement(
      this.db,
      `SELECT recurring_run_id AS id, COUNT(*) AS n FROM runs INDEXED BY runs_active_by_recurring_run
         WHERE recurring_run_id IS NOT NULL AND state IN ('PENDING', 'RUNNING', 'CANCELING')
         GROUP BY recurring_run_id`,
    ).all() as { id: string; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  /**
   * The latest run (by scheduled time) of each of these recurring runs, by recurring run id, in
   * one query; those without a run are absent.
   */
  latestOfRecurringRuns(ids: readonly string[]): Map<string, LatestRunRow> {
    if (ids.length === 0) return new Map();
    const rows = statement(this.db, LATEST_OF_RECURRING_RUNS_SQL).all(
      JSON.stringify(ids),
    ) as (LatestRunRow & { recurring_run_id: string })[];
    return new Map(
      rows.map(({ recurring_run_id: id, ...run }): [string, LatestRunRow] => [id, run]),
    );
  }

  /** Deletes a run with its history, tasks, artifacts records and cache entries. */
  delete(id: string): void {
    this.db.transaction(() => {
      statement(this.db, 'DELETE FROM cache_entries WHERE run_id = ?').run(id);
      statement(this.db, 'DELETE FROM runs WHERE id = ?').run(id);
    })();
  }
}
