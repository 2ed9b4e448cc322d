/**
 * The registry's layout on disk, as TensorFlow Serving lays out a model base path — one directory
 * per model, one numbered subdirectory per version — plus Pipelab's pointer files:
 *
 * ```
 * <modelsDir>/<model>/
 *   1/ 2/ 3/ …          the versions: the Model artifact's files and pipelab_version.json
 *   default             the default version: {"version": 3, "previous": [2, 1], "updatedAt": …}
 *   labels.json         version labels: {"stable": 3}
 *   .lock/              held while the registry changes the model (deploy, switch, prune)
 *   .staging-…  .trash-…    a version being written, a version being deleted
 * ```
 *
 * A version directory appears complete (it is written under `.staging-…` and renamed into place)
 * and pointer files are replaced atomically (written beside, then renamed: `components/atomic-write`).
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ServingOptionsError } from './errors';

/** File and directory names inside a model directory. */
export const REGISTRY_FILES = {
  defaultPointer: 'default',
  labels: 'labels.json',
  lock: '.lock',
  stagingPrefix: '.staging-',
  trashPrefix: '.trash-',
  /** Inside a version directory: what the registry records about the version. */
  versionMeta: 'pipelab_version.json',
  /** Inside a version directory, optional: the recent daily totals forecasts start from. */
  history: 'history.json',
} as const;

/** Format tag of {@link REGISTRY_FILES.versionMeta}. */
export const VERSION_META_FORMAT = 'pipelab.serving.version/v1';

// TensorFlow Serving model names are path segments; ':' starts a method (`:predict`).
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Whether a string is a valid model name. */
export function isModelName(name: string): boolean {
  return MODEL_NAME.test(name) && name !== '.' && name !== '..';
}

/**
 * Checks a model name: letters, digits, `_`, `.` and `-`, starting with a letter or digit, at
 * most 128 characters.
 * @throws ServingOptionsError naming the problem
 */
export function checkModelName(name: string, parameter = 'model'): string {
  if (typeof name !== 'string' || !isModelName(name)) {
    throw new ServingOptionsError(
      `invalid model name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-', ` +
        'starting with a letter or digit (at most 128 characters)',
      parameter,
    );
  }
  return name;
}

/** A version number: a positive integer, as TensorFlow Serving's int64 versions. */
export function isVersionNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Parses a version as it appears in a URL or a directory name (`3`); undefined when not one. */
export function parseVersion(text: string): number | undefined {
  if (!/^[0-9]{1,15}$/.test(text)) return undefined;
  const n = Number(text);
  return isVersionNumber(n) ? n : undefined;
}

/** The directory of a model. */
export function modelDir(modelsDir: string, model: string): string {
  return path.join(modelsDir, model);
}

/** The directory of a version. */
export function versionDir(modelsDir: string, model: string, version: number): string {
  return path.join(modelsDir, model, String(version));
}

/** A short random suffix for temporary names. */
export function tempSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}
