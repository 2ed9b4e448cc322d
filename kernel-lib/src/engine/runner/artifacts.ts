/**
 * Where artifacts live: their URIs under the pipeline root, and the local paths a task reads and
 * writes them at (KFP's convention: `gs://b/k` is mounted at `/gcs/b/k`, `s3://` at `/s3/`,
 * `minio://` at `/minio/`). With a buckets directory, object-store URIs are instead kept on this
 * machine below it (`gs://b/k` → `file://<bucketsDir>/gs/b/k`), which is how the engine runs
 * pipelines whose pipeline root names cloud storage.
 */
import * as path from 'node:path';
import type { PipelineSpec } from '../../compiler/spec';
import { RunOptionsError } from './errors';

const MOUNTS: [prefix: string, mount: string][] = [
  ['gs://', '/gcs/'],
  ['s3://', '/s3/'],
  ['minio://', '/minio/'],
];

/**
 * The local path of an artifact URI, or `undefined` when it has none (an `https://` URI, say).
 * `file:///x` → `/x`; a plain absolute path stays as it is.
 */
export function localPathOfUri(uri: string): string | undefined {
  if (uri.startsWith('file://')) {
    const rest = uri.slice('file://'.length);
    // file://localhost/x is the same file as file:///x.
    const withoutHost = rest.startsWith('/') ? rest : rest.replace(/^[^/]*/, '');
    return withoutHost === '' ? undefined : withoutHost;
  }
  for (const [prefix, mount] of MOUNTS) {
    if (uri.startsWith(prefix)) return mount + uri.slice(prefix.length);
  }
  if (path.isAbsolute(uri)) return uri;
  return undefined;
}

/** Turns a local directory into a `file://` URI (the default pipeline root). */
export function fileUri(localPath: string): string {
  return `file://${path.resolve(localPath)}`;
}

/**
 * The URI of a task's output artifact:
 * `<pipelineRoot>/<pipeline name>/<run id>/<task path>/<output name>`.
 */
export function outputArtifactUri(
  pipelineRoot: string,
  pipelineName: string,
  runId: string,
  taskPath: string,
  outputName: string,
): string {
  return [pipelineRoot.replace(/\/+$/, ''), pipelineName, runId, taskPath, outputName].join('/');
}

/** The object-store schemes a buckets directory stands in for, and their folder in it. */
const BUCKET_SCHEMES: [prefix: string, folder: string][] = [
  ['gs://', 'gs'],
  ['s3://', 's3'],
  ['minio://', 'minio'],
];

/** Whether a URI names object storage (`gs://`, `s3://`, `minio://`). */
export function isObjectStoreUri(uri: string): boolean {
  return BUCKET_SCHEMES.some(([prefix]) => uri.startsWith(prefix));
}

/**
 * The `file://` URI standing in for an object-store URI below `bucketsDir`:
 * `gs://bucket/key` → `file://<bucketsDir>/gs/bucket/key`. Other URIs are returned as they are.
 *
 * @throws {@link RunOptionsError} when the URI has no bucket or would leave `bucketsDir` (`..`).
 */
export function mapObjectStoreUri(uri: string, bucketsDir: string): string {
  const scheme = BUCKET_SCHEMES.find(([prefix]) => uri.startsWith(prefix));
  if (scheme === undefined) return uri;
  const [prefix, folder] = scheme;
  const segments = uri.slice(prefix.length).split('/');
  if (
    segments[0] === undefined ||
    segments[0] === '' ||
    segments.some((s) => s === '..' || s === '.')
  ) {
    throw new RunOptionsError(
      `the URI ${uri} must name a bucket and a key without '.' or '..' segments.`,
      {},
      { option: 'pipelineRoot' },
    );
  }
  const base = path.resolve(bucketsDir);
  return fileUri(path.join(base, folder, ...segments.filter((s) => s !== '')));
}

/**
 * The pipeline root a run writes to: object-store roots mapped below `bucketsDir` when one is
 * given, every other root as it is.
 *
 * @throws {@link RunOptionsError} when the root has no local path (`https://...`, a relative
 *   path) or is an object-store URI that cannot be mapped.
 */
export function resolvePipelineRoot(root: string, bucketsDir?: string): string {
  const resolved = bucketsDir === undefined ? root : mapObjectStoreUri(root, bucketsDir);
  if (localPathOfUri(resolved) === undefined) {
    throw new RunOptionsError(
      `the pipeline root ${root} has no local path; use a file:// URI or an absolute path` +
        (bucketsDir === undefined ? '' : ', or a gs://, s3:// or minio:// URI') +
        '.',
      {},
      { option: 'pipelineRoot' },
    );
  }
  return resolved;
}

/**
 * The local paths a container task writes its output artifacts at, from the spec: what to clear
 * when a task was interrupted before it could end (an engine that was killed, say).
 *
 * @param spec - The run's PipelineSpec.
 * @param pipelineRoot - The run's pipeline root, as {@link resolvePipelineRoot} gives it.
 * @param runId - The run.
 * @param taskPath - The task's path from the root DAG.
 * @param componentName - The component it runs (`comp-train`).
 */
export function taskOutputPaths(
  spec: PipelineSpec,
  pipelineRoot: string,
  runId: string,
  taskPath: string,
  componentName: string,
): string[] {
  const outputs = spec.components?.[componentName]?.outputDefinitions?.artifacts ?? {};
  return Object.keys(outputs)
    .map((name) =>
      localPathOfUri(
        outputArtifactUri(pipelineRoot, spec.pipelineInfo.name, runId, taskPath, name),
      ),
    )
    .filter((p): p is string => p !== undefined);
}
