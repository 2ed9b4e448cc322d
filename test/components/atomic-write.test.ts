/**
 * `writeFileAtomic`, shared by the query step's dataset and the model registry's pointer files:
 * the file is replaced whole, and a failed write — at write, fsync or rename — leaves no
 * temporary file behind.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../../kernel-lib/src/components/atomic-write';
import { tempDir } from './data/support/temp';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, open: vi.fn(actual.open) };
});

/** Makes the next `open` return a handle whose `method` fails with EIO. */
async function failNext(method: 'writeFile' | 'sync'): Promise<void> {
  const actual = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
  vi.mocked(fsp.open).mockImplementationOnce(async (...args: Parameters<typeof fsp.open>) => {
    const handle = await actual.open(...args);
    handle[method] = () =>
      Promise.reject(Object.assign(new Error(`EIO: i/o error, ${method}`), { code: 'EIO' }));
    return handle;
  });
}

describe('writeFileAtomic', () => {
  it('creates the folder, replaces the file whole, and leaves nothing beside it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'sub', 'default');
    await writeFileAtomic(file, 'one\n');
    await writeFileAtomic(file, 'two\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('two\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['default']);
  });

  it.each(['writeFile', 'sync'] as const)(
    'removes its temporary file when %s fails, and keeps the old content',
    async (method) => {
      const dir = tempDir();
      const file = path.join(dir, 'labels.json');
      fs.writeFileSync(file, 'old');
      await failNext(method);
      await expect(writeFileAtomic(file, 'new')).rejects.toThrow(`EIO: i/o error, ${method}`);
      expect(fs.readdirSync(dir)).toEqual(['labels.json']);
      expect(fs.readFileSync(file, 'utf8')).toBe('old');
    },
  );

  it('removes its temporary file when the rename fails', async () => {
    const dir = tempDir();
    const taken = path.join(dir, 'taken');
    fs.mkdirSync(path.join(taken, 'inside'), { recursive: true });
    await expect(writeFileAtomic(taken, 'x')).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['taken']);
  });
});
