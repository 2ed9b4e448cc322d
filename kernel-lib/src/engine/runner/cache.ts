/**
 * Where cached task outputs are kept. A store maps (pipeline name, fingerprint) to the outputs
 * a successful task produced; like KFP, the cache is shared by the runs of one pipeline. The
 * runner ships an in-memory store and a JSON-file store; the engine's database can implement
 * the same interface.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CacheStoreError, messageOf } from './errors';
import type { TaskIO } from './types';

/** One cached result. */
export interface CacheEntry {
  pipelineName: string;
  /** {@link cacheFingerprint} of the task. */
  fingerprint: string;
  /** The run and task that produced the outputs. */
  runId: string;
  taskPath: string;
  /** ISO 8601. */
  createdAt: string;
  outputs: TaskIO;
  /**
   * Local files or directories the outputs refer to. A hit whose files are gone (their run's
   * directory was deleted) counts as a miss.
   */
  localPaths: string[];
}

/** A cache of task outputs. */
export interface CacheStore {
  /** The entry for a fingerprint, if any. */
  get(pipelineName: string, fingerprint: string): Promise<CacheEntry | undefined>;
  /** Records (or replaces) an entry. */
  put(entry: CacheEntry): Promise<void>;
}

function entryKey(pipelineName: string, fingerprint: string): string {
  return `${pipelineName}/${fingerprint}`;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** A cache that lives as long as the object. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, CacheEntry>();

  async get(pipelineName: string, fingerprint: string): Promise<CacheEntry | undefined> {
    const entry = this.entries.get(entryKey(pipelineName, fingerprint));
    return entry && copy(entry);
  }

  async put(entry: CacheEntry): Promise<void> {
    this.entries.set(entryKey(entry.pipelineName, entry.fingerprint), copy(entry));
  }

  /** How many entries it holds. */
  get size(): number {
    return this.entries.size;
  }
}

interface CacheFile {
  version: 1;
  entries: Record<string, CacheEntry>;
}

/**
 * A cache kept in one JSON file, rewritten atomically (write, then rename) on each put. Writes
 * from one store object are serialized; separate processes sharing a file may lose entries to
 * each other (never corrupt the file).
 */
export class JsonFileCacheStore implements CacheStore {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  async get(pipelineName: string, fingerprint: string): Promise<CacheEntry | undefined> {
    await this.queue;
    return (await this.read()).entries[entryKey(pipelineName, fingerprint)];
  }

  put(entry: CacheEntry): Promise<void> {
    const next = this.queue.then(async () => {
      const data = await this.read();
      data.entries[entryKey(entry.pipelineName, entry.fingerprint)] = entry;
      await this.write(data);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<CacheFile> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw new CacheStoreError(`cannot read the cache file ${this.file}: ${messageOf(error)}`, {
        file: this.file,
      });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new CacheStoreError(`the cache file ${this.file} is not JSON: ${messageOf(error)}`, {
        file: this.file,
      });
    }
    const entries = (data as Partial<CacheFile> | null)?.entries;
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new CacheStoreError(`the cache file ${this.file} has no "entries" object`, {
        file: this.file,
      });
    }
    return { version: 1, entries };
  }

  private async write(data: CacheFile): Promise<void> {
    const dir = path.dirname(this.file);
    const temp = path.join(dir, `.${path.basename(this.file)}.${process.pid}.${randomUUID()}.tmp`);
    try {
      await fs.promises.mkdir(dir, { recursive: true });
      await fs.promises.writeFile(temp, JSON.stringify(data, null, 2) + '\n');
      await fs.promises.rename(temp, this.file);
    } catch (error) {
      await fs.promises.rm(temp, { force: true }).catch(() => undefined);
      throw new CacheStoreError(`cannot write the cache file ${this.file}: ${messageOf(error)}`, {
        file: this.file,
      });
    }
  }
}
