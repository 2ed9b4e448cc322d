/**
 * Getting a PipelineSpec out of what a request carries: an inline JSON object (a run's or a
 * version's `pipeline_spec`), an uploaded package (YAML, JSON, .tar.gz or .zip), or a package
 * URL. Every failure is an INVALID_ARGUMENT naming the field, with the loader's message.
 */
import * as path from 'node:path';
import { loadPipelinePackage } from '../../compiler/package';
import type { PipelineSpec } from '../../compiler/spec';
import { validatePipelineSpec } from '../../compiler/validate';
import { PipelineLoadError } from '../../errors';
import { InvalidArgumentError, PayloadTooLargeError } from '../errors';
import { isZip, readZipPipeline } from './zip';

/** The largest pipeline package accepted: 32 MiB, as KFP. */
export const MAX_PACKAGE_BYTES = 32 * 1024 * 1024;

/** How long fetching a package URL may take. */
const FETCH_TIMEOUT_MS = 30_000;

function asInvalid(error: unknown, field: string): unknown {
  if (error instanceof PipelineLoadError) {
    return new InvalidArgumentError(error.message, { field }, { cause: error });
  }
  return error;
}

/**
 * Validates an inline spec. KFP's client sends `{pipeline_spec, platform_spec}` when the package
 * had a platform spec; the pipeline spec is then taken from inside.
 */
export function specFromJson(value: unknown, field: string): PipelineSpec {
  const record = value as Record<string, unknown>;
  const inner =
    typeof record === 'object' &&
    record !== null &&
    !('root' in record) &&
    'pipeline_spec' in record
      ? record.pipeline_spec
      : value;
  try {
    return validatePipelineSpec(inner, field);
  } catch (error) {
    throw asInvalid(error, field);
  }
}

/** Loads an uploaded or downloaded package. */
export async function specFromPackage(
  bytes: Buffer,
  fileName: string,
  field: string,
): Promise<PipelineSpec> {
  try {
    if (isZip(bytes)) {
      const { member, body } = readZipPipeline(bytes, fileName, MAX_PACKAGE_BYTES);
      return await loadPipelinePackage(body, { name: `${fileName} (member ${member})` });
    }
    return await loadPipelinePackage(bytes, { name: fileName });
  } catch (error) {
    throw asInvalid(error, field);
  }
}

/** Downloads a package from an http(s) URL (`package_url.pipeline_url`), at most 32 MiB. */
export async function fetchPackage(
  url: string,
  field: string,
): Promise<{ bytes: Buffer; fileName: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`${field} is not a valid URL: "${url}".`, { field });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`${field} must be an http(s) URL; got "${url}".`, { field });
  }
  let response: Response;
  try {
    response = await fetch(parsed, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw new InvalidArgumentError(
      `could not download the pipeline package from ${url}: ${error instanceof Error ? error.message : String(error)}`,
      { field },
    );
  }
  if (!response.ok || response.body === null) {
    throw new InvalidArgumentError(
      `downloading the pipeline package from ${url} returned HTTP ${response.status}.`,
      {
        field,
      },
    );
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_PACKAGE_BYTES) {
      await response.body.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(
        `the package at ${url} is larger than ${MAX_PACKAGE_BYTES} bytes.`,
        MAX_PACKAGE_BYTES,
        {
          field,
        },
      );
    }
    parts.push(Buffer.from(chunk));
  }
  return { bytes: Buffer.concat(parts), fileName: path.posix.basename(parsed.pathname) || url };
}
