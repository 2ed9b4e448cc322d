/** The engine serves the dashboard page at its own origin; the API behind it still needs the token. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine } from '../../../kernel-lib/src/engine';

type Engine = Awaited<ReturnType<typeof startEngine>>;
let engine: Engine;
let bare: Engine;

beforeAll(async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'pipelab-dashboard-'));
  const dashboard = path.join(work, 'dashboard');
  mkdirSync(dashboard);
  writeFileSync(path.join(dashboard, 'index.html'), '<!doctype html><title>Pipelab</title>');
  writeFileSync(path.join(dashboard, 'dashboard.js'), 'console.log(1);');
  writeFileSync(path.join(work, 'secret.txt'), 'outside');
  engine = await startEngine({
    dataDir: path.join(work, 'engine'),
    port: 0,
    dashboardDir: dashboard,
  });
  bare = await startEngine({ dataDir: path.join(work, 'bare'), port: 0, dashboardDir: false });
});
afterAll(async () => {
  await engine?.close();
  await bare?.close();
});

/** A raw GET, so that `..` segments reach the server as written. */
function get(
  base: string,
  rawPath: string,
): Promise<{ status: number; type: string; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: rawPath, method: 'GET' },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard', () => {
  it('is served at / and its assets beside it, without a token', async () => {
    const page = await get(engine.url, '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('<title>Pipelab</title>');
    const script = await get(engine.url, '/dashboard.js');
    expect(script.status).toBe(200);
    expect(script.type).toMatch(/javascript/);
  });

  it('never reads outside its folder, and the API still needs the token', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const res = await get(engine.url, p);
      expect(res.status, p).not.toBe(200);
      expect(res.body).not.toContain('outside');
    }
    expect((await get(engine.url, '/apis/v2beta1/runs')).status).toBe(401);
  });

  it('is not served when turned off', async () => {
    const res = await get(bare.url, '/');
    expect(res.status).not.toBe(200);
    expect(res.type).not.toMatch(/html/);
  });
});
