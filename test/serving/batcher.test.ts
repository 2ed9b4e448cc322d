/**
 * Micro-batching: requests queued in one event-loop turn share one model call; each gets its own
 * slice; a failing request fails alone.
 */
import { describe, expect, it } from 'vitest';
import { MicroBatcher, type ServingInput } from '../../kernel-lib/src/serving';

type Result = { error?: unknown; values?: number[] };

function submit(batcher: MicroBatcher, inputs: number[][]): Promise<Result> {
  return new Promise((resolve) => {
    batcher.submit(inputs, (error, outputs, offset) => {
      if (error !== undefined || !outputs) return resolve({ error });
      resolve({
        values: Array.from({ length: inputs.length }, (_, i) => outputs[offset + i] as number),
      });
    });
  });
}

const lastValue = (inputs: readonly ServingInput[]): number[] =>
  inputs.map((input) => (input as number[])[(input as number[]).length - 1] as number);

describe('MicroBatcher', () => {
  it('runs the requests of one turn in one call and answers each with its slice', async () => {
    const calls: number[] = [];
    const batcher = new MicroBatcher((inputs) => {
      calls.push(inputs.length);
      return lastValue(inputs).map((v) => v * 10);
    });
    const results = await Promise.all([
      submit(batcher, [[1]]),
      submit(batcher, [[2], [3]]),
      submit(batcher, [[4]]),
    ]);
    expect(calls).toEqual([4]);
    expect(results.map((r) => r.values)).toEqual([[10], [20, 30], [40]]);
    expect(batcher.calls).toBe(1);
    expect(batcher.instances).toBe(4);
  });

  it('cuts batches at maxBatchSize, and runs an oversized request alone', async () => {
    const calls: number[] = [];
    const batcher = new MicroBatcher(
      (inputs) => {
        calls.push(inputs.length);
        return lastValue(inputs);
      },
      { maxBatchSize: 3 },
    );
    const results = await Promise.all([
      submit(batcher, [[1]]),
      submit(batcher, [[2]]),
      submit(batcher, [[3]]),
      submit(batcher, [[4]]),
      submit(batcher, [[5], [6], [7], [8]]),
      submit(batcher, [[9]]),
    ]);
    expect(calls).toEqual([3, 1, 4, 1]);
    expect(results.map((r) => r.values)).toEqual([[1], [2], [3], [4], [5, 6, 7, 8], [9]]);
  });

  it('fails only the request that makes the model throw', async () => {
    const batcher = new MicroBatcher((inputs) => {
      if (lastValue(inputs).includes(-1)) throw new Error('bad window');
      return lastValue(inputs);
    });
    const results = await Promise.all([
      submit(batcher, [[1]]),
      submit(batcher, [[-1]]),
      submit(batcher, [[3]]),
    ]);
    expect(results[0]?.values).toEqual([1]);
    expect(String(results[1]?.error)).toMatch(/bad window/);
    expect(results[2]?.values).toEqual([3]);
  });

  it('calls the model once per request when batching is off', async () => {
    const calls: number[] = [];
    const batcher = new MicroBatcher((inputs) => {
      calls.push(inputs.length);
      return lastValue(inputs);
    }, false);
    await Promise.all([submit(batcher, [[1]]), submit(batcher, [[2], [3]])]);
    expect(calls).toEqual([1, 2]);
    expect(batcher.enabled).toBe(false);
  });

  it('waits up to maxDelayMs for more requests', async () => {
    const calls: number[] = [];
    const batcher = new MicroBatcher(
      (inputs) => {
        calls.push(inputs.length);
        return lastValue(inputs);
      },
      { maxDelayMs: 30 },
    );
    const first = submit(batcher, [[1]]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = submit(batcher, [[2]]);
    expect(batcher.pending).toBe(2);
    await Promise.all([first, second]);
    expect(calls).toEqual([2]);
  });

  it('runs what is queued on close', async () => {
    const batcher = new MicroBatcher((inputs) => lastValue(inputs), { maxDelayMs: 1000 });
    const pending = submit(batcher, [[5]]);
    batcher.close();
    expect((await pending).values).toEqual([5]);
  });
});
