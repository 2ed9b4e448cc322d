/**
 * The engine's metadata store: one SQLite database and a repository per resource.
 */
import type { Db } from './database';
import { openDatabase } from './database';
import { ArtifactStore } from './artifacts';
import { SqliteCacheStore } from './cache-store';
import { ExperimentStore } from './experiments';
import { PipelineStore } from './pipelines';
import { RecurringRunStore } from './recurring-runs';
import { RunStore } from './runs';
import { SettingsStore } from './settings';
import { TaskStore } from './tasks';

/** Every repository over one open database. */
export interface Store {
  readonly db: Db;
  readonly experiments: ExperimentStore;
  readonly pipelines: PipelineStore;
  readonly runs: RunStore;
  readonly recurringRuns: RecurringRunStore;
  readonly tasks: TaskStore;
  readonly artifacts: ArtifactStore;
  readonly cache: SqliteCacheStore;
  readonly settings: SettingsStore;
  close(): void;
}

/** Opens (and migrates) the database at `file`. */
export function openStore(file: string): Store {
  const db = openDatabase(file);
  const artifacts = new ArtifactStore(db);
  return {
    db,
    experiments: new ExperimentStore(db),
    pipelines: new PipelineStore(db),
    runs: new RunStore(db),
    recurringRuns: new RecurringRunStore(db),
    tasks: new TaskStore(db, artifacts),
    artifacts,
    cache: new SqliteCacheStore(db),
    settings: new SettingsStore(db),
    close: () => db.close(),
  };
}
