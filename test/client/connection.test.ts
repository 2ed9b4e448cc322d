/**
 * The connection: endpoints, bearer tokens from every source, and how failures are reported.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  ClientOptionsError,
  ConnectionError,
  Connection,
  DEFAULT_ENDPOINT,
  KfpApiError,
  normalizeEndpoint,
} from '../../kernel-lib/src/client';
import { DEFAULT_ENGINE_URL } from '../../kernel-lib/src/defaults';
import { PipelabError } from '../../kernel-lib/src/errors';
import { engineError } from './support/fixtures';
import { RecordingServer } from './support/recording-server';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'pipelab-client-auth-'));
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('endpoints', () => {
  it('normalizes endpoints and picks the default from the environment', () => {
    expect(normalizeEndpoint('localhost:8888/')).toBe('http://localhost:8888');
    expect(normalizeEndpoint('https://kfp.example.com/pipeline/apis/v2beta1/')).toBe(
      'https://kfp.example.com/pipeline',
    );
    expect(() => normalizeEndpoint('ftp://x')).toThrow(ClientOptionsError);
    expect(() => normalizeEndpoint('http://x/?a=1')).toThrow(/query/);
    expect(new Client({ env: {} }).endpoint).toBe(DEFAULT_ENGINE_URL);
    expect(DEFAULT_ENDPOINT).toBe(DEFAULT_ENGINE_URL);
    expect(new Client({ env: { PIPELAB_ENDPOINT: 'http://engine:1' } }).endpoint).toBe(
      'http://engine:1',
    );
    expect(new Client({ env: { KF_PIPELINES_ENDPOINT: 'http://kfp:2' } }).endpoint).toBe(
      'http://kfp:2',
    );
    expect(
      new Client({ endpoint: 'http://given:3', env: { PIPELAB_ENDPOINT: 'http://engine:1' } })
        .endpoint,
    ).toBe('http://given:3');
  });

  it('validates client options at construction', () => {
    expect(() => new Client({ timeoutMs: 0 })).toThrow(ClientOptionsError);
    expect(() => new Client({ token: '  ' })).toThrow(/empty/);
    expect(() => new Client({ kubeconfig: '/x' })).toThrow(/Client\.connect/);
    const connection = new Connection({ env: {} });
    expect(() => new Client({ connection, endpoint: 'http://x' })).toThrow(/not both/);
    expect(new Client({ connection }).connection).toBe(connection);
  });
});

describe('bearer tokens', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await RecordingServer.start();
    server.on('GET', '/apis/v2beta1/healthz', { json: {} });
  });
  afterEach(async () => {
    await server.close();
  });

  const authorizationOf = async (
    options: ConstructorParameters<typeof Client>[0],
  ): Promise<string | undefined> => {
    server.reset();
    await new Client({ endpoint: server.url, ...options }).healthz();
    return server.requests[0]?.headers.authorization;
  };

  it('sends none by default', async () => {
    expect(await authorizationOf({ env: {} })).toBeUndefined();
  });

  it('takes the token option, a string or a function asked per request', async () => {
    expect(await authorizationOf({ token: 'abc', env: { PIPELAB_TOKEN: 'env' } })).toBe(
      'Bearer abc',
    );
    server.reset();
    let n = 0;
    const client = new Client({ endpoint: server.url, token: () => `t${++n}`, env: {} });
    await client.healthz();
    await client.healthz();
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('reads PIPELAB_TOKEN, then KF_PIPELINES_TOKEN', async () => {
    expect(await authorizationOf({ env: { KF_PIPELINES_TOKEN: 'kf' } })).toBe('Bearer kf');
    expect(await authorizationOf({ env: { KF_PIPELINES_TOKEN: 'kf', PIPELAB_TOKEN: 'pl' } })).toBe(
      'Bearer pl',
    );
  });

  it('re-reads a token file as it rotates (tokenFile, or KF_PIPELINES_SA_TOKEN_PATH)', async () => {
    const file = path.join(tempDir(), 'token');
    writeFileSync(file, 'first\n');
    const client = new Client({ endpoint: server.url, tokenFile: file, tokenCacheMs: 0, env: {} });
    await client.healthz();
    writeFileSync(file, 'second\n');
    await client.healthz();
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer first',
      'Bearer second',
    ]);
    expect(await authorizationOf({ env: { KF_PIPELINES_SA_TOKEN_PATH: file } })).toBe(
      'Bearer second',
    );
  });

  it('caches a token file for tokenCacheMs', async () => {
    const file = path.join(tempDir(), 'token');
    writeFileSync(file, 'kept');
    const client = new Client({
      endpoint: server.url,
      tokenFile: file,
      tokenCacheMs: 60_000,
      env: {},
    });
    await client.healthz();
    writeFileSync(file, 'changed');
    await client.healthz();
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer kept',
      'Bearer kept',
    ]);
  });

  it("reads the engine's token from <dataDir>/token, and sends none while it is absent", async () => {
    const dir = tempDir();
    expect(
      await authorizationOf({ dataDir: dir, env: { PIPELAB_TOKEN: 'ignored' } }),
    ).toBeUndefined();
    writeFileSync(path.join(dir, 'token'), 'engine-secret\n', { mode: 0o600 });
    expect(await authorizationOf({ dataDir: dir, tokenCacheMs: 0, env: {} })).toBe(
      'Bearer engine-secret',
    );
  });

  it('fails clearly when a token file cannot be read or is empty', async () => {
    const dir = tempDir();
    const client = new Client({
      endpoint: server.url,
      tokenFile: path.join(dir, 'missing'),
      env: {},
    });
    await expect(client.healthz()).rejects.toThrow(/cannot read the token file .*missing/);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    await expect(
      new Client({ endpoint: server.url, tokenFile: empty, env: {} }).healthz(),
    ).rejects.toThrow(/is empty/);
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, 'locked');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0o000);
      await expect(
        new Client({ endpoint: server.url, tokenFile: locked, env: {} }).healthz(),
      ).rejects.toThrow(ClientOptionsError);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await RecordingServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('turns an error status into a KfpApiError carrying the KFP error body', async () => {
    server.on('GET', '/apis/v2beta1/runs/{run_id}', {
      status: 404,
      json: engineError(5, "run 'nope' not found"),
    });
    const client = new Client({ endpoint: server.url, env: {} });
    const error = await client.runs.get('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KfpApiError);
    expect(error).toBeInstanceOf(PipelabError);
    const api = error as KfpApiError;
    expect(api.status).toBe(404);
    expect(api.grpcCode).toBe(5);
    expect(api.body?.message).toBe("run 'nope' not found");
    expect(api.details[0]?.reason).toBe('NOT_FOUND');
    expect(api.method).toBe('GET');
    expect(api.path).toBe('/apis/v2beta1/runs/nope');
    expect(api.isNotFound).toBe(true);
    expect(api.code).toBe('KFP_API_ERROR');
    expect(api.message).toBe(
      "GET /apis/v2beta1/runs/nope failed with HTTP 404 (NOT_FOUND): run 'nope' not found",
    );
  });

  it('keeps a body that is not JSON, and hints at tokens on 401', async () => {
    server
      .on('GET', '/apis/v2beta1/runs', { status: 502, text: 'upstream connect error' })
      .on('GET', '/apis/v2beta1/experiments', {
        status: 401,
        json: { code: 16, message: 'no token' },
      });
    const client = new Client({ endpoint: server.url, env: {} });
    const bad = (await client.runs.list().catch((e: unknown) => e)) as KfpApiError;
    expect(bad.status).toBe(502);
    expect(bad.body).toBeUndefined();
    expect(bad.rawBody).toBe('upstream connect error');
    expect(bad.message).toMatch(/HTTP 502: upstream connect error/);
    const unauthenticated = (await client.experiments
      .list()
      .catch((e: unknown) => e)) as KfpApiError;
    expect(unauthenticated.message).toMatch(/UNAUTHENTICATED.*no token.*tokenFile/);
  });

  it('reports an unreachable server as a ConnectionError naming it and suggesting the engine', async () => {
    const port = await closedPort();
    const client = new Client({ endpoint: `http://127.0.0.1:${port}`, env: {} });
    const error = (await client.runs.get('x').catch((e: unknown) => e)) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(error.timedOut).toBe(false);
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('pipelab engine start');
    await expect(
      Client.connect({ endpoint: `http://127.0.0.1:${port}`, env: {} }),
    ).rejects.toBeInstanceOf(ConnectionError);
  });

  it('gives up after timeoutMs, and passes a caller abort through as it is', async () => {
    server.on('GET', '/apis/v2beta1/healthz', { json: {}, delayMs: 500 });
    const client = new Client({ endpoint: server.url, timeoutMs: 50, env: {} });
    const error = (await client.healthz().catch((e: unknown) => e)) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.timedOut).toBe(true);
    expect(error.message).toMatch(/no answer within 50 ms/);
    const patient = new Client({ endpoint: server.url, env: {} });
    const reason = new Error('user stop');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 20);
    await expect(patient.healthz({ signal: controller.signal })).rejects.toBe(reason);
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const client = new Client({
      endpoint: 'http://nowhere.invalid',
      env: {},
      fetch: async (url, init) => {
        seen.push(`${init.method} ${url}`);
        return new Response('{"multi_user":false}', { status: 200 });
      },
    });
    expect(await client.healthz()).toEqual({ multi_user: false });
    expect(seen).toEqual(['GET http://nowhere.invalid/apis/v2beta1/healthz']);
  });
});
