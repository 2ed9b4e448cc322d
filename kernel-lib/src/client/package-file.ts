/**
 * Node only: reading a compiled pipeline file to upload it as it is.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ClientOptionsError } from './errors';

/** The bytes and base name of a pipeline file. */
export async function readPackageFile(
  file: string,
  option: string,
): Promise<{ bytes: Uint8Array; fileName: string }> {
  try {
    return { bytes: await readFile(file), fileName: path.basename(file) };
  } catch (cause) {
    throw new ClientOptionsError(
      option,
      `cannot read the pipeline file ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
