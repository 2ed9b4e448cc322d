/**
 * Where the dataset is written. A file (a plain path or `file://`) is written to a temporary file
 * in the same folder and renamed into place, and its metadata goes to `<file>.metadata.json`
 * beside it (written the same way, first); readers see the old file or the new one, never half.
 * A `gs://bucket/object` is written with one single-request (multipart) upload through
 * @google-cloud/storage, its metadata as the object's custom metadata — Cloud Storage makes an
 * object visible only once its upload completes.
 */
import * as fs from 'node:fs';
import type { StorageOptions } from '@google-cloud/storage';
import type { JsonValue } from '../../dsl/types';
import { localPathOfArtifact } from '../../serving/artifact-uri';
import { writeFileAtomic } from '../atomic-write';
import { DestinationError, describeCause } from './errors';

/** Options of {@link writeDataset}. */
export interface WriteDatasetOptions {
  /**
   * Options of the Cloud Storage client (`apiEndpoint`, `projectId`, `keyFilename`...).
   * @default {} (Application Default Credentials)
   */
  storage?: StorageOptions;
}

/** The suffix of a file's metadata sidecar. */
export const METADATA_SUFFIX = '.metadata.json';

/**
 * The local path of a file destination (a path, or a `file://` URI read as the engine writes
 * them), or `undefined` for other URIs (`gs://` is uploaded, not a mount here).
 */
export function localPathOf(uri: string): string | undefined {
  if (!uri.startsWith('file://') && /^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return undefined;
  return localPathOfArtifact(uri);
}

function parseGcsUri(uri: string): { bucket: string; object: string } | undefined {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  return { bucket: m[1], object: m[2] };
}

/** Cloud Storage custom metadata holds strings: objects and arrays are stored as JSON text. */
function asObjectMetadata(metadata: Record<string, JsonValue>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

/**
 * Writes the dataset CSV and its metadata to a file path, `file://` URI or `gs://` URI.
 * @returns the URI written (`file:///abs/path` for files)
 * @throws DestinationError when the scheme is not supported or the write fails
 */
export async function writeDataset(
  uri: string,
  csv: string,
  metadata: Record<string, JsonValue>,
  options: WriteDatasetOptions = {},
): Promise<string> {
  const local = localPathOf(uri);
  if (local !== undefined) {
    const sidecar = `${local}${METADATA_SUFFIX}`;
    let previous: string | undefined;
    try {
      previous = fs.existsSync(sidecar) ? fs.readFileSync(sidecar, 'utf8') : undefined;
      await writeFileAtomic(sidecar, `${JSON.stringify(metadata, null, 2)}\n`);
      try {
        await writeFileAtomic(local, csv);
      } catch (error) {
        // Put the sidecar back as it was, so it keeps describing the file that is there.
        if (previous === undefined) fs.rmSync(sidecar, { force: true });
        else await writeFileAtomic(sidecar, previous);
        throw error;
      }
    } catch (error) {
      throw new DestinationError(uri, `cannot write ${local}: ${describeCause(error)}`, {
        cause: error,
      });
    }
    return `file://${local}`;
  }
  const gcs = parseGcsUri(uri);
  if (gcs === undefined) {
    throw new DestinationError(
      uri,
      `unsupported destination '${uri}': use a path, a file:// URI or a gs://bucket/object URI.`,
    );
  }
  try {
    const { Storage } = await import('@google-cloud/storage');
    const storage = new Storage(options.storage ?? {});
    await storage
      .bucket(gcs.bucket)
      .file(gcs.object)
      .save(csv, {
        resumable: false,
        contentType: 'text/csv',
        metadata: { contentType: 'text/csv', metadata: asObjectMetadata(metadata) },
      });
  } catch (error) {
    throw new DestinationError(uri, `cannot upload ${uri}: ${describeCause(error)}`, {
      cause: error,
    });
  }
  return uri;
}
