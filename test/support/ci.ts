/**
 * The one reading of the CI flags, shared by the suites that are required in CI and skipped with
 * a notice elsewhere (../shared, Jupyter, the browser stack). Free of vitest, like shared-dir.ts.
 */

/** An env flag counts as set when it is non-empty and not `0` / `false` (any case). */
export function envFlag(name: string): boolean {
  const value = process.env[name];
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/** True when running in CI (`CI` set, as `.ci/run` and CI services do). */
export function inCi(): boolean {
  return envFlag('CI');
}
