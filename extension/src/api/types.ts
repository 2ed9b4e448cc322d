/**
 * Shapes of the embedded engine's additions to the KFP API (see kernel-lib/src/engine/API.md).
 */
import type { JsonValue, V2beta1PipelineTaskDetail } from 'pipelab/client';

/** `GET /apis/v2beta1/artifacts/{artifact_id}`. */
export interface ArtifactRecord {
  artifact_id?: string;
  run_id?: string;
  task_id?: string;
  task_path?: string;
  name?: string;
  uri?: string;
  type?: { schema_title?: string; schema_version?: string };
  metadata?: Record<string, JsonValue>;
  created_at?: string;
  download_url?: string;
}

/** `GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}`. */
export interface TaskRecord extends V2beta1PipelineTaskDetail {
  path?: string;
  parameters?: { inputs?: Record<string, JsonValue>; outputs?: Record<string, JsonValue> };
  artifacts?: {
    inputs?: Record<string, ArtifactRecord>;
    outputs?: Record<string, ArtifactRecord>;
  };
  attempts?: {
    attempt?: number;
    start_time?: string;
    end_time?: string;
    exit_code?: number;
    error?: { message?: string };
  }[];
  skip_reason?: 'CONDITION_FALSE' | 'UPSTREAM_FAILED' | string;
  cached_from?: { runId?: string; taskPath?: string };
}
