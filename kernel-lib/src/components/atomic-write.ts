/**
 * Replacing a file atomically, for the query step's dataset and the model registry's pointer
 * files alike: readers see the old content or the new, never a mix, and a failed write leaves
 * nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Writes `content` to `file` atomically: to a hidden temporary file beside it
 * (`.<name>.tmp-<pid>-<random>`), flushed, then renamed over `file`. Creates the folder. When any
 * step fails the temporary file is removed and the error thrown.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(
    dir,
    `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
