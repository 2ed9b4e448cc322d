/**
 * The metadata database's schema, as an ordered list of migrations. Each one runs once, in a
 * transaction, and is recorded in `schema_migrations` and in SQLite's `user_version`; never edit
 * a released migration, add the next one.
 *
 * Times are integer milliseconds since the epoch. Every table has an integer `seq` (insertion
 * order) that breaks ties when listing, so page tokens stay stable.
 *
 * Recurring runs (migration 3) live in `recurring_runs`, with the scheduler's cursor (the
 * scheduled time and `[[Index]]` of the last fire) beside their definition; their runs are the
 * rows of `runs` naming them in `recurring_run_id`, and the unique index on
 * (recurring_run_id, scheduled_at) holds "one run per recurring run and scheduled time".
 */

/** One schema change. */
export interface Migration {
  /** 1, 2, 3... in order. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: experiments, pipelines, versions, runs, tasks, artifacts, cache',
    sql: `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE experiments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  namespace TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_run_created_at INTEGER,
  storage_state TEXT NOT NULL DEFAULT 'AVAILABLE'
    CHECK (storage_state IN ('AVAILABLE', 'ARCHIVED')),
  UNIQUE (namespace, display_name)
);

CREATE TABLE pipelines (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  namespace TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  tags TEXT,
  UNIQUE (namespace, name)
);

CREATE TABLE pipeline_versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  pipeline_id TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  pipeline_spec TEXT NOT NULL,
  package_url TEXT NOT NULL DEFAULT '',
  code_source_url TEXT NOT NULL DEFAULT '',
  tags TEXT,
  UNIQUE (pipeline_id, name)
);
CREATE INDEX pipeline_versions_by_pipeline ON pipeline_versions (pipeline_id, created_at);

CREATE TABLE runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  experiment_id TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  pipeline_id TEXT NOT NULL DEFAULT '',
  pipeline_version_id TEXT NOT NULL DEFAULT '',
  spec_inline INTEGER NOT NULL,
  pipeline_spec TEXT NOT NULL,
  parameters TEXT NOT NULL DEFAULT '{}',
  pipeline_root TEXT NOT NULL DEFAULT '',
  service_account TEXT NOT NULL DEFAULT '',
  storage_state TEXT NOT NULL DEFAULT 'AVAILABLE'
    CHECK (storage_state IN ('AVAILABLE', 'ARCHIVED')),
  state TEXT NOT NULL,
  error TEXT,
  created_at INTEGER NOT NULL,
  scheduled_at INTEGER NOT NULL,
  finished_at INTEGER,
  recurring_run_id TEXT,
  attempt INTEGER NOT NULL DEFAULT 1,
  work_dir TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, created_at);
CREATE INDEX runs_by_state ON runs (state);
CREATE UNIQUE INDEX runs_one_per_schedule ON runs (recurring_run_id, scheduled_at)
  WHERE recurring_run_id IS NOT NULL;

CREATE TABLE run_states (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  update_time INTEGER NOT NULL,
  error TEXT
);
CREATE INDEX run_states_by_run ON run_states (run_id, seq);

CREATE TABLE tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  task_id TEXT NOT NULL,
  parent_path TEXT,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  component_name TEXT NOT NULL,
  pod_name TEXT NOT NULL,
  state TEXT NOT NULL,
  skip_reason TEXT,
  error TEXT,
  create_time INTEGER NOT NULL,
  start_time INTEGER,
  end_time INTEGER,
  log_path TEXT,
  attempts TEXT NOT NULL DEFAULT '[]',
  inputs TEXT NOT NULL DEFAULT '{}',
  outputs TEXT NOT NULL DEFAULT '{}',
  cached_from TEXT,
  state_history TEXT NOT NULL DEFAULT '[]',
  UNIQUE (run_id, path)
);
CREATE INDEX tasks_by_task_id ON tasks (task_id);

CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  task_path TEXT NOT NULL,
  name TEXT NOT NULL,
  uri TEXT NOT NULL,
  schema_title TEXT NOT NULL,
  schema_version TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  UNIQUE (run_id, uri)
);

CREATE TABLE cache_entries (
  pipeline_name TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  run_id TEXT NOT NULL,
  entry TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (pipeline_name, fingerprint)
);
CREATE INDEX cache_entries_by_run ON cache_entries (run_id);
`,
  },
  {
    version: 2,
    name: 'list indexes (runs by creation time and by name, experiments and pipelines by creation time); tasks.reused',
    // runs_by_experiment (experiment_id, created_at) already serves "runs of an experiment, newest
    // first": every index ends with the rowid (seq), the tie-breaker of list order.
    sql: `
CREATE INDEX runs_by_created ON runs (created_at);
CREATE INDEX runs_by_experiment_name ON runs (experiment_id, display_name);
CREATE INDEX experiments_by_created ON experiments (created_at);
CREATE INDEX pipelines_by_created ON pipelines (created_at);
ALTER TABLE tasks ADD COLUMN reused INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 3,
    name: 'recurring runs: definitions, trigger and scheduler cursor; active runs by recurring run',
    // pipeline_spec is set for an inline spec; otherwise pipeline_id names the pipeline, with
    // pipeline_version_id pinning a version or '' for "the latest version at fire time".
    // last_fire_at / last_index: the scheduled time and [[Index]] of the last fire (NULL / 0
    // before the first); anchor_at: where a schedule without start_time counts from.
    sql: `
CREATE TABLE recurring_runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  experiment_id TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  pipeline_id TEXT NOT NULL DEFAULT '',
  pipeline_version_id TEXT NOT NULL DEFAULT '',
  pipeline_spec TEXT,
  runtime_config TEXT NOT NULL DEFAULT '{}',
  service_account TEXT NOT NULL DEFAULT '',
  trigger TEXT NOT NULL,
  max_concurrency INTEGER NOT NULL CHECK (max_concurrency BETWEEN 1 AND 10),
  no_catchup INTEGER NOT NULL DEFAULT 0 CHECK (no_catchup IN (0, 1)),
  mode TEXT NOT NULL CHECK (mode IN ('ENABLE', 'DISABLE')),
  max_consecutive_failures INTEGER CHECK (max_consecutive_failures >= 1),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  anchor_at INTEGER NOT NULL,
  last_fire_at INTEGER,
  last_index INTEGER NOT NULL DEFAULT 0,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT,
  CHECK ((pipeline_spec IS NULL) != (pipeline_id = ''))
);
CREATE INDEX recurring_runs_by_created ON recurring_runs (created_at);
CREATE INDEX recurring_runs_by_experiment ON recurring_runs (experiment_id, created_at);
CREATE INDEX recurring_runs_by_mode ON recurring_runs (mode);
CREATE INDEX runs_active_by_recurring_run ON runs (recurring_run_id)
  WHERE recurring_run_id IS NOT NULL AND state IN ('PENDING', 'RUNNING', 'CANCELING');
`,
  },
];
