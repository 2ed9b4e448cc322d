/**
 * Errors of the query step (the `data` component). Each names what it is about — the source, the
 * row, the day, the file or URI — so a failed pipeline run says which input to look at.
 */
import { PipelabError, type ErrorContext } from '../../errors';

/** Base class of every error the query step raises on purpose. */
export class DataStepError extends PipelabError {
  constructor(
    message: string,
    context: ErrorContext = {},
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, { component: 'query', ...context }, { code: 'DATA_ERROR', ...options });
  }
}

/** A source could not be read: bad SQL, an unreachable service, an HTTP error, a missing file. */
export class SourceError extends DataStepError {
  /** The source (`warehouse`, `bigquery`, `chicago-portal` or `csv`). */
  readonly source: string;
  constructor(
    source: string,
    message: string,
    context: ErrorContext = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, context, { ...options, code: 'SOURCE_FAILED' });
    this.source = source;
  }
}

/** The query returned no rows at all (or none was left once the partial last day was dropped). */
export class EmptyResultError extends DataStepError {
  readonly source: string;
  constructor(source: string, message: string) {
    super(message, {}, { code: 'EMPTY_RESULT' });
    this.source = source;
  }
}

/**
 * A row of the result cannot be used and there is no safe repair: an unreadable day, a count that
 * is not a non-negative integer, a duplicated or missing day when the policy says `reject`.
 */
export class BadDataError extends DataStepError {
  /** 1-based row number in the result as the source returned it (data rows, header excluded). */
  readonly row: number | undefined;
  /** The day the row is about, when it could be read. */
  readonly day: string | undefined;
  constructor(message: string, where: { row?: number; day?: string } = {}) {
    super(message, {}, { code: 'BAD_DATA' });
    this.row = where.row;
    this.day = where.day;
  }
}

/** The embedded warehouse could not be created, read or extended. */
export class WarehouseError extends DataStepError {
  constructor(message: string, file: string, options: { cause?: unknown } = {}) {
    super(message, { file }, { ...options, code: 'WAREHOUSE_FAILED' });
  }
}

/** The dataset could not be written to its destination (nothing partial was left behind). */
export class DestinationError extends DataStepError {
  /** The destination URI or path. */
  readonly uri: string;
  constructor(uri: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { file: uri }, { ...options, code: 'DESTINATION_FAILED' });
    this.uri = uri;
  }
}

/** The step's arguments are wrong (unknown source, missing --output, unreadable summary...). */
export class QueryUsageError extends DataStepError {
  constructor(message: string, parameter?: string, options: { cause?: unknown } = {}) {
    super(message, parameter === undefined ? {} : { parameter }, { ...options, code: 'USAGE' });
  }
}

/** A short description of any thrown value, for messages that wrap a cause. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
