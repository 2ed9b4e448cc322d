/**
 * Where the read-only reference folder (`../shared` next to the repository root) is, without
 * vitest: the suites reach it through shared.ts, the benchmark scripts directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root: this file lives in `<root>/test/support`. */
export const repoRoot: string = path.resolve(__dirname, '..', '..');

/** Environment variable that overrides the location of the shared folder. */
export const SHARED_ENV = 'PIPELAB_SHARED';

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Where the shared folder is expected (whether or not it exists). */
export function expectedSharedDir(): string {
  const fromEnv = process.env[SHARED_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.resolve(repoRoot, '..', 'shared');
}

/**
 * The shared folder if it exists: `$PIPELAB_SHARED` when set (no fallback if it points nowhere),
 * else `<repo root>/../shared`.
 */
export function sharedDir(): string | undefined {
  const dir = expectedSharedDir();
  return isDirectory(dir) ? dir : undefined;
}
