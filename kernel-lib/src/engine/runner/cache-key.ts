/**
 * The cache fingerprint of a task, from the fields of KFP's `CacheKey` message
 * (cache_key.proto): input artifact identities, input parameter values, output artifact specs,
 * output parameter specs and the container (image, command and args as written in the spec, so
 * run-specific paths do not enter it). KFP hashes the message's protobuf bytes; Pipelab hashes
 * a canonical JSON form of the same fields, so the fingerprints are stable across runs and
 * processes but not equal to KFP's.
 */
import { createHash } from 'node:crypto';
import type { ArtifactTypeSchema } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';

/** The fields of KFP's `CacheKey`. */
export interface CacheKey {
  /** Input artifact name → the identities (URIs) of the artifacts bound to it. */
  inputArtifactNames: Record<string, { artifactNames: string[] }>;
  /** Input parameter name → value. */
  inputParameterValues: Record<string, JsonValue>;
  /** Output artifact name → its type (a RuntimeArtifact without name and URI). */
  outputArtifactsSpec: Record<string, { type: ArtifactTypeSchema }>;
  /** Output parameter name → its parameter type. */
  outputParametersSpec: Record<string, string>;
  containerSpec: { image: string; cmdArgs: string[]; pvcNames: string[] };
}

/** JSON with object keys sorted: equal values give equal text. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The sha256 hex fingerprint of a cache key (a custom `cachingOptions.cacheKey` replaces it). */
export function cacheFingerprint(key: CacheKey, customKey?: string): string {
  const text = customKey ? canonical({ customCacheKey: customKey }) : canonical(key);
  return createHash('sha256').update(text).digest('hex');
}
