/**
 * The local path of an artifact URI, for every step and the model server: the engine's own
 * mapping ({@link localPathOfUri}: `gs://b/p` → `/gcs/b/p`, `s3://` → `/s3/`, `minio://` →
 * `/minio/`, as KFP's launcher mounts artifact stores; `file://` + the path as the engine writes
 * it), so that what the engine writes is read back at the same path — `#`, `%` and spaces
 * included (the engine does not percent-encode its `file://` URIs). Plain paths pass through.
 */
import * as path from 'node:path';
import { localPathOfUri } from '../engine/runner/artifacts';

/**
 * The local path of an artifact URI or path (a relative path is resolved).
 * @throws TypeError when it is a URI of a scheme that has no local mount (http, …)
 */
export function localPathOfArtifact(uri: string): string {
  const text = uri.trim();
  const local = localPathOfUri(text);
  if (local !== undefined) return local;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    throw new TypeError(
      `'${text}' is not a local path or a mounted artifact URI (file://, gs://, s3://, minio://)`,
    );
  }
  return path.resolve(text);
}
