/**
 * KFP's task retry policy: `maxRetryCount` attempts after the first, waiting
 * `backoffDuration * backoffFactor^n` before retry n+1, capped by `backoffMaxDuration`.
 */
import type { RetryPolicyIR } from '../../compiler/spec';

/** A retry policy with its defaults applied, durations in milliseconds. */
export interface RetryPlan {
  maxRetryCount: number;
  backoffMs: number;
  factor: number;
  maxBackoffMs: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration as protobuf's JSON mapping writes it (`"10s"`, `"0.5s"`), also accepting
 * `ms`, `m` and `h` units and a plain number of seconds.
 * @returns milliseconds, or `undefined` when the text is not a duration
 */
export function parseDuration(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  if (typeof text !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
}

/**
 * The plan for a task's retry policy, with KFP's defaults: no retries, no wait, factor 2, and
 * a one-hour cap.
 */
export function retryPlan(policy: RetryPolicyIR | undefined): RetryPlan {
  const count = Number(policy?.maxRetryCount ?? 0);
  const factor = Number(policy?.backoffFactor ?? 0);
  return {
    maxRetryCount: Number.isFinite(count) && count > 0 ? Math.floor(count) : 0,
    backoffMs: parseDuration(policy?.backoffDuration) ?? 0,
    factor: Number.isFinite(factor) && factor > 0 ? factor : 2,
    maxBackoffMs: parseDuration(policy?.backoffMaxDuration) ?? 3_600_000,
  };
}

/**
 * How long to wait before retry number `retry` (1 for the first retry).
 */
export function retryDelayMs(plan: RetryPlan, retry: number): number {
  const delay = plan.backoffMs * Math.pow(plan.factor, Math.max(0, retry - 1));
  return Math.min(delay, plan.maxBackoffMs);
}

/** Waits `ms`, ending early (without error) when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
