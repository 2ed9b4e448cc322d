/**
 * Where artifacts live: their URIs under the pipeline root, and the local paths a task reads and
 * writes them at (KFP's convention: `gs://b/k` is mounted at `/gcs/b/k`, `s3://` at `/s3/`,
 * `minio://` at `/minio/`).
 */
import * as path from 'node:path';

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
