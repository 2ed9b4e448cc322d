/**
 * Where a forecast starts from: the latest daily totals. The server asks a
 * {@link HistoryProvider}; the default reads the version directory — `history.json` when the
 * deployer wrote one, else the actual counts of the train step's `test_predictions.json` (the
 * last days of the data the model was trained on, oldest first). The engine can pass a provider
 * reading the warehouse instead, so forecasts start from today's data.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { REGISTRY_FILES } from './layout';
import type { DailyPoint } from './predictor';

/** What a history provider is asked for. */
export interface HistoryRequest {
  readonly model: string;
  readonly version: number;
  /** The version's directory. */
  readonly dir: string;
  /** Days of history the model needs at least. */
  readonly historyDays: number;
  /**
   * The loaded version: the same object for as long as the version stays loaded, another once it
   * is reloaded (its files replaced). A provider may cache what it read from `dir` under it.
   */
  readonly loaded?: object;
}

/**
 * Returns the latest daily totals, oldest first, consecutive days (at least `historyDays`, more
 * are fine), or undefined when it has none for this model.
 */
export type HistoryProvider = (
  request: HistoryRequest,
) => Promise<readonly DailyPoint[] | undefined> | readonly DailyPoint[] | undefined;

/** The train step's test predictions file. */
const TEST_PREDICTIONS = 'test_predictions.json';

function toPoints(value: unknown): DailyPoint[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const points: DailyPoint[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const record = item as Record<string, unknown>;
    const day = typeof record.day === 'string' ? record.day.slice(0, 10) : undefined;
    const count = typeof record.count === 'number' ? record.count : record.actual;
    if (day === undefined || typeof count !== 'number' || !Number.isFinite(count)) return undefined;
    points.push({ day, count });
  }
  return points;
}

async function readPoints(file: string): Promise<DailyPoint[] | undefined> {
  try {
    return toPoints(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * The recent daily totals stored in a model directory: `history.json` (`[{day, count}]`), else
 * the actual counts of `test_predictions.json` (`[{day, actual, predicted}]`).
 */
export async function readStoredHistory(dir: string): Promise<DailyPoint[] | undefined> {
  return (
    (await readPoints(path.join(dir, REGISTRY_FILES.history))) ??
    (await readPoints(path.join(dir, TEST_PREDICTIONS)))
  );
}

/**
 * The default provider: the version directory's stored history ({@link readStoredHistory}),
 * read once per loaded version (a version directory does not change while it is loaded: replacing
 * it reloads the version) — without `loaded` in the request, read every time.
 */
export function modelDirHistory(): HistoryProvider {
  const read = new WeakMap<object, Promise<DailyPoint[] | undefined>>();
  return (request) => {
    if (request.loaded === undefined) return readStoredHistory(request.dir);
    let points = read.get(request.loaded);
    if (points === undefined) {
      points = readStoredHistory(request.dir);
      read.set(request.loaded, points);
    }
    return points;
  };
}
