/**
 * Waiting for runs and reading task logs, against the recording server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  EngineOnlyError,
  KfpApiError,
  RunFailedError,
  RunTimeoutError,
  failedTasks,
  findTask,
  isFinalState,
  type RuntimeState,
} from '../../kernel-lib/src/client';
import { engineError, runResource, task } from './support/fixtures';
import { RecordingServer } from './support/recording-server';
import { swaggerIfShared } from './support/swagger';

let server: RecordingServer;
let client: Client;

beforeEach(async () => {
  server = await RecordingServer.start({ swagger: swaggerIfShared() });
  client = new Client({ endpoint: server.url, env: {} });
});

afterEach(async () => {
  const violations = [...server.violations];
  await server.close();
  expect(violations).toEqual([]);
});

function states(...sequence: RuntimeState[]): void {
  let i = 0;
  server.on('GET', '/apis/v2beta1/runs/{run_id}', (_req, { run_id }) => {
    const state = sequence[Math.min(i++, sequence.length - 1)] ?? 'RUNNING';
    const failed = state === 'FAILED';
    return {
      json: runResource(run_id ?? '', state, {
        ...(failed ? { error: { code: 2, message: 'task train failed' } } : {}),
        run_details: {
          task_details: [
            task('load', 'SUCCEEDED'),
            task(
              'train',
              failed ? 'FAILED' : state,
              failed ? { error: { message: 'exit code 3' } } : {},
            ),
          ],
        },
      }),
    };
  });
}

describe('RunHandle.wait', () => {
  it('resolves with the final run, whatever its state, and refreshes the handle', async () => {
    states('PENDING', 'RUNNING', 'FAILED');
    const handle = client.runs.handle('r1');
    expect(handle.state).toBeUndefined();
    const run = await handle.wait({ pollIntervalMs: 1 });
    expect(run.state).toBe('FAILED');
    expect(handle.state).toBe('FAILED');
    expect(handle.run).toBe(run);
    expect(isFinalState(run.state)).toBe(true);
    expect(failedTasks(run).map((t) => t.display_name)).toEqual(['train']);
    expect(findTask(run, 'task-load')?.display_name).toBe('load');
  });

  it('throws a RunFailedError naming the failed tasks when asked to', async () => {
    states('RUNNING', 'FAILED');
    const error = (await client.runs
      .wait('r2', { pollIntervalMs: 1, throwOnFailure: true })
      .catch((e: unknown) => e)) as RunFailedError;
    expect(error).toBeInstanceOf(RunFailedError);
    expect(error.runId).toBe('r2');
    expect(error.state).toBe('FAILED');
    expect(error.message).toBe(
      'run r2 (run r2) ended FAILED — task train failed; train: exit code 3',
    );
    expect(error.run.run_details?.task_details).toHaveLength(2);
  });

  it('throws a RunTimeoutError with the last state after timeoutMs', async () => {
    states('RUNNING');
    const started = Date.now();
    const error = (await client.runs
      .wait('r3', { pollIntervalMs: 10, timeoutMs: 80 })
      .catch((e: unknown) => e)) as RunTimeoutError;
    expect(error).toBeInstanceOf(RunTimeoutError);
    expect(error.runId).toBe('r3');
    expect(error.timeoutMs).toBe(80);
    expect(error.lastState).toBe('RUNNING');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.requests.length).toBeGreaterThan(1);
  });

  it('stops when its signal aborts, with the signal reason', async () => {
    states('RUNNING');
    const controller = new AbortController();
    const reason = new Error('enough');
    setTimeout(() => controller.abort(reason), 30);
    await expect(
      client.runs.wait('r4', { pollIntervalMs: 5, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('rides out a few unavailable answers, but not too many', async () => {
    let calls = 0;
    server.on('GET', '/apis/v2beta1/runs/{run_id}', () =>
      ++calls <= 2
        ? { status: 503, json: { code: 14, message: 'unavailable' } }
        : { json: runResource('r5', 'SUCCEEDED') },
    );
    expect((await client.runs.wait('r5', { pollIntervalMs: 1 })).state).toBe('SUCCEEDED');
    calls = 0;
    await expect(
      client.runs.wait('r5', { pollIntervalMs: 1, pollErrorRetries: 1 }),
    ).rejects.toBeInstanceOf(KfpApiError);
    server.on('GET', '/apis/v2beta1/runs/{run_id}', {
      status: 404,
      json: { code: 5, message: 'gone' },
    });
    await expect(client.runs.wait('r5', { pollIntervalMs: 1 })).rejects.toThrow(/gone/);
  });

  it('validates its options', async () => {
    await expect(client.runs.wait('r', { timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
    await expect(client.runs.wait('r', { pollIntervalMs: Number.NaN })).rejects.toThrow(
      /pollIntervalMs/,
    );
    expect(() => client.runs.handle('')).toThrow(/runId/);
  });
});

describe('task logs (engine addition)', () => {
  const LOGS = '/apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs';

  it('reads a task log as text, with the attempt', async () => {
    server.on('GET', LOGS, { text: 'line 1\nline 2\n' });
    expect(await client.runs.logs('r1', 'task-train', { attempt: 2 })).toBe('line 1\nline 2\n');
    const [request] = server.requests;
    expect(request?.path).toBe('/apis/v2beta1/runs/r1/tasks/task-train/logs');
    expect(request?.query).toEqual({ attempt: ['2'] });
    expect(request?.headers.accept).toBe('text/plain');
    expect(await client.runs.handle('r1').logs('task-train')).toBe('line 1\nline 2\n');
  });

  it('follows a log as it is written', async () => {
    server.on('GET', LOGS, { chunks: ['start\n', 'épo', 'ch 1\n', 'done\n'], chunkDelayMs: 15 });
    const chunks: string[] = [];
    for await (const chunk of client.runs.logs('r1', 'train', { follow: true })) chunks.push(chunk);
    expect(chunks.join('')).toBe('start\népoch 1\ndone\n');
    expect(chunks.length).toBeGreaterThan(1);
    expect(server.requests[0]?.query).toEqual({ follow: ['true'] });
  });

  it('stops following when the consumer stops', async () => {
    server.on('GET', LOGS, {
      chunks: Array.from({ length: 50 }, (_, i) => `${i}\n`),
      chunkDelayMs: 20,
    });
    const started = Date.now();
    for await (const chunk of client.runs.logs('r1', 'train', { follow: true })) {
      expect(chunk).toBe('0\n');
      break;
    }
    expect(Date.now() - started).toBeLessThan(800);
  });

  it('explains that KFP has no log endpoint', async () => {
    // No route: the server answers as grpc-gateway does for an unknown path.
    const error = (await client.runs
      .logs('r1', 'train')
      .catch((e: unknown) => e)) as EngineOnlyError;
    expect(error).toBeInstanceOf(EngineOnlyError);
    expect(error.message).toMatch(/Pipelab engine addition.*kubectl logs/);
    expect(error.cause).toBeInstanceOf(KfpApiError);
    const follow = client.runs.logs('r1', 'train', { follow: true });
    await expect(follow.next()).rejects.toBeInstanceOf(EngineOnlyError);
    server.reset();
  });

  it("reports the engine's own not-found as a KfpApiError", async () => {
    server.on('GET', LOGS, { status: 404, json: engineError(5, "run 'r1' has no task 'x'.") });
    const error = await client.runs.logs('r1', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KfpApiError);
    expect(error).not.toBeInstanceOf(EngineOnlyError);
  });
});
