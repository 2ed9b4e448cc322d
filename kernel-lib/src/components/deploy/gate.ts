/**
 * The quality gate (beyond the 2019 sample, which made every new model the default): a new model
 * becomes the default only when its RMSE is not worse than the current default's, on the same
 * recent days, by more than a tolerance:
 *
 *     promote  ⇔  rmse(candidate) ≤ rmse(default) × (1 + tolerance)
 *
 * The recent days are the last `windowDays` days of the candidate's test data — the actual counts
 * the train step recorded in `test_predictions.json` (consecutive days ending with the dataset's
 * last day; `history.json` when a model directory has one instead). Both models predict each of
 * those days from the same preceding days of that data, so they are scored on identical inputs.
 * The current default never trained on these days: its training part ended before the
 * candidate's test part begins (the test part is the last 20% of a longer series).
 *
 * When the comparison cannot be made — no default yet, the default fails to load, too few recent
 * days — the candidate is promoted (as the sample would) and the reason recorded.
 */
import type { JsonValue } from '../../dsl/types';
import type { DailyPoint, ServablePredictor, ServingInput } from '../../serving/predictor';

/** How the gate decided. */
export type GateDecisionKind =
  /** Compared: the candidate is not worse beyond the tolerance. */
  | 'promote'
  /** Compared: the candidate is worse beyond the tolerance; deployed, not the default. */
  | 'reject'
  /** No current default: the candidate becomes the default. */
  | 'no-baseline'
  /** The comparison could not be made (reason recorded): promoted. */
  | 'not-comparable'
  /** The gate was turned off: set_default decides alone. */
  | 'gate-off';

/** The gate's decision and its figures (recorded in the output and the version's metadata). */
export interface GateRecord {
  readonly decision: GateDecisionKind;
  /** Whether the gate lets the candidate become the default. */
  readonly passed: boolean;
  readonly reason: string;
  readonly tolerance: number;
  /** RMSE on the window, or null when not compared. */
  readonly candidate_rmse: number | null;
  readonly baseline_rmse: number | null;
  readonly baseline_version: string | null;
  /** The compared days. */
  readonly window: { readonly from: string; readonly to: string; readonly days: number } | null;
}

export interface GateInput {
  readonly candidate: ServablePredictor;
  /** The current default's predictor (undefined: none), or why it could not be loaded. */
  readonly baseline: ServablePredictor | undefined;
  readonly baselineVersion: number | undefined;
  readonly baselineLoadError?: string;
  /** Recent daily totals, oldest first, consecutive (the candidate's test data). */
  readonly recent: readonly DailyPoint[] | undefined;
  /** Relative tolerance (0.05: up to 5% worse still passes). */
  readonly tolerance: number;
  /** Days compared at most. */
  readonly windowDays: number;
}

/** Root mean squared error of a model on days `targets` of `series`, each from the days before. */
export function rmseOnDays(
  predictor: ServablePredictor,
  series: readonly DailyPoint[],
  firstTarget: number,
  historyDays: number,
): number {
  const inputs: ServingInput[] = [];
  for (let t = firstTarget; t < series.length; t++) {
    const counts = series.slice(t - historyDays, t).map((p) => p.count);
    inputs.push(predictor.needsDates ? { counts, day: (series[t] as DailyPoint).day } : counts);
  }
  const predicted = predictor.predict(inputs);
  let squares = 0;
  for (let k = 0; k < inputs.length; k++) {
    const error = (predicted[k] as number) - (series[firstTarget + k] as DailyPoint).count;
    squares += error * error;
  }
  return Math.sqrt(squares / inputs.length);
}

const round = (x: number): number => Number(x.toFixed(4));

function notCompared(
  decision: GateDecisionKind,
  reason: string,
  input: Pick<GateInput, 'tolerance' | 'baselineVersion'>,
): GateRecord {
  return {
    decision,
    passed: true,
    reason,
    tolerance: input.tolerance,
    candidate_rmse: null,
    baseline_rmse: null,
    baseline_version: input.baselineVersion === undefined ? null : String(input.baselineVersion),
    window: null,
  };
}

/** The record of a gate that was turned off. */
export function gateOff(tolerance: number): GateRecord {
  return notCompared('gate-off', 'the quality gate is turned off', {
    tolerance,
    baselineVersion: undefined,
  });
}

/** Evaluates both models on the recent window and decides. */
export function runGate(input: GateInput): GateRecord {
  if (input.baselineVersion === undefined) {
    return notCompared('no-baseline', 'the model has no default version yet', input);
  }
  if (!input.baseline) {
    return notCompared(
      'not-comparable',
      `the default version ${input.baselineVersion} could not be loaded: ${input.baselineLoadError ?? 'unknown error'}`,
      input,
    );
  }
  const recent = input.recent;
  if (!recent || recent.length === 0) {
    return notCompared(
      'not-comparable',
      'the model directory records no recent data (test_predictions.json or history.json)',
      input,
    );
  }
  const historyDays = Math.max(input.candidate.historyDays, input.baseline.historyDays);
  const days = Math.min(input.windowDays, recent.length - historyDays);
  if (days < 1) {
    return notCompared(
      'not-comparable',
      `${recent.length} recent days are too few: the models need ${historyDays} days before each compared day`,
      input,
    );
  }
  const firstTarget = recent.length - days;
  const candidateRmse = round(rmseOnDays(input.candidate, recent, firstTarget, historyDays));
  const baselineRmse = round(rmseOnDays(input.baseline, recent, firstTarget, historyDays));
  const limit = baselineRmse * (1 + input.tolerance);
  const passed = candidateRmse <= limit;
  const window = {
    from: (recent[firstTarget] as DailyPoint).day,
    to: (recent[recent.length - 1] as DailyPoint).day,
    days,
  };
  return {
    decision: passed ? 'promote' : 'reject',
    passed,
    reason:
      `RMSE ${candidateRmse.toFixed(2)} (new) vs ${baselineRmse.toFixed(2)} (default version ` +
      `${input.baselineVersion}) on the ${days} days ${window.from}..${window.to}; ` +
      `${passed ? 'within' : 'beyond'} the tolerance of ${(input.tolerance * 100).toFixed(1)}% ` +
      `(limit ${limit.toFixed(2)})`,
    tolerance: input.tolerance,
    candidate_rmse: candidateRmse,
    baseline_rmse: baselineRmse,
    baseline_version: String(input.baselineVersion),
    window,
  };
}

/** The record as JSON (for version metadata and executor output). */
export function gateJson(record: GateRecord): { [key: string]: JsonValue } {
  return { ...record, window: record.window ? { ...record.window } : null };
}
