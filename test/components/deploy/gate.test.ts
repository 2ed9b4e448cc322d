/**
 * The quality gate: both models scored on the same recent days, the candidate promoted when its
 * RMSE is within the tolerance of the default's; the figures recorded; promoted with a reason
 * when no comparison is possible.
 */
import { describe, expect, it } from 'vitest';
import { gateOff, rmseOnDays, runGate } from '../../../kernel-lib/src/components/deploy/gate';
import type { DailyPoint, ServablePredictor, ServingInput } from '../../../kernel-lib/src/serving';

/** Predicts yesterday's count plus a bias (needs `historyDays`, checks dates when asked). */
function model(
  bias: number,
  historyDays = 2,
  needsDates = false,
): ServablePredictor & { seen: ServingInput[] } {
  const seen: ServingInput[] = [];
  return {
    historyDays,
    needsDates,
    seen,
    predict(inputs) {
      seen.push(...inputs);
      return inputs.map((input) => {
        const counts = Array.isArray(input) ? input : (input as { counts: number[] }).counts;
        if (counts.length < historyDays) throw new Error('short window');
        return (counts[counts.length - 1] as number) + bias;
      });
    },
    forecast: () => [],
  };
}

const recent: DailyPoint[] = Array.from({ length: 30 }, (_, i) => ({
  day: `2022-01-${String(i + 1).padStart(2, '0')}`,
  count: 100 + (i % 2) * 10,
}));

describe('rmseOnDays', () => {
  it("scores each day from the days before it (yesterday's value: RMSE 10)", () => {
    expect(rmseOnDays(model(0), recent, 5, 2)).toBe(10);
    expect(rmseOnDays(model(10), recent.slice(0, 4), 2, 2)).toBeCloseTo(Math.sqrt((0 + 400) / 2));
  });

  it('passes the predicted day to models with calendar features', () => {
    const dated = model(0, 2, true);
    rmseOnDays(dated, recent, 28, 3);
    expect(dated.seen).toEqual([
      { counts: [110, 100, 110], day: '2022-01-29' },
      { counts: [100, 110, 100], day: '2022-01-30' },
    ]);
  });
});

describe('runGate', () => {
  const base = { tolerance: 0.05, windowDays: 20, recent };

  it('promotes a candidate that is not worse, and records both figures and the window', () => {
    const record = runGate({
      ...base,
      candidate: model(0),
      baseline: model(5),
      baselineVersion: 3,
    });
    expect(record).toMatchObject({
      decision: 'promote',
      passed: true,
      tolerance: 0.05,
      candidate_rmse: 10,
      baseline_rmse: 11.1803,
      baseline_version: '3',
      window: { from: '2022-01-11', to: '2022-01-30', days: 20 },
    });
    expect(record.reason).toMatch(
      /RMSE 10.00 \(new\) vs 11.18 \(default version 3\) on the 20 days 2022-01-11..2022-01-30; within the tolerance of 5.0%/,
    );
  });

  it('rejects a candidate worse beyond the tolerance, and accepts one within it', () => {
    // Candidate bias 5: RMSE √(5² + 15²)/… = 11.18 vs the baseline's 10.
    const worse = runGate({ ...base, candidate: model(5), baseline: model(0), baselineVersion: 1 });
    expect(worse).toMatchObject({
      decision: 'reject',
      passed: false,
      candidate_rmse: 11.1803,
      baseline_rmse: 10,
    });
    expect(worse.reason).toMatch(/beyond the tolerance of 5.0% \(limit 10.50\)/);
    const tolerant = runGate({
      ...base,
      tolerance: 0.15,
      candidate: model(5),
      baseline: model(0),
      baselineVersion: 1,
    });
    expect(tolerant).toMatchObject({ decision: 'promote', passed: true });
    // Equal figures pass with no tolerance.
    expect(
      runGate({
        ...base,
        tolerance: 0,
        candidate: model(0),
        baseline: model(0),
        baselineVersion: 1,
      }).passed,
    ).toBe(true);
  });

  it('scores both models on the same days, from the longer history either needs', () => {
    const candidate = model(0, 2);
    const baseline = model(0, 6);
    const record = runGate({ ...base, windowDays: 100, candidate, baseline, baselineVersion: 1 });
    expect(record.window).toEqual({ from: '2022-01-07', to: '2022-01-30', days: 24 });
    expect(candidate.seen).toEqual(baseline.seen);
  });

  it('promotes with the reason recorded when it cannot compare', () => {
    expect(
      runGate({ ...base, candidate: model(0), baseline: undefined, baselineVersion: undefined }),
    ).toMatchObject({
      decision: 'no-baseline',
      passed: true,
      candidate_rmse: null,
      baseline_rmse: null,
      baseline_version: null,
      window: null,
    });
    expect(
      runGate({
        ...base,
        candidate: model(0),
        baseline: undefined,
        baselineVersion: 2,
        baselineLoadError: 'model.json missing',
      }),
    ).toMatchObject({
      decision: 'not-comparable',
      passed: true,
      baseline_version: '2',
      reason: expect.stringMatching(/model.json missing/),
    });
    expect(
      runGate({
        ...base,
        recent: recent.slice(0, 2),
        candidate: model(0),
        baseline: model(0),
        baselineVersion: 2,
      }),
    ).toMatchObject({
      decision: 'not-comparable',
      reason: expect.stringMatching(/2 recent days are too few/),
    });
    expect(
      runGate({
        ...base,
        recent: undefined,
        candidate: model(0),
        baseline: model(0),
        baselineVersion: 2,
      }),
    ).toMatchObject({
      decision: 'not-comparable',
      reason: expect.stringMatching(/records no recent data/),
    });
    expect(gateOff(0.1)).toMatchObject({ decision: 'gate-off', passed: true, tolerance: 0.1 });
  });
});
