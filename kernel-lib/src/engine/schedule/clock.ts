/**
 * Time, for the scheduler: the real clock, and a fake one for tests in which days of schedule
 * pass in milliseconds. The rest of this library is pure and takes times as arguments; only the
 * scheduler loop that drives it needs a clock.
 */

/** A timer that can be cancelled (cancelling a fired or cancelled timer does nothing). */
export interface TimerHandle {
  cancel(): void;
}

/** What the scheduler needs of time. */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Calls `fn` once at (or soon after) `at`; a time in the past fires as soon as possible. */
  setTimer(at: Date, fn: () => void): TimerHandle;
  /** Resolves after `ms`; rejects with the signal's reason if it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Node's timers take at most 2^31 - 1 ms (about 24.8 days); longer waits are re-armed. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** How long a real timer waits at most before it looks at the wall clock again. */
const DEFAULT_MAX_STEP_MS = 60_000;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Options of {@link SystemClock}. */
export interface SystemClockOptions {
  /**
   * Let the process exit while timers are pending (`timeout.unref()`).
   * @default false
   */
  readonly unref?: boolean;
  /**
   * The longest a timer waits before it compares its time with the wall clock again. Node's
   * timers count the machine's awake time, so a laptop that sleeps through a due time would
   * otherwise fire it that much later; with steps, it fires within one step of waking up.
   * @default 60000
   */
  readonly maxStepMs?: number;
}

/**
 * The real clock. A timer waits in steps of at most a minute, comparing its time with the wall
 * clock at each step: a clock set back does not fire it early, and a laptop that slept through
 * its time fires it within a minute of waking up rather than hours later.
 */
export class SystemClock implements Clock {
  readonly #unref: boolean;
  readonly #maxStepMs: number;

  constructor(options: SystemClockOptions = {}) {
    this.#unref = options.unref ?? false;
    const step = options.maxStepMs ?? DEFAULT_MAX_STEP_MS;
    this.#maxStepMs =
      Number.isFinite(step) && step > 0 ? Math.min(step, MAX_TIMEOUT_MS) : MAX_TIMEOUT_MS;
  }

  now(): Date {
    return new Date();
  }

  setTimer(at: Date, fn: () => void): TimerHandle {
    let timeout: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = () => {
      const wait = at.getTime() - Date.now();
      if (wait <= 0) {
        timeout = setTimeout(() => {
          if (!cancelled) fn();
        }, 0);
      } else {
        timeout = setTimeout(arm, Math.min(wait, this.#maxStepMs));
      }
      if (this.#unref) timeout.unref();
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        if (timeout !== undefined) clearTimeout(timeout);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/** The shared real clock. */
export const systemClock: Clock = new SystemClock();

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(abortReason(signal as AbortSignal));
    };
    const timer = clock.setTimer(new Date(clock.now().getTime() + Math.max(0, ms)), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` moves it forward, firing every timer that
 * falls due on the way, in time order (timers due at the same time in the order they were set),
 * with `now()` equal to each timer's time while it runs; timers set by a firing timer fire too
 * if they fall within the advance.
 *
 * With async code between timers (a scheduler awaiting its store), use `advanceAsync`, which lets
 * pending promises settle before each timer and at the end.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  /** @param start - the initial time. @default the Unix epoch */
  constructor(start: Date | number = 0) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  setTimer(at: Date, fn: () => void): TimerHandle {
    const timer: FakeTimer = { at: at.getTime(), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return {
      cancel: () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** When the earliest waiting timer is due, if any. */
  nextTimerAt(): Date | undefined {
    const next = this.#earliest();
    return next === undefined ? undefined : new Date(next.at);
  }

  /** Moves the clock forward by `ms`, firing due timers in order. Returns how many fired. */
  advance(ms: number): number {
    return this.advanceTo(new Date(this.#now + ms));
  }

  /** Moves the clock to `at` (never backwards), firing due timers in order. */
  advanceTo(at: Date): number {
    const target = Math.max(this.#now, at.getTime());
    let fired = 0;
    for (let timer = this.#due(target); timer !== undefined; timer = this.#due(target)) {
      this.#fire(timer);
      fired++;
    }
    this.#now = target;
    return fired;
  }

  /** Like {@link advance}, letting promises settle before each timer and at the end. */
  async advanceAsync(ms: number): Promise<number> {
    const target = this.#now + Math.max(0, ms);
    let fired = 0;
    await settle();
    for (let timer = this.#due(target); timer !== undefined; timer = this.#due(target)) {
      this.#fire(timer);
      fired++;
      await settle();
    }
    this.#now = target;
    await settle();
    return fired;
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }

  #due(target: number): FakeTimer | undefined {
    const next = this.#earliest();
    return next !== undefined && next.at <= target ? next : undefined;
  }

  #fire(timer: FakeTimer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#now = Math.max(this.#now, timer.at);
    timer.fn();
  }
}

/**
 * Lets queued promise callbacks (and the ones they queue) run. Node's `setImmediate`; a browser,
 * which has none (the library is also `pipelab/schedule` there), waits for a timer instead.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
