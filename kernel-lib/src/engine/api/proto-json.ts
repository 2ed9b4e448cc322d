/**
 * Writing responses as KFP's API server does (protojson with proto field names and
 * `EmitUnpopulated: false`): fields holding their default value — empty string, 0, false, an
 * unset message, an empty list or map — are left out. Struct-typed fields (a pipeline spec,
 * runtime parameters) are written as they are.
 */

/** Fields whose value is a google.protobuf.Struct/Value: kept verbatim. */
const OPAQUE_FIELDS: ReadonlySet<string> = new Set([
  'pipeline_spec',
  'parameters',
  'plugins_input',
  'metadata',
  'value',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDefault(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Drops unpopulated fields from a message, recursively (but not inside Struct fields). */
export function prune<T>(message: T): T {
  if (Array.isArray(message)) {
    return message.map((item) => prune(item)) as T;
  }
  if (!isPlainObject(message)) return message;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (OPAQUE_FIELDS.has(key)) {
      const empty = isPlainObject(value) && Object.keys(value).length === 0;
      if (value !== undefined && value !== null && !empty) out[key] = value;
      continue;
    }
    const pruned = prune(value);
    if (!isDefault(pruned)) out[key] = pruned;
  }
  return out as T;
}

/**
 * Drops the unpopulated fields of a message whose fields are already pruned (a list response
 * around pruned items): the top level only, which saves walking every item again.
 */
export function pruneTop<T extends Record<string, unknown>>(message: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (!isDefault(value)) out[key] = value;
  }
  return out as Partial<T>;
}

/** A time (ms since the epoch) as protojson writes a Timestamp: RFC 3339, UTC. */
export function timestamp(ms: number | null | undefined): string | undefined {
  if (ms === null || ms === undefined) return undefined;
  const text = new Date(ms).toISOString();
  // Whole seconds are written without a fraction, as protojson does.
  return ms % 1000 === 0 ? `${text.slice(0, -5)}Z` : text;
}
