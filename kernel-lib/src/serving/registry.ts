/**
 * The model registry: versions of models on disk (see `layout.ts`), a default version per model,
 * labels, retention and rollback — usable without the HTTP server (the deploy step, a notebook),
 * and the source of truth the server follows.
 *
 * - Each deploy adds a numbered version (1, 2, 3 …, as TensorFlow Serving numbers versions). The
 *   first version of a model becomes its default (as AI Platform did in the 2019 sample); later
 *   ones only when asked (`setDefault`).
 * - Switching the default rewrites one pointer file atomically. A server following the registry
 *   keeps answering in-flight requests with the version they started on.
 * - After a deploy, versions beyond `keepVersions` are deleted, oldest first — never the default,
 *   a labelled version, or the version just deployed.
 * - `rollback` makes the previous default the default again; rolling back again walks further back.
 */
import { createHash } from 'node:crypto';
import { Dirent } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../components/atomic-write';
import type { JsonValue } from '../dsl/types';
import {
  DefaultVersionReplaceError,
  RegistryError,
  RollbackError,
  ServingOptionsError,
  VersionExistsError,
  VersionNotFoundError,
} from './errors';
import {
  checkModelName,
  isModelName,
  isVersionNumber,
  modelDir,
  parseVersion,
  REGISTRY_FILES,
  tempSuffix,
  VERSION_META_FORMAT,
  versionDir,
} from './layout';
import { withDirectoryLock, type LockOptions } from './lock';

/** What the registry records about a version (`pipelab_version.json`). */
export interface VersionMeta {
  readonly format: typeof VERSION_META_FORMAT;
  readonly model: string;
  readonly version: number;
  /** ISO time of the deploy. */
  readonly deployedAt: string;
  /** sha256 over the version's files (names and bytes), without this file. */
  readonly sha256: string;
  /** Where the files came from (a path or URI), when known. */
  readonly source?: string;
  /** The deployer's own record (the deploy step puts its quality-gate decision here). */
  readonly metadata: { readonly [key: string]: JsonValue };
}

/** A version as listed by the registry. */
export interface VersionInfo {
  readonly model: string;
  readonly version: number;
  readonly dir: string;
  /** The recorded metadata (synthesised for a version directory copied in by hand). */
  readonly meta: VersionMeta;
  /** Changes when the directory is replaced (same number, new files). */
  readonly identity: string;
}

/** The default pointer (`default`). */
export interface DefaultPointer {
  readonly version: number;
  /** Earlier defaults, most recent first: what {@link ModelRegistry.rollback} returns to. */
  readonly previous: readonly number[];
  readonly updatedAt: string;
}

/** Everything the server needs to know about one model, read together. */
export interface ModelSnapshot {
  readonly model: string;
  /** Ascending by version. */
  readonly versions: readonly VersionInfo[];
  readonly pointer: DefaultPointer | undefined;
  readonly labels: Readonly<Record<string, number>>;
}

/** A change made through this registry object (the server reloads on it at once). */
export interface RegistryChange {
  readonly model: string;
  readonly kind: 'deploy' | 'default' | 'rollback' | 'prune' | 'label';
  /** The default version after the change, when the change set it. */
  readonly defaultVersion?: number;
}

export interface ModelRegistryOptions {
  /** The models root: `<modelsDir>/<model>/<version>/`. Created when missing. */
  readonly modelsDir: string;
  /**
   * Versions kept per model after a deploy (the default, labelled versions and the version just
   * deployed are always kept, even beyond the limit).
   * @default 5
   */
  readonly keepVersions?: number;
  /** How long to wait for another process's lock on a model. @default 10000 ms, stale after 30 s */
  readonly lock?: LockOptions;
  /** The clock of recorded times. @default () => new Date() */
  readonly clock?: () => Date;
}

export interface DeployVersionOptions {
  /**
   * Make the new version the default (`true`), or not. The first version of a model always
   * becomes the default. Replacing the default's own version (`replaceExisting`) changes what the
   * default serves: with `false` that is refused ({@link DefaultVersionReplaceError}); left out,
   * the replaced version stays the default.
   * @default undefined (not made the default)
   */
  readonly setDefault?: boolean;
  /** The version number to create. @default one more than the highest existing version */
  readonly version?: number;
  /** Replace `version` when it exists (else {@link VersionExistsError}). @default false */
  readonly replaceExisting?: boolean;
  /** Recorded in the version's metadata. @default {} */
  readonly metadata?: { readonly [key: string]: JsonValue };
  /** Where the files came from, recorded. @default the source directory */
  readonly source?: string;
  /** Extra files written into the version directory (name → content). @default none */
  readonly files?: Readonly<Record<string, string>>;
}

/** What a deploy did. */
export interface DeployResult {
  readonly version: VersionInfo;
  /** Whether the new version is the default now. */
  readonly isDefault: boolean;
  /** The default before the deploy. */
  readonly previousDefault: number | undefined;
  /** Versions deleted by the retention limit. */
  readonly pruned: readonly number[];
  /** Whether an existing version of the same number was replaced. */
  readonly replaced: boolean;
}

/** Files of a directory tree, relative paths sorted, for copying and hashing. */
async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries: Dirent[] = await readdir(path.join(root, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(root, rel)));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError(`cannot read ${file}: ${(error as Error).message}`, file, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RegistryError(`${file} is not valid JSON: ${(error as Error).message}`, file, {
      cause: error,
    });
  }
}

function parsePointer(value: unknown, file: string): DefaultPointer | undefined {
  if (value === undefined) return undefined;
  const record = value as Partial<DefaultPointer> | null;
  if (typeof record !== 'object' || record === null || !isVersionNumber(record.version)) {
    throw new RegistryError(`${file} does not name a version ({"version": <n>, …})`, file);
  }
  const previous = Array.isArray(record.previous) ? record.previous.filter(isVersionNumber) : [];
  return {
    version: record.version,
    previous,
    updatedAt: typeof record.updatedAt === 'string' ? record.updatedAt : '',
  };
}

/** A registry of model versions in a models root directory. */
export class ModelRegistry {
  readonly modelsDir: string;
  readonly keepVersions: number;
  private readonly lockOptions: LockOptions;
  private readonly clock: () => Date;
  private readonly listeners = new Set<(change: RegistryChange) => void>();

  constructor(options: ModelRegistryOptions) {
    if (typeof options.modelsDir !== 'string' || options.modelsDir.trim() === '') {
      throw new ServingOptionsError('modelsDir must be a directory path', 'modelsDir');
    }
    const keep = options.keepVersions ?? 5;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new ServingOptionsError(
        `keepVersions must be a positive integer; got ${String(keep)}`,
        'keepVersions',
      );
    }
    this.modelsDir = path.resolve(options.modelsDir);
    this.keepVersions = keep;
    this.lockOptions = options.lock ?? {};
    this.clock = options.clock ?? (() => new Date());
  }

  /** Calls `listener` after every change made through this object. @returns unsubscribe */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: RegistryChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the change is made.
      }
    }
  }

  /** Models with a directory in the root (directories that are not model names are skipped). */
  async listModels(): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.modelsDir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new RegistryError(`cannot list ${this.modelsDir}: ${(error as Error).message}`);
    }
    return entries
      .filter((e) => e.isDirectory() && isModelName(e.name))
      .map((e) => e.name)
      .sort();
  }

  /** The versions of a model, ascending; [] for an unknown model. */
  async listVersions(model: string): Promise<VersionInfo[]> {
    checkModelName(model);
    const dir = modelDir(this.modelsDir, model);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new RegistryError(`cannot list ${dir}: ${(error as Error).message}`, dir, {
        cause: error,
      });
    }
    const numbers = entries
      .filter((e) => e.isDirectory())
      .map((e) => parseVersion(e.name))
      .filter(isVersionNumber)
      .sort((a, b) => a - b);
    const versions: VersionInfo[] = [];
    for (const version of numbers) {
      const info = await this.readVersion(model, version);
      if (info) versions.push(info);
    }
    return versions;
  }

  /** A version, or undefined when its directory is missing. */
  private async readVersion(model: string, version: number): Promise<VersionInfo | undefined> {
    const dir = versionDir(this.modelsDir, model, version);
    let info;
    try {
      info = await stat(dir);
    } catch {
      return undefined;
    }
    const metaFile = path.join(dir, REGISTRY_FILES.versionMeta);
    const recorded = (await readJsonFile(metaFile).catch(() => undefined)) as
      Partial<VersionMeta> | undefined;
    const meta: VersionMeta =
      recorded?.format === VERSION_META_FORMAT
        ? {
            format: VERSION_META_FORMAT,
            model,
            version,
            deployedAt: String(recorded.deployedAt ?? ''),
            sha256: String(recorded.sha256 ?? ''),
            ...(typeof recorded.source === 'string' ? { source: recorded.source } : {}),
            metadata: (recorded.metadata ?? {}) as VersionMeta['metadata'],
          }
        : {
            // A version directory copied in by hand, as TensorFlow Serving allows.
            format: VERSION_META_FORMAT,
            model,
            version,
            deployedAt: info.mtime.toISOString(),
            sha256: '',
            metadata: {},
          };
    return { model, version, dir, meta, identity: `${info.ino}:${info.birthtimeMs}` };
  }

  /**
   * A version of a model.
   * @throws VersionNotFoundError when it does not exist
   */
  async getVersion(model: string, version: number): Promise<VersionInfo> {
    checkModelName(model);
    const info = isVersionNumber(version) ? await this.readVersion(model, version) : undefined;
    if (!info) throw new VersionNotFoundError(model, version);
    return info;
  }

  /** The default pointer of a model, or undefined when it has none. */
  async readPointer(model: string): Promise<DefaultPointer | undefined> {
    checkModelName(model);
    const file = path.join(modelDir(this.modelsDir, model), REGISTRY_FILES.defaultPointer);
    return parsePointer(await readJsonFile(file), file);
  }

  /** The default version of a model, or undefined (no pointer, or its directory is gone). */
  async getDefault(model: string): Promise<VersionInfo | undefined> {
    const pointer = await this.readPointer(model);
    return pointer ? this.readVersion(model, pointer.version) : undefined;
  }

  /** The labels of a model (label → version). */
  async getLabels(model: string): Promise<Record<string, number>> {
    checkModelName(model);
    const file = path.join(modelDir(this.modelsDir, model), REGISTRY_FILES.labels);
    const value = await readJsonFile(file);
    const labels: Record<string, number> = {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [label, version] of Object.entries(value)) {
        if (isVersionNumber(version)) labels[label] = version;
      }
    }
    return labels;
  }

  /** Versions, pointer and labels of a model. */
  async snapshot(model: string): Promise<ModelSnapshot> {
    const [versions, pointer, labels] = await Promise.all([
      this.listVersions(model),
      this.readPointer(model),
      this.getLabels(model),
    ]);
    return { model, versions, pointer, labels };
  }

  /**
   * Adds a version of a model from a directory of files (the train step's Model artifact),
   * copied in full. The version appears complete or not at all.
   * @throws VersionExistsError when `version` exists and `replaceExisting` is not set
   * @throws DefaultVersionReplaceError when `version` is the default, `replaceExisting` is set and
   *   `setDefault` is `false`
   */
  async deployVersion(
    model: string,
    sourceDir: string,
    options: DeployVersionOptions = {},
  ): Promise<DeployResult> {
    checkModelName(model);
    if (options.version !== undefined && !isVersionNumber(options.version)) {
      throw new ServingOptionsError(
        `version must be a positive integer; got ${String(options.version)}`,
        'version',
      );
    }
    const source = path.resolve(sourceDir);
    const sourceInfo = await stat(source).catch(() => undefined);
    if (!sourceInfo?.isDirectory()) {
      throw new RegistryError(`the model directory ${source} does not exist`, source);
    }
    const root = modelDir(this.modelsDir, model);
    await mkdir(root, { recursive: true });
    const staging = path.join(root, `${REGISTRY_FILES.stagingPrefix}${tempSuffix()}`);
    try {
      const files = await listFiles(source);
      if (files.length === 0) throw new RegistryError(`the model directory ${source} is empty`);
      const hash = createHash('sha256');
      for (const rel of files) {
        if (rel === REGISTRY_FILES.versionMeta) continue;
        const target = path.join(staging, rel);
        await mkdir(path.dirname(target), { recursive: true });
        await copyFile(path.join(source, rel), target);
      }
      for (const [name, content] of Object.entries(options.files ?? {})) {
        if (name.includes('/') || name.includes('\\') || name === REGISTRY_FILES.versionMeta) {
          throw new ServingOptionsError(`cannot write an extra file named '${name}'`, 'files');
        }
        await writeFile(path.join(staging, name), content);
      }
      for (const rel of await listFiles(staging)) {
        hash.update(`${rel}\0`);
        hash.update(await readFile(path.join(staging, rel)));
        hash.update('\0');
      }
      const sha256 = hash.digest('hex');

      const result = await withDirectoryLock(
        root,
        async () => {
          const existing = await this.listVersions(model);
          const pointer = await this.readPointer(model);
          const highest = existing.length > 0 ? (existing[existing.length - 1]?.version ?? 0) : 0;
          const version = options.version ?? highest + 1;
          const meta: VersionMeta = {
            format: VERSION_META_FORMAT,
            model,
            version,
            deployedAt: this.clock().toISOString(),
            sha256,
            source: options.source ?? source,
            metadata: options.metadata ?? {},
          };
          await writeFile(
            path.join(staging, REGISTRY_FILES.versionMeta),
            `${JSON.stringify(meta, null, 2)}\n`,
          );
          const target = versionDir(this.modelsDir, model, version);
          let replaced = false;
          if (existing.some((v) => v.version === version)) {
            if (!options.replaceExisting) throw new VersionExistsError(model, version);
            // Replacing the default's files would make the new ones the default: not when the
            // caller said this version must not become the default (a quality gate rejected it).
            if (options.setDefault === false && pointer?.version === version) {
              throw new DefaultVersionReplaceError(model, version);
            }
            await this.moveToTrash(root, version);
            replaced = true;
          }
          await rename(staging, target);
          const makeDefault = options.setDefault === true || pointer === undefined;
          if (makeDefault) await this.writePointer(model, pointer, version);
          const labels = await this.getLabels(model);
          const pruned = await this.pruneLocked(model, {
            protect: [version, ...Object.values(labels)],
          });
          const info = await this.getVersion(model, version);
          return {
            version: info,
            isDefault: makeDefault || pointer?.version === version,
            previousDefault: pointer?.version,
            pruned,
            replaced,
          };
        },
        this.lockOptions,
      );
      this.emit({
        model,
        kind: 'deploy',
        ...(result.isDefault ? { defaultVersion: result.version.version } : {}),
      });
      return result;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async writePointer(
    model: string,
    current: DefaultPointer | undefined,
    version: number,
    previous?: readonly number[],
  ): Promise<void> {
    const history =
      previous ??
      (current && current.version !== version
        ? [current.version, ...current.previous.filter((v) => v !== version)]
        : (current?.previous ?? []));
    const pointer: DefaultPointer = {
      version,
      previous: history.slice(0, 50),
      updatedAt: this.clock().toISOString(),
    };
    const file = path.join(modelDir(this.modelsDir, model), REGISTRY_FILES.defaultPointer);
    await writeFileAtomic(file, `${JSON.stringify(pointer)}\n`);
  }

  /**
   * Makes a version the default: one atomic pointer switch.
   * @returns the default before and after
   * @throws VersionNotFoundError when the version does not exist
   */
  async setDefault(
    model: string,
    version: number,
  ): Promise<{ previous: number | undefined; version: number }> {
    await this.getVersion(model, version);
    const root = modelDir(this.modelsDir, model);
    const previous = await withDirectoryLock(
      root,
      async () => {
        await this.getVersion(model, version);
        const pointer = await this.readPointer(model);
        if (pointer?.version !== version) await this.writePointer(model, pointer, version);
        return pointer?.version;
      },
      this.lockOptions,
    );
    this.emit({ model, kind: 'default', defaultVersion: version });
    return { previous, version };
  }

  /**
   * Makes the previous default (or `to`) the default again. The version rolled back from is not
   * remembered as a rollback target, so rolling back again goes further back.
   * @throws RollbackError when there is no earlier default that still exists
   */
  async rollback(
    model: string,
    options: { to?: number } = {},
  ): Promise<{ from: number; to: number }> {
    checkModelName(model);
    const root = modelDir(this.modelsDir, model);
    const result = await withDirectoryLock(
      root,
      async () => {
        const pointer = await this.readPointer(model);
        if (!pointer) throw new RollbackError(model, `model '${model}' has no default version`);
        const existing = new Set((await this.listVersions(model)).map((v) => v.version));
        let target = options.to;
        if (target === undefined) {
          target = pointer.previous.find((v) => v !== pointer.version && existing.has(v));
          if (target === undefined) {
            throw new RollbackError(
              model,
              `model '${model}' has no earlier default version to roll back to (default ${pointer.version})`,
            );
          }
        } else if (!existing.has(target)) {
          throw new VersionNotFoundError(model, target);
        }
        const at = pointer.previous.indexOf(target);
        const rest = at >= 0 ? pointer.previous.slice(at + 1) : pointer.previous;
        await this.writePointer(
          model,
          pointer,
          target,
          rest.filter((v) => v !== target),
        );
        return { from: pointer.version, to: target };
      },
      this.lockOptions,
    );
    this.emit({ model, kind: 'rollback', defaultVersion: result.to });
    return result;
  }

  /**
   * Points a label (`stable`, `canary` …) at a version, or removes it (`version` undefined).
   * @throws VersionNotFoundError when the version does not exist
   */
  async setLabel(model: string, label: string, version: number | undefined): Promise<void> {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(label)) {
      throw new ServingOptionsError(
        `invalid label ${JSON.stringify(label)}: letters, digits, '_' and '-', starting with a letter`,
        'label',
      );
    }
    if (version !== undefined) await this.getVersion(model, version);
    const root = modelDir(this.modelsDir, model);
    await withDirectoryLock(
      root,
      async () => {
        const labels = await this.getLabels(model);
        if (version === undefined) delete labels[label];
        else labels[label] = version;
        await writeFileAtomic(
          path.join(root, REGISTRY_FILES.labels),
          `${JSON.stringify(labels, null, 2)}\n`,
        );
      },
      this.lockOptions,
    );
    this.emit({ model, kind: 'label' });
  }

  /**
   * Deletes the oldest versions beyond `keep` (never the default or labelled versions).
   * @returns the deleted versions
   */
  async prune(model: string, options: { keep?: number } = {}): Promise<number[]> {
    checkModelName(model);
    const root = modelDir(this.modelsDir, model);
    const pruned = await withDirectoryLock(
      root,
      async () => {
        const labels = await this.getLabels(model);
        return this.pruneLocked(model, { keep: options.keep, protect: Object.values(labels) });
      },
      this.lockOptions,
    );
    if (pruned.length > 0) this.emit({ model, kind: 'prune' });
    return pruned;
  }

  private async pruneLocked(
    model: string,
    options: { keep?: number; protect: readonly number[] },
  ): Promise<number[]> {
    const keep = options.keep ?? this.keepVersions;
    const versions = (await this.listVersions(model)).map((v) => v.version);
    const pointer = await this.readPointer(model);
    const protectedVersions = new Set(options.protect);
    if (pointer) protectedVersions.add(pointer.version);
    let count = versions.length;
    const pruned: number[] = [];
    for (const version of versions) {
      if (count <= keep) break;
      if (protectedVersions.has(version)) continue;
      await this.moveToTrash(modelDir(this.modelsDir, model), version);
      pruned.push(version);
      count--;
    }
    await this.sweep(modelDir(this.modelsDir, model));
    return pruned;
  }

  /** Renames a version away (it disappears at once), then deletes it. */
  private async moveToTrash(root: string, version: number): Promise<void> {
    const trash = path.join(root, `${REGISTRY_FILES.trashPrefix}${version}-${tempSuffix()}`);
    await rename(path.join(root, String(version)), trash);
    await rm(trash, { recursive: true, force: true });
  }

  /** Removes staging and trash directories left by crashed processes (older than an hour). */
  private async sweep(root: string): Promise<void> {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => [] as Dirent[]);
    for (const entry of entries) {
      const leftover =
        entry.name.startsWith(REGISTRY_FILES.stagingPrefix) ||
        entry.name.startsWith(REGISTRY_FILES.trashPrefix);
      if (!leftover || !entry.isDirectory()) continue;
      const full = path.join(root, entry.name);
      const info = await stat(full).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > 3_600_000) {
        await rm(full, { recursive: true, force: true });
      }
    }
  }
}
