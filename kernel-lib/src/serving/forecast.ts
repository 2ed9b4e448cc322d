/**
 * Pipelab's forecast route: the next day(s) after the latest data.
 *
 * ```
 * GET  /v1/models/{name}[/versions/{v}]:forecast?days=7
 * POST /v1/models/{name}[/versions/{v}]:forecast
 *      {"days": 7}                                             history from the server
 *      {"days": 7, "history": [{"day": "2022-02-12", "count": 512}, …]}
 *      {"days": 7, "counts": [...], "last_day": "2022-02-12"}
 * →    {"model_spec": {"name", "version"}, "history": {"source", "first_day", "last_day", "days"},
 *       "forecasts": [{"day": "2022-02-13", "count": 598.2}, …]}
 * ```
 *
 * Without a history in the request, the server's {@link HistoryProvider} gives it (by default the
 * days stored with the version). Each forecast day is fed back as history for the next.
 */
import { addDays } from '../components/train/calendar';
import type { JsonValue } from '../dsl/types';
import { InvalidRequestError, ServingError } from './errors';
import type { HistoryProvider } from './history';
import { isDay } from './instances';
import type { ServedVersion } from './model-pool';
import type { DailyPoint } from './predictor';

/** A checked forecast request. */
export interface ForecastRequest {
  readonly days: number;
  /** The history the request brought, if any. */
  readonly history: readonly DailyPoint[] | undefined;
}

function parseDays(value: unknown, maxDays: number): number {
  const days = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (days === undefined) return 1;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > maxDays) {
    throw new InvalidRequestError(
      `"days" must be an integer from 1 to ${maxDays}, got ${JSON.stringify(value)}`,
    );
  }
  return days;
}

function checkHistory(points: readonly DailyPoint[], where: string): void {
  for (let i = 0; i < points.length; i++) {
    const point = points[i] as DailyPoint;
    if (
      typeof point !== 'object' ||
      point === null ||
      typeof point.day !== 'string' ||
      !isDay(point.day)
    ) {
      throw new InvalidRequestError(`${where}[${i}]: expected {"day": "YYYY-MM-DD", "count": n}`);
    }
    if (typeof point.count !== 'number' || !Number.isFinite(point.count) || point.count < 0) {
      throw new InvalidRequestError(`${where}[${i}]: "count" must be a non-negative number`);
    }
    if (i > 0 && addDays((points[i - 1] as DailyPoint).day, 1) !== point.day) {
      throw new InvalidRequestError(
        `${where}[${i}]: days must be consecutive and oldest first (${point.day} follows ` +
          `${(points[i - 1] as DailyPoint).day})`,
      );
    }
  }
}

/**
 * Checks a forecast request: `days` from the query or the body, an optional history.
 * @throws InvalidRequestError (400)
 */
export function parseForecastRequest(
  query: URLSearchParams,
  body: unknown,
  maxDays: number,
): ForecastRequest {
  if (body === undefined)
    return { days: parseDays(query.get('days') ?? undefined, maxDays), history: undefined };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('the forecast request body must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!['days', 'history', 'counts', 'last_day'].includes(key)) {
      throw new InvalidRequestError(
        `unknown key "${key}"; a forecast request has "days" and either "history" or "counts" with "last_day"`,
      );
    }
  }
  const days = parseDays(record.days ?? query.get('days') ?? undefined, maxDays);
  if (record.history !== undefined) {
    if (!Array.isArray(record.history)) {
      throw new InvalidRequestError('"history" must be an array of {"day", "count"}');
    }
    const history = record.history as DailyPoint[];
    checkHistory(history, 'history');
    return { days, history };
  }
  if (record.counts !== undefined || record.last_day !== undefined) {
    const counts = record.counts;
    const lastDay = record.last_day;
    if (!Array.isArray(counts) || typeof lastDay !== 'string' || !isDay(lastDay)) {
      throw new InvalidRequestError(
        '"counts" (daily totals, oldest first) and "last_day" ("YYYY-MM-DD", the day of the last count) go together',
      );
    }
    const history = counts.map((count: unknown, i) => ({
      day: addDays(lastDay, i - counts.length + 1),
      count: count as number,
    }));
    checkHistory(history, 'counts');
    return { days, history };
  }
  return { days, history: undefined };
}

/**
 * Runs a forecast on a served version.
 * @throws InvalidRequestError when the request's history is too short, ServingError (503) when
 *   the server has no history for the model
 */
export async function runForecast(
  entry: ServedVersion,
  request: ForecastRequest,
  historyProvider: HistoryProvider,
): Promise<{ [key: string]: JsonValue }> {
  const predictor = entry.predictor;
  if (!predictor) throw new ServingError('the version was unloaded', {}, { httpStatus: 503 });
  let history = request.history;
  let source = 'request';
  if (history === undefined) {
    source = 'server';
    const provided = await historyProvider({
      model: entry.model,
      version: entry.version,
      dir: entry.info.dir,
      historyDays: predictor.historyDays,
      loaded: entry,
    });
    if (!provided || provided.length < predictor.historyDays) {
      throw new ServingError(
        `the model server has no recent daily totals for model '${entry.model}' version ` +
          `${entry.version} (needs ${predictor.historyDays} days); POST them as "history"`,
        {},
        { code: 'NO_HISTORY', httpStatus: 503 },
      );
    }
    history = provided;
  } else if (history.length < predictor.historyDays) {
    throw new InvalidRequestError(
      `${history.length} days of history given; the model needs the previous ${predictor.historyDays} days`,
    );
  }
  const recent = history.slice(Math.max(0, history.length - Math.max(predictor.historyDays, 1)));
  const last = recent[recent.length - 1] as DailyPoint;
  const values = predictor.forecast(recent, request.days);
  return {
    model_spec: { name: entry.model, version: String(entry.version) },
    history: {
      source,
      first_day: (recent[0] as DailyPoint).day,
      last_day: last.day,
      days: recent.length,
    },
    forecasts: Array.from(values, (count, i) => ({
      day: addDays(last.day, i + 1),
      count: Number.isFinite(count) ? count : null,
    })),
  };
}
