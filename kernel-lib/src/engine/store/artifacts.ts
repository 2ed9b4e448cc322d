/**
 * Artifacts seen by runs. Each gets an integer id (what KFP's task details list as
 * `artifact_ids`); an artifact is one URI within one run, whichever task produced or read it.
 */
import type { RuntimeArtifactIR } from '../runner';
import { statement, type Db } from './database';

/** An artifact as stored. */
export interface ArtifactRow {
  id: number;
  run_id: string;
  /** The task that produced it, or first read it (for imported or cached artifacts). */
  task_path: string;
  name: string;
  uri: string;
  schema_title: string;
  schema_version: string;
  /** JSON object. */
  metadata: string;
  created_at: number;
}

export class ArtifactStore {
  constructor(private readonly db: Db) {}

  /** Records an artifact of a run (or refreshes its metadata) and returns its id. */
  register(runId: string, taskPath: string, artifact: RuntimeArtifactIR, time: number): number {
    const row = statement(
      this.db,
      `INSERT INTO artifacts (run_id, task_path, name, uri, schema_title, schema_version, metadata, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, uri) DO UPDATE SET metadata = excluded.metadata
         RETURNING id`,
    ).get(
      runId,
      taskPath,
      artifact.name,
      artifact.uri,
      artifact.type?.schemaTitle ?? 'system.Artifact',
      artifact.type?.schemaVersion ?? '',
      JSON.stringify(artifact.metadata ?? {}),
      time,
    ) as { id: number };
    return row.id;
  }

  get(id: number): ArtifactRow | undefined {
    return statement(this.db, 'SELECT * FROM artifacts WHERE id = ?').get(id) as
      ArtifactRow | undefined;
  }

  /** The artifacts a run has seen, in id order. */
  ofRun(runId: string): ArtifactRow[] {
    return statement(this.db, 'SELECT * FROM artifacts WHERE run_id = ? ORDER BY id').all(
      runId,
    ) as ArtifactRow[];
  }
}
