/**
 * Switching the default under load: no request fails, requests already in flight are answered by
 * the version they started on, requests after a switch by the new default; versions deleted by
 * the retention limit finish their requests before they are unloaded; changes made by another
 * process are picked up; a version that fails to load never takes over.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../kernel-lib/src/serving';
import { writeFakeModel } from './support/fake-model';
import { call, startFakeServer } from './support/server';
import { removeTempDirs } from './support/temp';

afterAll(removeTempDirs);

interface Answer {
  status: number;
  value: number | undefined;
  sentAt: number;
  answeredAt: number;
}

/** One predict over a keep-alive agent; the answer's value is the version's base value. */
function predict(url: string, agent: Agent, target = '/v1/models/m:predict'): Promise<Answer> {
  const body = JSON.stringify({ instances: [[0, 0, 0]] });
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const req = request(
      `${url}${target}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          let value: number | undefined;
          try {
            value = (JSON.parse(text) as { predictions?: number[] }).predictions?.[0];
          } catch {
            value = undefined;
          }
          resolve({ status: res.statusCode ?? 0, value, sentAt, answeredAt: performance.now() });
        });
      },
    );
    req.on('error', () =>
      resolve({ status: -1, value: undefined, sentAt, answeredAt: performance.now() }),
    );
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('switching the default', () => {
  it('answers every request during repeated switches, each switch taking effect at once', async () => {
    const fake = await startFakeServer({ batching: { maxBatchSize: 64 } });
    const agent = new Agent({ keepAlive: true, maxSockets: 24 });
    try {
      await fake.deploy('m', { value: 1000 });
      await fake.deploy('m', { value: 2000 });
      await fake.deploy('m', { value: 3000 });
      const answers: Answer[] = [];
      let running = true;
      const clients = Array.from({ length: 24 }, async () => {
        while (running) answers.push(await predict(fake.server.url, agent));
      });
      // Each step: the change, then the value every later request must see.
      const registry = fake.server.registry;
      const steps: [() => Promise<unknown>, number][] = [
        [() => registry.setDefault('m', 2), 2000],
        [() => registry.setDefault('m', 3), 3000],
        [() => registry.rollback('m'), 2000],
        [() => fake.deploy('m', { value: 4000 }, { setDefault: true }), 4000],
        [() => registry.rollback('m'), 2000],
        [() => registry.setDefault('m', 1), 1000],
      ];
      const switches: { from: number; to: number; value: number }[] = [];
      await sleep(40);
      for (const [change, value] of steps) {
        const from = performance.now();
        await change();
        await fake.server.refresh();
        switches.push({ from, to: performance.now(), value });
        await sleep(40);
      }
      running = false;
      await Promise.all(clients);

      expect(answers.length).toBeGreaterThan(200);
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(new Set(answers.map((a) => a.value))).toEqual(new Set([1000, 2000, 3000, 4000]));
      // A request sent after a switch completed, and answered before the next one began, got the
      // new default.
      switches.forEach((s, i) => {
        const nextFrom = switches[i + 1]?.from ?? Infinity;
        const after = answers.filter((a) => a.sentAt > s.to && a.answeredAt < nextFrom);
        expect(after.length).toBeGreaterThan(0);
        expect(new Set(after.map((a) => a.value))).toEqual(new Set([s.value]));
      });
      // Batching happened under this load.
      expect(Math.max(...fake.calls.batches)).toBeGreaterThan(1);
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });

  it('serves a default set in this process before the call returns', async () => {
    const fake = await startFakeServer({ pollIntervalMs: 0, watch: false });
    const agent = new Agent({ keepAlive: true });
    try {
      await fake.deploy('m', { value: 1 });
      await fake.deploy('m', { value: 2 });
      await fake.server.registry.setDefault('m', 2);
      expect((await predict(fake.server.url, agent)).value).toBe(2);
      await fake.server.registry.rollback('m');
      expect((await predict(fake.server.url, agent)).value).toBe(1);
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });

  it('answers in-flight requests with the version they started on', async () => {
    // Requests wait 150 ms in the old version's batch while the default switches.
    const fake = await startFakeServer({ batching: { maxDelayMs: 150 } });
    const agent = new Agent({ keepAlive: true });
    try {
      await fake.deploy('m', { value: 1 });
      await fake.deploy('m', { value: 2 });
      const inFlight = Array.from({ length: 5 }, () => predict(fake.server.url, agent));
      await sleep(50);
      await fake.server.registry.setDefault('m', 2);
      await fake.server.refresh();
      const later = predict(fake.server.url, agent);
      expect((await Promise.all(inFlight)).map((a) => [a.status, a.value])).toEqual(
        Array(5).fill([200, 1]),
      );
      expect(await later).toMatchObject({ status: 200, value: 2 });
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });

  it('unloads a version deleted by retention only after its in-flight requests are answered', async () => {
    const fake = await startFakeServer({ batching: { maxDelayMs: 150 }, keepVersions: 1 });
    const agent = new Agent({ keepAlive: true });
    try {
      await fake.deploy('m', { value: 1 });
      const inFlight = Array.from({ length: 3 }, () => predict(fake.server.url, agent));
      await sleep(50);
      // The new default pushes version 1 out of the registry (keepVersions 1).
      await fake.deploy('m', { value: 2 }, { setDefault: true });
      expect((await fake.server.registry.listVersions('m')).map((v) => v.version)).toEqual([2]);
      expect(fake.calls.disposed).toBe(0);
      expect((await Promise.all(inFlight)).map((a) => [a.status, a.value])).toEqual(
        Array(3).fill([200, 1]),
      );
      expect(fake.calls.disposed).toBe(1);
      expect((await predict(fake.server.url, agent)).value).toBe(2);
      const status = await call(fake.server, '/v1/models/m');
      expect(
        (status.body.model_version_status as { version: string }[]).map((v) => v.version),
      ).toEqual(['2']);
      const gone = await predict(fake.server.url, agent, '/v1/models/m/versions/1:predict');
      expect(gone.status).toBe(404);
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });

  it("follows another process's deploys and switches (polling and watching the directory)", async () => {
    const fake = await startFakeServer({ pollIntervalMs: 50 });
    const agent = new Agent({ keepAlive: true });
    try {
      await fake.deploy('m', { value: 1 });
      // Another process: its own registry object on the same directory.
      const deployStep = new ModelRegistry({ modelsDir: fake.modelsDir });
      await deployStep.deployVersion(
        'm',
        writeFakeModel(path.join(fake.root, 'other'), { value: 9 }),
        {
          setDefault: true,
        },
      );
      const deadline = Date.now() + 5000;
      let answer = await predict(fake.server.url, agent);
      while (answer.value !== 9 && Date.now() < deadline) {
        expect(answer.status).toBe(200);
        await sleep(20);
        answer = await predict(fake.server.url, agent);
      }
      expect(answer.value).toBe(9);
      // And a new model.
      await deployStep.deployVersion(
        'other',
        writeFakeModel(path.join(fake.root, 'o2'), { value: 5 }),
      );
      let other = await predict(fake.server.url, agent, '/v1/models/other:predict');
      while (other.status !== 200 && Date.now() < deadline) {
        await sleep(20);
        other = await predict(fake.server.url, agent, '/v1/models/other:predict');
      }
      expect(other.value).toBe(5);
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });

  it('keeps serving the old default when the new one fails to load, and says why', async () => {
    const fake = await startFakeServer();
    const agent = new Agent({ keepAlive: true });
    try {
      await fake.deploy('m', { value: 1 });
      await fake.deploy(
        'm',
        { value: 2, failLoad: 'weights.bin is truncated' },
        { setDefault: true },
      );
      expect((await predict(fake.server.url, agent)).value).toBe(1);
      const status = await call(fake.server, '/v1/models/m');
      expect(status.body.model_version_status).toEqual([
        {
          version: '2',
          state: 'END',
          status: { error_code: 'UNKNOWN', error_message: 'weights.bin is truncated' },
        },
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ]);
      expect(status.body.pipelab).toMatchObject({ default_version: '2', serving_version: '1' });
      const direct = await call(fake.server, '/v1/models/m/versions/2:predict', {
        instances: [[1, 2, 3]],
      });
      expect(direct.status).toBe(503);
      expect(direct.body.error).toMatch(
        /version 2 of model 'm' is not available \(state END\): weights.bin is truncated/,
      );
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });

  it("replaces the default version's files without a failed request", async () => {
    const fake = await startFakeServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      await fake.deploy('m', { value: 1 });
      const answers: Answer[] = [];
      let running = true;
      const clients = Array.from({ length: 8 }, async () => {
        while (running) answers.push(await predict(fake.server.url, agent));
      });
      await sleep(20);
      await fake.server.registry.deployVersion(
        'm',
        writeFakeModel(path.join(fake.root, 'again'), { value: 5 }),
        {
          version: 1,
          replaceExisting: true,
        },
      );
      await fake.server.refresh();
      await sleep(20);
      running = false;
      await Promise.all(clients);
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(answers[answers.length - 1]?.value).toBe(5);
      expect(fake.calls.loads).toBe(2);
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });

  it('keeps serving, and says so, when the registry cannot be read', async () => {
    const lines: string[] = [];
    const fake = await startFakeServer({ log: (line) => lines.push(line) });
    const agent = new Agent({ keepAlive: true });
    try {
      await fake.deploy('m', { value: 1 });
      renameSync(fake.modelsDir, `${fake.modelsDir}.moved`);
      writeFileSync(fake.modelsDir, 'not a directory');
      await fake.server.refresh();
      expect(lines.join('\n')).toMatch(/cannot read the registry: .*cannot list/);
      expect(await predict(fake.server.url, agent)).toMatchObject({ status: 200, value: 1 });
    } finally {
      agent.destroy();
      await fake.server.close();
    }
  });
});
