/**
 * What every source of daily totals returns: the raw rows (validated and repaired afterwards, the
 * same way for every source) and a description of what was run, for the dataset's metadata.
 */
import type { JsonValue } from '../../../dsl/types';
import type { RawDailyRow } from '../daily-series';

/** The sources the query step reads from. */
export const SOURCE_NAMES = ['warehouse', 'bigquery', 'chicago-portal', 'csv'] as const;

/** A source's name. */
export type SourceName = (typeof SOURCE_NAMES)[number];

/** True when `name` is a source's name. */
export function isSourceName(name: string): name is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(name);
}

/** The rows a source returned and how it got them. */
export interface SourceResult {
  source: SourceName;
  rows: RawDailyRow[];
  /** The query as it ran (translated SQL, SoQL request, or the CSV's location). */
  query: string;
  /** Facts worth keeping: the warehouse file, the job id, pages read, SQL rewrites... */
  details: Record<string, JsonValue>;
}

/** Progress lines (one line, no newline). */
export type ProgressLog = (line: string) => void;
