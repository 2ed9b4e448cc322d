/**
 * Bad input of every kind gets a clear `{code, message, details}` answer, and the server stays
 * up: malformed HTTP, broken encodings, oversize bodies, aborted uploads, bursts of requests.
 */
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLauncher, helloSpec, startTestEngine, type Api, type TestEngine } from './helpers';

describe('robustness', () => {
  let t: TestEngine;
  let api: Api;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await startTestEngine({ launcher: new FakeLauncher() });
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  const rawRequest = (text: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket: net.Socket = net.connect(t.engine.port, '127.0.0.1', () => {
        socket.write(text);
      });
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.setTimeout(3000, () => {
        socket.destroy();
        resolve(data);
      });
    });

  it('answers malformed HTTP with 400 and keeps serving', async () => {
    const answer = await rawRequest('THIS IS NOT HTTP\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await api.get('/apis/v2beta1/healthz')).status).toBe(200);
  });

  it('answers a broken percent-encoding with INVALID_ARGUMENT', async () => {
    const res = await api.get('/apis/v2beta1/runs/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 3 });
  });

  it('refuses a JSON body over 32 MiB', async () => {
    const huge = `{"display_name":"${'x'.repeat(33 * 1024 * 1024)}"}`;
    const res = await api.request('POST', '/apis/v2beta1/experiments', {
      body: huge,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 8 });
  });

  it('survives an upload aborted half way', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(t.engine.port, '127.0.0.1', () => {
        socket.write(
          'POST /apis/v2beta1/pipelines/upload?name=aborted HTTP/1.1\r\nHost: x\r\n' +
            `Authorization: Bearer ${t.engine.token}\r\n` +
            'Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n' +
            '--B\r\nContent-Disposition: form-data; name="uploadfile"; filename="a.yaml"\r\n\r\npipelineInfo:\n',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await api.get('/apis/v2beta1/healthz')).status).toBe(200);
    expect((await api.get('/apis/v2beta1/pipelines/names/aborted')).status).toBe(404);
  });

  it('answers a malformed multipart body with INVALID_ARGUMENT', async () => {
    const res = await api.request('POST', '/apis/v2beta1/pipelines/upload', {
      body: '--B\r\nContent-Disposition: form-data; name="uploadfile"; filename="a.yaml"\r\n\r\nabc',
      headers: { 'content-type': 'multipart/form-data; boundary=B' },
      query: { name: 'broken' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 3 });
  });

  it('serves a burst of concurrent requests, one winner for a contested name', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? api.post('/apis/v2beta1/pipelines', { name: 'contested' })
          : api.post('/apis/v2beta1/runs', {
              display_name: `burst-${i}`,
              pipeline_spec: helloSpec(),
            }),
      ),
    );
    const pipelineStatuses = results.filter((_, i) => i % 2 === 0).map((r) => r.status);
    expect(pipelineStatuses.filter((s) => s === 200)).toHaveLength(1);
    expect(pipelineStatuses.filter((s) => s === 409)).toHaveLength(19);
    expect(results.filter((_, i) => i % 2 === 1).every((r) => r.status === 200)).toBe(true);
  });
});
