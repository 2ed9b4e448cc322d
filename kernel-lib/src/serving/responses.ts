/**
 * Response bodies in TensorFlow Serving's JSON shapes (GetModelStatusResponse,
 * GetModelMetadataResponse, predict), with Pipelab's additions under a `pipelab` key that TF
 * Serving clients ignore.
 */
import type { JsonValue } from '../dsl/types';
import { SIGNATURE_NAME } from './instances';
import type { ServedModel, ServedVersion } from './model-pool';

type Json = { [key: string]: JsonValue };

/** One `model_version_status` entry. */
export function versionStatus(entry: ServedVersion): Json {
  return {
    version: String(entry.version),
    state: entry.state,
    status: {
      error_code: entry.error === undefined ? 'OK' : 'UNKNOWN',
      error_message: entry.error ?? '',
    },
  };
}

/** Pipelab's record of a version: deploy time, content hash, the deployer's metadata. */
function versionRecord(entry: ServedVersion, model: ServedModel): Json {
  const meta = entry.info.meta;
  return {
    version: String(entry.version),
    deployed_at: meta.deployedAt,
    sha256: meta.sha256,
    source: meta.source ?? null,
    is_default: model.pointer?.version === entry.version,
    metadata: meta.metadata as Json,
  };
}

/** GET /v1/models/{name}[/versions/{v}]: the versions' states, newest first. */
export function modelStatus(model: ServedModel, only?: ServedVersion): Json {
  const entries = only
    ? [only]
    : [...model.versions.values()].sort((a, b) => b.version - a.version);
  const labels: Json = {};
  for (const [label, version] of Object.entries(model.labels)) labels[label] = String(version);
  return {
    model_version_status: entries.map(versionStatus),
    pipelab: {
      default_version: model.pointer ? String(model.pointer.version) : null,
      serving_version: model.served ? String(model.served.version) : null,
      previous_defaults: (model.pointer?.previous ?? []).map(String),
      labels,
      versions: entries.map((e) => versionRecord(e, model)),
    },
  };
}

function tensorInfo(name: string, dtype: string, dims: number[]): Json {
  return {
    dtype,
    tensor_shape: {
      dim: dims.map((size) => ({ size: String(size), name: '' })),
      unknown_rank: false,
    },
    name: `${SIGNATURE_NAME}_${name}:0`,
  };
}

/** GET …/metadata: the signature requests are checked against, and the model card. */
export function modelMetadata(entry: ServedVersion): Json {
  const predictor = entry.predictor;
  const historyDays = predictor?.historyDays ?? -1;
  const needsDates = predictor?.needsDates ?? false;
  const inputs: Json = { counts: tensorInfo('counts', 'DT_FLOAT', [-1, historyDays]) };
  if (needsDates) inputs.day = tensorInfo('day', 'DT_STRING', [-1]);
  return {
    model_spec: { name: entry.model, signature_name: '', version: String(entry.version) },
    metadata: {
      signature_def: {
        signature_def: {
          [SIGNATURE_NAME]: {
            inputs,
            outputs: { count: tensorInfo('count', 'DT_FLOAT', [-1]) },
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
    pipelab: {
      history_days: historyDays,
      needs_dates: needsDates,
      engine: predictor?.engine ?? null,
      instance: needsDates
        ? `{"counts": [the previous ${historyDays}+ daily totals, oldest first], "day": "YYYY-MM-DD" (the predicted day)}`
        : `[the previous ${historyDays}+ daily totals, oldest first] or {"counts": [...]}`,
      model_card: (predictor?.card ?? null) as JsonValue,
    },
  };
}

/** Appends a number as JSON (non-finite values become null, as JSON has no NaN). */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** `{"predictions": [...]}` or `{"outputs": [...]}` from a slice of a batch's outputs. */
export function predictBody(
  key: 'predictions' | 'outputs',
  outputs: ArrayLike<number>,
  offset: number,
  count: number,
): string {
  if (count === 1) return `{"${key}":[${jsonNumber(outputs[offset] as number)}]}`;
  let body = `{"${key}":[`;
  for (let i = 0; i < count; i++) {
    if (i > 0) body += ',';
    body += jsonNumber(outputs[offset + i] as number);
  }
  return `${body}]}`;
}
