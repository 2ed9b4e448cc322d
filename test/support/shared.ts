/**
 * Locating the read-only reference folder (`../shared` next to the repository root).
 *
 * The folder holds the KFP proto, KFP-compiled golden pipelines and sample data. It is not part of
 * the repository, so suites that need it are skipped with a visible notice when it is missing —
 * except in CI (or with PIPELAB_REQUIRE_SHARED set), where a missing folder is an error.
 */
import * as path from 'node:path';
import { describe, it } from 'vitest';

export { expectedSharedDir, repoRoot, SHARED_ENV, sharedDir } from './shared-dir';
export { envFlag, inCi } from './ci';
import { envFlag, inCi } from './ci';
import { expectedSharedDir, SHARED_ENV, sharedDir } from './shared-dir';

/** True when a missing shared folder must fail the run instead of skipping. */
export function sharedRequired(): boolean {
  return inCi() || envFlag('PIPELAB_REQUIRE_SHARED');
}

const warnedSuites = new Set<string>();

/**
 * Returns the shared folder, or `undefined` after printing one notice per suite when it is absent.
 * Throws instead when running in CI or with PIPELAB_REQUIRE_SHARED set.
 */
export function requireSharedOrSkip(suiteName: string): string | undefined {
  const dir = sharedDir();
  if (dir !== undefined) return dir;
  const expected = expectedSharedDir();
  if (sharedRequired()) {
    throw new Error(
      `[pipelab] suite "${suiteName}" needs ../shared (looked at ${expected}); ` +
        `it is required in CI (CI / PIPELAB_REQUIRE_SHARED is set). ` +
        `Provide it or set ${SHARED_ENV} to its path.`,
    );
  }
  if (!warnedSuites.has(suiteName)) {
    warnedSuites.add(suiteName);
    console.warn(
      `[pipelab] skipping ${suiteName}: ../shared not found at ${expected} ` +
        `(set ${SHARED_ENV} to its path)`,
    );
  }
  return undefined;
}

/**
 * Absolute path inside the shared folder. Throws when the folder is missing; use inside suites
 * declared with {@link describeShared}.
 */
export function sharedPath(...parts: string[]): string {
  const dir = sharedDir();
  if (dir === undefined) {
    throw new Error(
      `[pipelab] ../shared not found at ${expectedSharedDir()} (set ${SHARED_ENV} to its path)`,
    );
  }
  return path.join(dir, ...parts);
}

/**
 * `describe` for suites that need the shared folder. When it is missing the suite is reported as
 * skipped (with a single placeholder test, so the skip shows up in the report) and `fn` is not
 * called, so the suite body may read files from `shared` at collection time.
 */
export function describeShared(name: string, fn: (shared: string) => void): void {
  const dir = requireSharedOrSkip(name);
  if (dir !== undefined) {
    describe(name, () => fn(dir));
    return;
  }
  describe.skip(name, () => {
    it(`needs ../shared (set ${SHARED_ENV} to its path)`, () => {});
  });
}
