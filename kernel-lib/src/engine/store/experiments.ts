/**
 * Experiments in the metadata database. Names are unique per namespace (the engine has one, the
 * empty namespace, as KFP in single-user mode). The "Default" experiment's id is kept in
 * `settings` under {@link DEFAULT_EXPERIMENT_KEY}.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../errors';
import { statement, isUniqueViolation, type Db } from './database';
import { listPage, type FieldMap, type ListQuery, type Page } from './list-query';
import { SettingsStore } from './settings';

/** An experiment as stored. */
export interface ExperimentRow {
  seq: number;
  id: string;
  display_name: string;
  description: string;
  namespace: string;
  created_at: number;
  last_run_created_at: number | null;
  storage_state: 'AVAILABLE' | 'ARCHIVED';
}

/** The fields KFP lets experiments be filtered and sorted on. */
export const EXPERIMENT_FIELDS: FieldMap = {
  experiment_id: { column: 'id', kind: 'string' },
  id: { column: 'id', kind: 'string' },
  display_name: { column: 'display_name', kind: 'string' },
  name: { column: 'display_name', kind: 'string' },
  created_at: { column: 'created_at', kind: 'time' },
  last_run_created_at: { column: 'last_run_created_at', kind: 'time', nullable: true },
  description: { column: 'description', kind: 'string' },
  namespace: { column: 'namespace', kind: 'string' },
  storage_state: { column: 'storage_state', kind: 'enum' },
};

export const DEFAULT_EXPERIMENT_KEY = 'default_experiment_id';
export const DEFAULT_EXPERIMENT_NAME = 'Default';
export const DEFAULT_EXPERIMENT_DESCRIPTION =
  'All runs created without specifying an experiment will be grouped here.';

/** What creating an experiment takes. */
export interface NewExperiment {
  display_name: string;
  description: string;
}

export class ExperimentStore {
  /** Where the Default experiment's id is kept. */
  private readonly settings: SettingsStore;

  constructor(private readonly db: Db) {
    this.settings = new SettingsStore(db);
  }

  /** @throws {@link AlreadyExistsError} when the name is taken. */
  create(input: NewExperiment, now: number): ExperimentRow {
    const id = randomUUID();
    try {
      statement(
        this.db,
        `INSERT INTO experiments (id, display_name, description, namespace, created_at)
           VALUES (?, ?, ?, '', ?)`,
      ).run(id, input.display_name, input.description, now);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AlreadyExistsError(
          `an experiment named '${input.display_name}' already exists; choose another display_name.`,
          {
            field: 'experiment.display_name',
            resourceType: 'experiment',
            resourceName: input.display_name,
          },
        );
      }
      throw error;
    }
    return this.require(id);
  }

  get(id: string): ExperimentRow | undefined {
    return statement(this.db, 'SELECT * FROM experiments WHERE id = ?').get(id) as
      ExperimentRow | undefined;
  }

  /** @throws {@link NotFoundError} */
  require(id: string): ExperimentRow {
    const row = this.get(id);
    if (row === undefined) throw new NotFoundError('experiment', id);
    return row;
  }

  list(query: ListQuery): Page<ExperimentRow> {
    return listPage<ExperimentRow>(this.db, 'experiments', EXPERIMENT_FIELDS, [], query);
  }

  /** The Default experiment's id, creating the experiment on first use (as KFP does at start). */
  ensureDefault(now: number): string {
    return this.db.transaction(() => {
      const known = this.defaultId();
      if (known !== undefined && this.get(known) !== undefined) return known;
      const existing = statement(
        this.db,
        `SELECT id FROM experiments WHERE namespace = '' AND display_name = ?`,
      ).get(DEFAULT_EXPERIMENT_NAME) as { id: string } | undefined;
      const id =
        existing?.id ??
        this.create(
          { display_name: DEFAULT_EXPERIMENT_NAME, description: DEFAULT_EXPERIMENT_DESCRIPTION },
          now,
        ).id;
      this.settings.set(DEFAULT_EXPERIMENT_KEY, id);
      return id;
    })();
  }

  /** The Default experiment's id, if it exists. */
  defaultId(): string | undefined {
    return this.settings.get(DEFAULT_EXPERIMENT_KEY);
  }

  /** Archives the experiment and every run in it, as KFP does. */
  archive(id: string): void {
    this.db.transaction(() => {
      this.require(id);
      statement(this.db, `UPDATE experiments SET storage_state = 'ARCHIVED' WHERE id = ?`).run(id);
      statement(this.db, `UPDATE runs SET storage_state = 'ARCHIVED' WHERE experiment_id = ?`).run(
        id,
      );
    })();
  }

  /** Makes the experiment available again; its runs stay archived, as in KFP. */
  unarchive(id: string): void {
    this.require(id);
    statement(this.db, `UPDATE experiments SET storage_state = 'AVAILABLE' WHERE id = ?`).run(id);
  }

  /**
   * Deletes the experiment. Its runs are kept and still name it, as in KFP.
   *
   * @throws {@link FailedPreconditionError} for the Default experiment.
   */
  delete(id: string): void {
    this.db.transaction(() => {
      this.require(id);
      if (id === this.defaultId()) {
        throw new FailedPreconditionError(
          `experiment '${id}' is the Default experiment, which cannot be deleted.`,
          { resourceType: 'experiment', resourceName: id },
        );
      }
      statement(this.db, 'DELETE FROM experiments WHERE id = ?').run(id);
    })();
  }

  /** Records the creation time of the experiment's newest run. */
  touchLastRun(id: string, time: number): void {
    statement(
      this.db,
      'UPDATE experiments SET last_run_created_at = MAX(COALESCE(last_run_created_at, 0), ?) WHERE id = ?',
    ).run(time, id);
  }
}
