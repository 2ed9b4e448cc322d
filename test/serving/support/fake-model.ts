/**
 * Fake model directories for server tests: `fake_model.json` says what the model answers, so a
 * response shows which version answered it. The fake predictor answers `value + last count / 1000`
 * for each window (so outputs also depend on the input), and counts its calls.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type {
  DailyPoint,
  PredictorLoader,
  ServablePredictor,
  ServingInput,
} from '../../../kernel-lib/src/serving/predictor';

export interface FakeModelSpec {
  /** What every prediction is based on (identifies the version). */
  readonly value: number;
  /** @default 3 */
  readonly historyDays?: number;
  /** @default false */
  readonly needsDates?: boolean;
  /** Loading fails with this message. */
  readonly failLoad?: string;
  /** Each model call spins this long (simulates a slow model). */
  readonly busyMs?: number;
  /** Recent history stored with the model (history.json). */
  readonly history?: readonly DailyPoint[];
}

/** Writes a fake model directory and returns it. */
export function writeFakeModel(dir: string, spec: FakeModelSpec): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'fake_model.json'), JSON.stringify(spec));
  if (spec.history) writeFileSync(path.join(dir, 'history.json'), JSON.stringify(spec.history));
  return dir;
}

/** Calls made to fake predictors, for batching assertions. */
export interface FakeCalls {
  /** Batch sizes of every model call, in order. */
  readonly batches: number[];
  loads: number;
  disposed: number;
}

function lastCount(input: ServingInput): number {
  const counts = Array.isArray(input) ? input : (input as { counts: readonly number[] }).counts;
  return counts[counts.length - 1] as number;
}

/** A loader of fake model directories. */
export function fakeLoader(
  calls: FakeCalls = { batches: [], loads: 0, disposed: 0 },
): PredictorLoader {
  return async (dir) => {
    const spec = JSON.parse(
      readFileSync(path.join(dir, 'fake_model.json'), 'utf8'),
    ) as FakeModelSpec;
    if (spec.failLoad) throw new Error(spec.failLoad);
    calls.loads++;
    const predictor: ServablePredictor = {
      historyDays: spec.historyDays ?? 3,
      needsDates: spec.needsDates ?? false,
      card: { name: 'fake', value: spec.value },
      predict(inputs) {
        calls.batches.push(inputs.length);
        if (spec.busyMs) {
          const until = performance.now() + spec.busyMs;
          while (performance.now() < until) {
            // spin: a model call blocks the event loop
          }
        }
        return inputs.map((input) => spec.value + lastCount(input) / 1000);
      },
      forecast(history: readonly DailyPoint[], days: number) {
        return Array.from({ length: days }, (_, i) => spec.value + i);
      },
      dispose() {
        calls.disposed++;
      },
    };
    return predictor;
  };
}
