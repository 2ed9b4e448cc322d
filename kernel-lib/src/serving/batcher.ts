/**
 * Micro-batching: the instances of concurrent requests to one model version go to the model in
 * one call, and each request gets its slice of the outputs back.
 *
 * A batch is cut when it reaches `maxBatchSize` instances, or when the server has read every
 * request that had arrived (`maxDelayMs` 0: the batch runs in the event loop's check phase, after
 * the poll phase handed over all readable sockets — no added wait when there is one client,
 * large batches when there are many), or after `maxDelayMs` milliseconds. While a batch runs the
 * next one collects, so batch size follows the load.
 *
 * Queues are two pairs of arrays swapped on every flush, so a request costs no allocation here.
 * When a batch throws, each of its requests is run alone so that one bad request fails only
 * itself.
 */
import type { ServingInput } from './predictor';

/**
 * Most instances in one model call by default. Small batches already amortise a model call's
 * fixed cost, and cutting them there lets the server answer and read sockets between batches, which
 * keeps the latency tail short under many clients (measured in test/bench/serving.bench.ts).
 */
export const DEFAULT_MAX_BATCH_SIZE = 32;

/** How concurrent requests are batched. */
export interface BatchingOptions {
  /**
   * Most instances in one model call (one request larger than this runs alone).
   * @default 32
   */
  readonly maxBatchSize?: number;
  /**
   * How long the first request of a batch may wait for others, in milliseconds. 0 waits only for
   * the requests already received.
   * @default 0
   */
  readonly maxDelayMs?: number;
}

/**
 * Receives a request's outputs: `outputs[offset .. offset + n)` for its n instances (the array is
 * shared by the batch and valid only during the call), or the error.
 */
export type BatchCallback = (
  error: unknown,
  outputs: ArrayLike<number> | undefined,
  offset: number,
) => void;

/** Runs the model on inputs, returning one output per input. */
export type BatchRunner = (inputs: readonly ServingInput[]) => ArrayLike<number>;

/** Batches requests to one model version. */
export class MicroBatcher {
  private inputs: ServingInput[] = [];
  private callbacks: BatchCallback[] = [];
  private sizes: number[] = [];
  private spareInputs: ServingInput[] = [];
  private spareCallbacks: BatchCallback[] = [];
  private spareSizes: number[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly maxBatchSize: number;
  private readonly maxDelayMs: number;
  private readonly flushBound = (): void => {
    this.scheduled = false;
    this.timer = undefined;
    this.flush();
  };
  /** Model calls made and instances predicted (for the server's statistics). */
  calls = 0;
  instances = 0;

  /**
   * @param run the model call
   * @param options batching options, or `false` to run every request on its own at once
   */
  constructor(
    private readonly run: BatchRunner,
    options: BatchingOptions | false = {},
  ) {
    this.enabled = options !== false;
    this.maxBatchSize =
      options === false ? 1 : Math.max(1, options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
    this.maxDelayMs = options === false ? 0 : Math.max(0, options.maxDelayMs ?? 0);
  }

  /** Whether requests are batched. */
  readonly enabled: boolean;

  /** Instances waiting for the next batch. */
  get pending(): number {
    return this.inputs.length;
  }

  /** Queues a request's instances; `done` is called once with its outputs or an error. */
  submit(inputs: readonly ServingInput[], done: BatchCallback): void {
    if (!this.enabled) {
      this.runAlone(inputs, done);
      return;
    }
    if (this.inputs.length > 0 && this.inputs.length + inputs.length > this.maxBatchSize) {
      this.cancelTimer();
      this.flush();
    }
    for (let i = 0; i < inputs.length; i++) this.inputs.push(inputs[i] as ServingInput);
    this.callbacks.push(done);
    this.sizes.push(inputs.length);
    if (this.inputs.length >= this.maxBatchSize) {
      this.cancelTimer();
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      this.timer =
        this.maxDelayMs > 0
          ? setTimeout(this.flushBound, this.maxDelayMs)
          : setImmediate(this.flushBound);
    }
  }

  private cancelTimer(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    const timer = this.timer;
    this.timer = undefined;
    if (timer === undefined) return;
    if (this.maxDelayMs > 0) clearTimeout(timer as NodeJS.Timeout);
    else clearImmediate(timer as NodeJS.Immediate);
  }

  /** Runs the queued requests now. */
  flush(): void {
    if (this.inputs.length === 0) return;
    const inputs = this.inputs;
    const callbacks = this.callbacks;
    const sizes = this.sizes;
    this.inputs = this.spareInputs;
    this.callbacks = this.spareCallbacks;
    this.sizes = this.spareSizes;
    try {
      let outputs: ArrayLike<number> | undefined;
      let failure: unknown;
      try {
        outputs = this.run(inputs);
        this.calls++;
        this.instances += inputs.length;
      } catch (error) {
        failure = error;
      }
      if (outputs !== undefined) {
        let offset = 0;
        for (let i = 0; i < callbacks.length; i++) {
          safeCall(callbacks[i] as BatchCallback, undefined, outputs, offset);
          offset += sizes[i] as number;
        }
      } else if (callbacks.length === 1) {
        safeCall(callbacks[0] as BatchCallback, failure, undefined, 0);
      } else {
        let offset = 0;
        for (let i = 0; i < callbacks.length; i++) {
          const size = sizes[i] as number;
          this.runAlone(inputs.slice(offset, offset + size), callbacks[i] as BatchCallback);
          offset += size;
        }
      }
    } finally {
      inputs.length = 0;
      callbacks.length = 0;
      sizes.length = 0;
      this.spareInputs = inputs;
      this.spareCallbacks = callbacks;
      this.spareSizes = sizes;
    }
  }

  private runAlone(inputs: readonly ServingInput[], done: BatchCallback): void {
    let outputs: ArrayLike<number>;
    try {
      outputs = this.run(inputs);
      this.calls++;
      this.instances += inputs.length;
    } catch (error) {
      safeCall(done, error, undefined, 0);
      return;
    }
    safeCall(done, undefined, outputs, 0);
  }

  /** Runs what is queued and stops the timer. */
  close(): void {
    this.cancelTimer();
    this.flush();
  }
}

function safeCall(
  done: BatchCallback,
  error: unknown,
  outputs: ArrayLike<number> | undefined,
  offset: number,
): void {
  try {
    done(error, outputs, offset);
  } catch {
    // A callback's failure (a closed socket) must not fail the batch's other requests.
  }
}
