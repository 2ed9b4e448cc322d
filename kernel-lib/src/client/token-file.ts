/**
 * Node only: reading a bearer token from a file. Projected service account tokens (KFP's
 * `/var/run/secrets/kubeflow/pipelines/token`) are rewritten by the kubelet before they expire,
 * and the engine may write a new access token when it restarts, so the file is read again once
 * the cached value is older than `cacheMs`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ClientOptionsError } from './errors';

/** The name of the embedded engine's access token file in its data directory. */
export const ENGINE_TOKEN_FILE = 'token';

/** Where the embedded engine keeps its access token. */
export function engineTokenPath(dataDir: string): string {
  return path.join(dataDir, ENGINE_TOKEN_FILE);
}

/** Options of {@link tokenFileReader}. */
export interface TokenFileOptions {
  /** Whether a missing file means "no token" rather than an error. @default false */
  optional?: boolean;
  /** How long a value read is reused. @default 5000 */
  cacheMs?: number;
  /** What the file is, for messages. @default 'token file' */
  what?: string;
}

/**
 * A function returning the token in `file` (trimmed), re-reading the file once the last value is
 * older than `cacheMs`.
 *
 * @throws {@link ClientOptionsError} (from the returned function) when the file cannot be read,
 *   or is empty, unless `optional` and it does not exist.
 */
export function tokenFileReader(
  file: string,
  options: TokenFileOptions = {},
): () => Promise<string | undefined> {
  const cacheMs = options.cacheMs ?? 5000;
  const what = options.what ?? 'token file';
  let cached: { value: string | undefined; at: number } | undefined;
  return async () => {
    const now = Date.now();
    if (cached !== undefined && now - cached.at < cacheMs) return cached.value;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (options.optional && code === 'ENOENT') {
        cached = { value: undefined, at: now };
        return undefined;
      }
      throw new ClientOptionsError(
        'tokenFile',
        `cannot read the ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const value = text.trim();
    if (value === '') {
      throw new ClientOptionsError('tokenFile', `the ${what} ${file} is empty.`);
    }
    cached = { value, at: now };
    return value;
  };
}
