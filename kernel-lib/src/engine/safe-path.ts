/**
 * Files the API serves (artifact contents, task logs) must lie inside the engine's data
 * directory. A path is resolved with its symbolic links (realpath) and compared with the data
 * directory's real path, so neither `..` segments nor a link can lead outside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where a file asked for is. */
export type Located =
  | { readonly kind: 'inside'; readonly path: string }
  | { readonly kind: 'outside'; readonly path: string }
  | { readonly kind: 'missing' };

/** Whether `candidate` (already a real path) is `root` or below it. */
export function isWithin(root: string, candidate: string): boolean {
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  return candidate === root || candidate.startsWith(prefix);
}

/**
 * Resolves `candidate` (absolute, or relative to `root`) with its links, and says whether it lies
 * inside `realRoot`, which must itself be a real path.
 */
export function locateInside(realRoot: string, candidate: string): Located {
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(realRoot, candidate));
  } catch {
    return { kind: 'missing' };
  }
  return isWithin(realRoot, real)
    ? { kind: 'inside', path: real }
    : { kind: 'outside', path: real };
}
