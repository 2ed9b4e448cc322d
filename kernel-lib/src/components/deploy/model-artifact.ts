/**
 * The Model artifact being deployed: its directory checked, the model loaded and asked for one
 * prediction (a model that cannot predict is never deployed), its card and its recent data (for
 * the quality gate) read.
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { JsonValue } from '../../dsl/types';
import { readStoredHistory } from '../../serving/history';
import type {
  DailyPoint,
  PredictorLoader,
  ServablePredictor,
  ServingInput,
} from '../../serving/predictor';
import { ModelArtifactError } from './errors';

/** The train step's model card file. */
export const MODEL_CARD_FILE = 'model_card.json';

/** A loaded Model artifact. */
export interface ModelArtifact {
  readonly dir: string;
  readonly predictor: ServablePredictor;
  /** The card's fields the deploy records (empty when the model has no card). */
  readonly summary: { readonly [key: string]: JsonValue };
  /** The recent daily totals recorded with the model (its test data), oldest first. */
  readonly recent: readonly DailyPoint[] | undefined;
}

function pick(card: Record<string, unknown>): { [key: string]: JsonValue } {
  const data = (card.data ?? {}) as Record<string, unknown>;
  const metrics = (card.metrics ?? {}) as Record<string, unknown>;
  const summary: { [key: string]: JsonValue } = {};
  const put = (key: string, value: unknown): void => {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      summary[key] = value;
    }
  };
  put('preset', card.preset);
  put('created_at', card.createdAt);
  put('data_first_day', data.firstDay);
  put('data_last_day', data.lastDay);
  put('data_sha256', data.sha256);
  put('test_rmse', metrics.rmse);
  put('test_mae', metrics.mae);
  put('naive_mean7_rmse', metrics.naive_mean7_rmse);
  return summary;
}

/** A prediction on a plain window, to prove the model works before it is deployed. */
export function smokeTest(predictor: ServablePredictor, recent?: readonly DailyPoint[]): number {
  const days = predictor.historyDays;
  const counts =
    recent && recent.length >= days
      ? recent.slice(recent.length - days).map((p) => p.count)
      : new Array<number>(days).fill(1);
  const input: ServingInput = predictor.needsDates ? { counts, day: '2020-01-01' } : counts;
  const [value] = Array.from(predictor.predict([input]));
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`the model predicts ${String(value)} for a plain window`);
  }
  return value;
}

/**
 * Loads the Model artifact in `dir`.
 * @throws ModelArtifactError when the directory is missing, or the model does not load or predict
 */
export async function loadModelArtifact(
  dir: string,
  loader: PredictorLoader,
): Promise<ModelArtifact> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ModelArtifactError(`the Model artifact ${dir} is not a directory`, dir);
  }
  let predictor: ServablePredictor;
  try {
    predictor = await loader(dir);
  } catch (error) {
    throw new ModelArtifactError(
      `cannot load the model in ${dir}: ${(error as Error).message}`,
      dir,
      { cause: error },
    );
  }
  const recent = await readStoredHistory(dir);
  try {
    smokeTest(predictor, recent);
  } catch (error) {
    predictor.dispose?.();
    throw new ModelArtifactError(
      `the model in ${dir} cannot predict: ${(error as Error).message}`,
      dir,
      { cause: error },
    );
  }
  let summary: { [key: string]: JsonValue } = {};
  try {
    summary = pick(
      JSON.parse(await readFile(path.join(dir, MODEL_CARD_FILE), 'utf8')) as Record<
        string,
        unknown
      >,
    );
  } catch {
    // No card: nothing to summarise.
  }
  return { dir, predictor, summary, recent };
}
