/**
 * Has the data changed enough since the deployed model was trained to retrain it? The model card
 * keeps a {@link DatasetSummary} of its training data (the data range, the number of days, the
 * mean and standard deviation of the whole series and of its last N days). Compared with the
 * current series it gives:
 *
 * - `newDays`: days after the summary's last day;
 * - `growthRatio`: (days now − days then) / days then, the relative growth of the dataset;
 * - `drift`: the standardised mean difference of the last N days, now against then —
 *   (mean now − mean then) / √((sd now² + sd then²) / 2) — how many (pooled) standard
 *   deviations the recent level moved; positive when reports went up. The pooled deviation is
 *   floored at 1 report so a flat series does not divide by zero.
 *
 * and retraining is advised when there is no previous summary, when the history itself changed
 * (another first day, or a different number of days up to the previous last day), when at least
 * `minNewDays` new days arrived, or when |drift| reached `driftThreshold` (0.5: a "medium" effect).
 */
import type { DailyCount } from './daily-series';
import { QueryUsageError } from './errors';

/** A summary of the data a model was trained on (kept in its model card). */
export interface DatasetSummary {
  /** Format version of this summary. */
  version: 1;
  /** First and last day of the series (`YYYY-MM-DD`). */
  firstDay: string;
  lastDay: string;
  /** Number of days (rows of the dataset). */
  rows: number;
  /** Mean and standard deviation of the daily counts over the whole series. */
  mean: number;
  std: number;
  /** Number of days the recent statistics cover (the last `window` days). */
  window: number;
  /** Mean and standard deviation of the daily counts over the last `window` days. */
  recentMean: number;
  recentStd: number;
  /** SHA-256 of the dataset CSV, when known. */
  sha256?: string;
}

/** Options of {@link summarizeSeries}. */
export interface SummaryOptions {
  /**
   * Days the recent statistics cover.
   * @default 28
   */
  window?: number;
  /** SHA-256 of the dataset CSV, to record. @default none */
  sha256?: string;
}

/** Options of {@link assessGrowthAndDrift}. */
export interface DriftOptions {
  /**
   * Retrain when at least this many new days arrived.
   * @default 7
   */
  minNewDays?: number;
  /**
   * Retrain when |drift| reaches this many pooled standard deviations.
   * @default 0.5
   */
  driftThreshold?: number;
}

/** Growth and drift of the current series against a previous summary. */
export interface GrowthAndDrift {
  /** Days after the previous last day (all days when there is no previous summary). */
  newDays: number;
  /** Relative growth in days: (rows − previous rows) / previous rows; 0 without a summary. */
  growthRatio: number;
  /** Standardised mean difference of the last N days (see the module comment); 0 without one. */
  drift: number;
  /** Relative change of the recent mean: mean now / mean then − 1; 0 without a summary. */
  relativeMeanChange: number;
  /** Whether retraining is advised. */
  shouldRetrain: boolean;
  /** Why (one short reason per condition met, or why not). */
  reasons: string[];
  /** The current series' summary, with the previous summary's window. */
  current: DatasetSummary;
}

function meanAndStd(values: number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

/** Summarises a daily series (oldest first). */
export function summarizeSeries(
  series: readonly DailyCount[],
  options: SummaryOptions = {},
): DatasetSummary {
  const window = Math.max(1, Math.floor(options.window ?? 28));
  const all = meanAndStd(series.map((d) => d.count));
  const recent = meanAndStd(series.slice(-window).map((d) => d.count));
  return {
    version: 1,
    firstDay: series[0]?.day ?? '',
    lastDay: series[series.length - 1]?.day ?? '',
    rows: series.length,
    mean: round(all.mean),
    std: round(all.std),
    window,
    recentMean: round(recent.mean),
    recentStd: round(recent.std),
    ...(options.sha256 ? { sha256: options.sha256 } : {}),
  };
}

/**
 * Compares the current series with the summary of the data the deployed model was trained on.
 */
export function assessGrowthAndDrift(
  series: readonly DailyCount[],
  previous: DatasetSummary | undefined,
  options: DriftOptions = {},
): GrowthAndDrift {
  const minNewDays = options.minNewDays ?? 7;
  const threshold = options.driftThreshold ?? 0.5;
  const current = summarizeSeries(series, { window: previous?.window });
  if (previous === undefined) {
    return {
      newDays: series.length,
      growthRatio: 0,
      drift: 0,
      relativeMeanChange: 0,
      shouldRetrain: true,
      reasons: ['no previous summary (first training)'],
      current,
    };
  }
  const newDays = series.filter((d) => d.day > previous.lastDay).length;
  const growthRatio = previous.rows > 0 ? (series.length - previous.rows) / previous.rows : 0;
  const pooled = Math.max(1, Math.sqrt((current.recentStd ** 2 + previous.recentStd ** 2) / 2));
  const drift = (current.recentMean - previous.recentMean) / pooled;
  const relativeMeanChange =
    previous.recentMean > 0 ? current.recentMean / previous.recentMean - 1 : 0;

  const reasons: string[] = [];
  const historyChanged =
    current.firstDay !== previous.firstDay || series.length - newDays !== previous.rows;
  if (historyChanged) {
    reasons.push(
      `the history changed (${previous.firstDay}..${previous.lastDay}, ${previous.rows} days then; ` +
        `${current.firstDay}..${current.lastDay}, ${current.rows} days now)`,
    );
  }
  if (newDays >= minNewDays) reasons.push(`${newDays} new days (at least ${minNewDays})`);
  if (Math.abs(drift) >= threshold) {
    reasons.push(`drift ${drift.toFixed(2)} (|drift| at least ${threshold})`);
  }
  const shouldRetrain = reasons.length > 0;
  if (!shouldRetrain) {
    reasons.push(
      `${newDays} new day(s) (under ${minNewDays}) and drift ${drift.toFixed(2)} (under ${threshold})`,
    );
  }
  return {
    newDays,
    growthRatio: round(growthRatio, 6),
    drift: round(drift),
    relativeMeanChange: round(relativeMeanChange, 6),
    shouldRetrain,
    reasons,
    current,
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks a parsed JSON value is a {@link DatasetSummary}.
 * @throws QueryUsageError naming the field that is missing or wrong
 */
export function parseDatasetSummary(value: unknown): DatasetSummary {
  const fail = (why: string): never => {
    throw new QueryUsageError(`the previous summary ${why}.`, 'previous-summary');
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('is not a JSON object');
  }
  const v = value as Record<string, unknown>;
  for (const key of ['firstDay', 'lastDay'] as const) {
    const day = v[key];
    if (typeof day !== 'string' || !DAY.test(day)) fail(`needs ${key} as YYYY-MM-DD`);
  }
  for (const key of ['rows', 'mean', 'std', 'window', 'recentMean', 'recentStd'] as const) {
    const x = v[key];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
      fail(`needs ${key} as a non-negative number`);
    }
  }
  if (v.version !== undefined && v.version !== 1) fail(`has version ${String(v.version)}, not 1`);
  return {
    version: 1,
    firstDay: v.firstDay as string,
    lastDay: v.lastDay as string,
    rows: v.rows as number,
    mean: v.mean as number,
    std: v.std as number,
    window: Math.max(1, Math.floor(v.window as number)),
    recentMean: v.recentMean as number,
    recentStd: v.recentStd as number,
    ...(typeof v.sha256 === 'string' ? { sha256: v.sha256 } : {}),
  };
}
