/**
 * The local path of a Model artifact's URI, as KFP's launcher mounts artifact stores in a task's
 * container (`gs://b/p` → `/gcs/b/p`, `s3://` → `/s3/`, `minio://` → `/minio/`), and as the
 * embedded engine writes them (`file:///abs/path`). Plain paths pass through.
 */
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const MOUNTS: readonly (readonly [string, string])[] = [
  ['gs://', '/gcs/'],
  ['s3://', '/s3/'],
  ['minio://', '/minio/'],
];

/**
 * The local path of an artifact URI or path.
 * @throws TypeError when it is a URI of a scheme that has no local mount (http, …)
 */
export function localPathOfArtifact(uri: string): string {
  const text = uri.trim();
  for (const [scheme, mount] of MOUNTS) {
    if (text.startsWith(scheme)) return mount + text.slice(scheme.length);
  }
  if (text.startsWith('file:')) return fileURLToPath(text);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    throw new TypeError(
      `'${text}' is not a local path or a mounted artifact URI (file://, gs://, s3://, minio://)`,
    );
  }
  return path.resolve(text);
}
