/**
 * The run bundle the notebooks output (`application/vnd.pipelab.run+json`, written by
 * kernel-lib/src/display): a run's id, name, the endpoint it lives on, its UI link, and its
 * state when the output was made.
 */
export interface RunBundle {
  run_id: string;
  /** The run's display name (`name` in kernel-lib's RunLinkData; either is read). */
  display_name?: string;
  endpoint?: string;
  link?: string;
  state?: string;
  /** Set when the run was started by a recurring run. */
  recurring_run_id?: string;
}

/** A run bundle from MIME data, or undefined when it is not one. */
export function asRunBundle(data: unknown): RunBundle | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d.run_id !== 'string' || d.run_id === '') return undefined;
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v !== '' ? v : undefined;
  const bundle: RunBundle = { run_id: d.run_id };
  const fields = ['display_name', 'endpoint', 'link', 'state', 'recurring_run_id'] as const;
  for (const key of fields) {
    const value = str(d[key]);
    if (value !== undefined) bundle[key] = value;
  }
  // kernel-lib/src/display/run-link.ts writes the run's display name as `name`.
  bundle.display_name ??= str(d.name);
  if (bundle.display_name === undefined) delete bundle.display_name;
  return bundle;
}

/** Only http(s) links may be followed. */
export function safeLink(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
