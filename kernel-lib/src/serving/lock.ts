/**
 * A lock on a model directory, so that two processes deploying or switching the same model (two
 * pipeline runs, a notebook and the engine) do not interleave their read-modify-write of the
 * pointer files. `mkdir` is atomic; the owner's pid and time are written inside. A lock older than
 * `staleMs` whose owner is gone is taken over.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { RegistryError } from './errors';
import { REGISTRY_FILES } from './layout';

export interface LockOptions {
  /** Give up after this long. @default 10000 */
  readonly timeoutMs?: number;
  /** A lock this old is stale when its process is gone (or always, past 10×). @default 30000 */
  readonly staleMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockDir: string, staleMs: number): Promise<boolean> {
  try {
    const info = await stat(lockDir);
    const age = Date.now() - info.mtimeMs;
    if (age < staleMs) return false;
    const owner = Number(
      (await readFile(path.join(lockDir, 'owner'), 'utf8').catch(() => '')).split(' ')[0],
    );
    return age > staleMs * 10 || !Number.isInteger(owner) || owner <= 0 || !processAlive(owner);
  } catch {
    return false;
  }
}

/**
 * Runs `fn` holding the lock of `dir` (created if missing).
 * @throws RegistryError when the lock cannot be taken within the timeout
 */
export async function withDirectoryLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const lockDir = path.join(dir, REGISTRY_FILES.lock);
  await mkdir(dir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RegistryError(`cannot lock ${dir}: ${(error as Error).message}`, lockDir, {
          cause: error,
        });
      }
    }
    if (await isStale(lockDir, staleMs)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new RegistryError(
        `timed out after ${timeoutMs} ms waiting for the lock ${lockDir} (another deploy is ` +
          'changing this model; remove the directory if its process is gone)',
        lockDir,
      );
    }
    await sleep(wait);
  }
  try {
    await writeFile(path.join(lockDir, 'owner'), `${process.pid} ${new Date().toISOString()}\n`);
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
