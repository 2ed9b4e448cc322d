/**
 * A handle on one run: its id and UI link, the state last seen, and what can be done with it —
 * refresh, wait for the end, terminate, retry, read a task's log.
 */
import {
  ClientOptionsError,
  ConnectionError,
  KfpApiError,
  RunFailedError,
  RunTimeoutError,
} from './errors';
import { isFinalState, isSucceeded } from './run-helpers';
import type { RunsClient, TaskLogOptions } from './runs';
import { anySignal, sleep } from './signals';
import type { RequestOptions } from './connection';
import type { RuntimeState, V2beta1Run } from './types';

/** Options of {@link RunHandle.wait}. */
export interface WaitOptions {
  /** Give up with a {@link RunTimeoutError} after this long (the run goes on). @default no limit */
  timeoutMs?: number;
  /** Time between two looks at the run. @default 1000 */
  pollIntervalMs?: number;
  /** Stops waiting (rejecting with the signal's reason); the run goes on. @default none */
  signal?: AbortSignal;
  /** Reject with a {@link RunFailedError} when the run ends FAILED or CANCELED. @default false */
  throwOnFailure?: boolean;
  /** Called with the run each time its state changes (and on the first look). @default none */
  onUpdate?: (run: V2beta1Run) => void;
  /**
   * How many failed looks in a row (no connection, HTTP 502/503/504) are tolerated before the
   * error is thrown. @default 3
   */
  pollErrorRetries?: number;
}

interface SettledWait {
  timeoutMs: number | undefined;
  pollIntervalMs: number;
  signal: AbortSignal | undefined;
  throwOnFailure: boolean;
  onUpdate: ((run: V2beta1Run) => void) | undefined;
  pollErrorRetries: number;
}

function settleWait(options: WaitOptions): SettledWait {
  const { timeoutMs, pollIntervalMs = 1000, pollErrorRetries = 3 } = options;
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    throw new ClientOptionsError(
      'wait.timeoutMs',
      `timeoutMs must be a number ≥ 0; got ${String(timeoutMs)}.`,
    );
  }
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 0) {
    throw new ClientOptionsError(
      'wait.pollIntervalMs',
      `pollIntervalMs must be a number ≥ 0; got ${String(pollIntervalMs)}.`,
    );
  }
  if (!Number.isInteger(pollErrorRetries) || pollErrorRetries < 0) {
    throw new ClientOptionsError(
      'wait.pollErrorRetries',
      `pollErrorRetries must be an integer ≥ 0; got ${String(pollErrorRetries)}.`,
    );
  }
  return {
    timeoutMs,
    pollIntervalMs,
    signal: options.signal,
    throwOnFailure: options.throwOnFailure ?? false,
    onUpdate: options.onUpdate,
    pollErrorRetries,
  };
}

function transient(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  return error instanceof KfpApiError && [502, 503, 504].includes(error.status);
}

/** A run, by id. Made by `client.runs.create()` and `client.runs.handle()`. */
export class RunHandle {
  /** The run's id. */
  readonly id: string;
  /** The run's page in the UI: `<endpoint or uiUrl>/#/runs/details/<id>`. */
  readonly link: string;
  private last: V2beta1Run | undefined;

  constructor(
    private readonly runs: RunsClient,
    id: string,
    link: string,
    run?: V2beta1Run,
  ) {
    this.id = id;
    this.link = link;
    this.last = run;
  }

  /** The run as last fetched (by create, `get()` or `wait()`), if it has been. */
  get run(): V2beta1Run | undefined {
    return this.last;
  }

  /** The state last seen; call `get()` to refresh it. */
  get state(): RuntimeState | undefined {
    return this.last?.state;
  }

  /** Fetches the run (and remembers it). */
  async get(options: RequestOptions = {}): Promise<V2beta1Run> {
    this.last = await this.runs.get(this.id, options);
    return this.last;
  }

  /**
   * Waits until the run reaches a final state (SUCCEEDED, FAILED, CANCELED, SKIPPED) and resolves
   * with it, looking every `pollIntervalMs`.
   *
   * @throws {@link RunTimeoutError} after `timeoutMs`; {@link RunFailedError} when the run failed
   *   and `throwOnFailure` is set; the signal's reason when it aborts.
   */
  async wait(options: WaitOptions = {}): Promise<V2beta1Run> {
    const o = settleWait(options);
    const deadline = o.timeoutMs === undefined ? undefined : AbortSignal.timeout(o.timeoutMs);
    const signal = anySignal([o.signal, deadline]);
    const stopped = (error: unknown): unknown => {
      if (o.signal?.aborted) return o.signal.reason;
      if (deadline?.aborted) return new RunTimeoutError(this.id, o.timeoutMs ?? 0, this.last);
      return error;
    };
    let seen: RuntimeState | undefined | null = null;
    let failures = 0;
    for (;;) {
      let run: V2beta1Run;
      try {
        run = await this.get(signal !== undefined ? { signal } : {});
        failures = 0;
      } catch (error) {
        if (signal?.aborted) throw stopped(error);
        failures += 1;
        if (!transient(error) || failures > o.pollErrorRetries) throw error;
        await sleep(o.pollIntervalMs, signal).catch((e: unknown) => Promise.reject(stopped(e)));
        continue;
      }
      if (run.state !== seen) {
        seen = run.state;
        o.onUpdate?.(run);
      }
      if (isFinalState(run.state)) {
        if (o.throwOnFailure && !isSucceeded(run)) throw new RunFailedError(run);
        return run;
      }
      if (signal?.aborted) throw stopped(undefined);
      await sleep(o.pollIntervalMs, signal).catch((e: unknown) => Promise.reject(stopped(e)));
    }
  }

  /** Asks the server to stop the run. */
  terminate(options: RequestOptions = {}): Promise<void> {
    return this.runs.terminate(this.id, options);
  }

  /** Re-runs the failed or canceled run's unfinished tasks. */
  retry(options: RequestOptions = {}): Promise<void> {
    return this.runs.retry(this.id, options);
  }

  /** A task's log (Pipelab engine only; see `client.runs.logs`). */
  logs(taskId: string, options?: TaskLogOptions & { follow?: false }): Promise<string>;
  logs(taskId: string, options: TaskLogOptions & { follow: true }): AsyncGenerator<string>;
  logs(
    taskId: string,
    options: TaskLogOptions & { follow?: boolean } = {},
  ): Promise<string> | AsyncGenerator<string> {
    return options.follow === true
      ? this.runs.logs(this.id, taskId, { ...options, follow: true })
      : this.runs.logs(this.id, taskId, { ...options, follow: false });
  }
}
