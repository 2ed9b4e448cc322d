/**
 * What run details read from a run's artifacts: Metrics artifacts' values, and the Chicago
 * model's plot data (`test_predictions.json`, `loss_curve.json`, kernel-lib/src/components/train
 * `MODEL_FILES`) from a Model directory or from files of those names.
 */
import type { Client, JsonValue, V2beta1Run } from 'pipelab/client';
import { downloadArtifact, getTaskRecord } from '../api/extras';
import type { ArtifactRecord, TaskRecord } from '../api/types';
import { leafTasks } from '../common/format';
import type { EpochLoss, Prediction } from './plots';
import { gunzip, untar } from './tar';

export const PREDICTIONS_FILE = 'test_predictions.json';
export const LOSS_CURVE_FILE = 'loss_curve.json';

/** One metric value of one task. */
export interface MetricRow {
  task: string;
  artifact: string;
  name: string;
  value: JsonValue;
}

/** The engine's task records of a run's executable tasks (empty against KFP). */
export async function taskRecords(
  client: Client,
  run: V2beta1Run,
): Promise<Map<string, TaskRecord>> {
  const records = new Map<string, TaskRecord>();
  const runId = run.run_id ?? '';
  await Promise.all(
    leafTasks(run).map(async (t) => {
      if (t.task_id === undefined) return;
      try {
        records.set(t.task_id, await getTaskRecord(client, runId, t.task_id));
      } catch {
        // KFP has no task records; the graph still shows the states.
      }
    }),
  );
  return records;
}

function outputArtifacts(record: TaskRecord): [string, ArtifactRecord][] {
  return Object.entries(record.artifacts?.outputs ?? {});
}

/** The metrics of every Metrics artifact of the tasks. */
export function metricRows(records: Iterable<TaskRecord>): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const record of records) {
    for (const [name, artifact] of outputArtifacts(record)) {
      if (artifact.type?.schema_title !== 'system.Metrics') continue;
      for (const [metric, value] of Object.entries(artifact.metadata ?? {})) {
        if (metric === 'display_name') continue;
        rows.push({
          task: record.display_name ?? record.path ?? '',
          artifact: name,
          name: metric,
          value,
        });
      }
    }
  }
  return rows.sort((a, b) => a.task.localeCompare(b.task) || a.name.localeCompare(b.name));
}

/** The plot data found in the tasks' output artifacts. */
export interface PlotData {
  predictions?: Prediction[];
  lossCurve?: EpochLoss[];
}

function parseJson<T>(bytes: Uint8Array): T | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    return undefined;
  }
}

function fromFiles(files: Map<string, Uint8Array>, data: PlotData): void {
  for (const [path, bytes] of files) {
    const base = path.split('/').pop();
    if (base === PREDICTIONS_FILE && data.predictions === undefined) {
      const value = parseJson<Prediction[] | { predictions?: Prediction[] }>(bytes);
      data.predictions = Array.isArray(value) ? value : value?.predictions;
    } else if (base === LOSS_CURVE_FILE && data.lossCurve === undefined) {
      const value = parseJson<EpochLoss[] | { loss_curve?: EpochLoss[] }>(bytes);
      data.lossCurve = Array.isArray(value) ? value : value?.loss_curve;
    }
  }
}

/** Reads predictions and the loss curve from Model (and plain) output artifacts. */
export async function plotData(client: Client, records: Iterable<TaskRecord>): Promise<PlotData> {
  const data: PlotData = {};
  for (const record of records) {
    for (const [name, artifact] of outputArtifacts(record)) {
      const title = artifact.type?.schema_title ?? '';
      const uri = artifact.uri ?? '';
      const named = uri.endsWith(PREDICTIONS_FILE) || uri.endsWith(LOSS_CURVE_FILE);
      if (title !== 'system.Model' && !named) continue;
      if (artifact.artifact_id === undefined) continue;
      try {
        const { bytes, gzip } = await downloadArtifact(client, artifact.artifact_id);
        if (gzip) fromFiles(untar(await gunzip(bytes)), data);
        else fromFiles(new Map([[uri.split('/').pop() ?? name, bytes]]), data);
      } catch {
        // Not on disk (a cloud URI) or not readable: no plot from it.
      }
      if (data.predictions !== undefined && data.lossCurve !== undefined) return data;
    }
  }
  return data;
}
