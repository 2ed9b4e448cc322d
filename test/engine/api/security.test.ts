/**
 * Security of the embedded engine: the access token (file, permissions, header and query
 * forms, refusals), CORS for configured origins only, and files served only from the data
 * directory (no `..`, no encoded `%2e%2e`, no symbolic link out of it).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import { AccessTokenError, EngineOptionsError, startEngine } from '../../../kernel-lib/src/engine';
import {
  eventually,
  FakeLauncher,
  helloSpec,
  nodePipeline,
  startTestEngine,
  tempDir,
  type Api,
  type TestEngine,
} from './helpers';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with exactly these headers (fetch would add or refuse some, such as Origin). */
function raw(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(target, base), { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const corsHeaders = (headers: http.IncomingHttpHeaders): string[] =>
  Object.keys(headers).filter((h) => h.startsWith('access-control-'));

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = tempDir('pipelab-security-');
  dirs.push(dir);
  return dir;
}

describe('the access token file', () => {
  it('is created at the first start with mode 0600 and reused afterwards', async () => {
    const dataDir = scratch();
    const first = await startEngine({ dataDir, port: 0, log: () => undefined });
    const file = path.join(dataDir, 'token');
    const stat = fs.statSync(file);
    expect(stat.mode & 0o777).toBe(0o600);
    const token = fs.readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(first.token).toBe(token);
    expect(first.tokenFile).toBe(file);
    await first.close();
    const second = await startEngine({ dataDir, port: 0, log: () => undefined });
    expect(second.token).toBe(token);
    await second.close();
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to start when the token file is readable by others, empty, or not a file', async () => {
    const loose = scratch();
    fs.writeFileSync(path.join(loose, 'token'), 'x'.repeat(43), { mode: 0o644 });
    fs.chmodSync(path.join(loose, 'token'), 0o644);
    const error = await startEngine({ dataDir: loose, port: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessTokenError);
    expect(String((error as Error).message)).toMatch(/mode 644.*chmod 600/);

    const empty = scratch();
    fs.writeFileSync(path.join(empty, 'token'), '\n', { mode: 0o600 });
    await expect(startEngine({ dataDir: empty, port: 0 })).rejects.toThrow(/is empty/);

    const short = scratch();
    fs.writeFileSync(path.join(short, 'token'), 'secret', { mode: 0o600 });
    await expect(startEngine({ dataDir: short, port: 0 })).rejects.toThrow(/at least 16/);

    const linked = scratch();
    const target = path.join(scratch(), 'elsewhere');
    fs.writeFileSync(target, 'y'.repeat(43), { mode: 0o600 });
    fs.symlinkSync(target, path.join(linked, 'token'));
    await expect(startEngine({ dataDir: linked, port: 0 })).rejects.toThrow(/not a regular file/);
    // Nothing was opened or written: the database does not exist.
    for (const dir of [loose, empty, short, linked]) {
      expect(fs.existsSync(path.join(dir, 'pipelab.db'))).toBe(false);
    }
  });
});

describe('the access check', () => {
  let t: TestEngine;
  let api: Api;

  beforeAll(async () => {
    t = await startTestEngine({ launcher: new FakeLauncher() });
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets healthz through without a token', async () => {
    expect((await api.request('GET', '/apis/v2beta1/healthz', { token: null })).status).toBe(200);
  });

  it('answers every other operation without a token with 401 UNAUTHENTICATED', async () => {
    const calls: [string, string][] = [
      ['GET', '/apis/v2beta1/runs'],
      ['POST', '/apis/v2beta1/experiments'],
      ['GET', '/apis/v2beta1/pipelines/some-id'],
      ['DELETE', '/apis/v2beta1/runs/some-id'],
      ['GET', '/apis/v2beta1/artifacts/1:download'],
      ['GET', '/apis/v2beta1/runs/r/tasks/t/logs'],
      ['GET', '/apis/v2beta1/no-such-path'],
      ['POST', '/apis/v2beta1/healthz'],
    ];
    for (const [method, p] of calls) {
      const res = await api.request(method, p, {
        token: null,
        ...(method === 'POST' ? { json: {} } : {}),
      });
      expect(res.status, `${method} ${p}`).toBe(401);
      expect(res.body).toEqual({
        code: 16,
        message: expect.stringContaining('missing access token') as unknown,
        details: [],
      });
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="pipelab"');
    }
  });

  it('names what is wrong: a wrong token, another scheme, a query token on a POST', async () => {
    const wrong = await api.request('GET', '/apis/v2beta1/runs', { token: 'x'.repeat(43) });
    expect(wrong.status).toBe(401);
    expect(String(wrong.body.message)).toContain('Authorization header is wrong');

    const basic = await api.request('GET', '/apis/v2beta1/runs', {
      token: null,
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
    expect(String(basic.body.message)).toContain("must be 'Bearer <token>'; got a 'Basic'");

    const wrongQuery = await api.request('GET', '/apis/v2beta1/runs', {
      token: null,
      query: { token: 'nope' },
    });
    expect(wrongQuery.status).toBe(401);
    expect(String(wrongQuery.body.message)).toContain("'token' query parameter is wrong");

    const postWithQuery = await api.request('POST', '/apis/v2beta1/experiments', {
      token: null,
      query: { token: api.token ?? '' },
      json: { display_name: 'via-query' },
    });
    expect(postWithQuery.status).toBe(401);
    expect(String(postWithQuery.body.message)).toContain('GET requests only');
    const list = await api.get<{ experiments: { display_name: string }[] }>(
      '/apis/v2beta1/experiments',
    );
    expect(list.body.experiments.map((e) => e.display_name)).not.toContain('via-query');
  });

  it('accepts the token as a Bearer header (any case) or a query parameter on GET links', async () => {
    const lower = await api.request('GET', '/apis/v2beta1/runs', {
      token: null,
      headers: { authorization: `bearer ${api.token ?? ''}` },
    });
    expect(lower.status).toBe(200);
    const link = await fetch(api.link('/apis/v2beta1/experiments', { page_size: '1' }));
    expect(link.status).toBe(200);
    const body = (await link.json()) as { experiments: unknown[] };
    expect(body.experiments).toHaveLength(1);
  });

  it('refuses an unauthenticated 40 MB upload without storing anything', async () => {
    const form = new FormData();
    form.append('uploadfile', new Blob([Buffer.alloc(40 * 1024 * 1024, 0x61)]), 'big.yaml');
    const started = Date.now();
    const res = await api
      .request('POST', '/apis/v2beta1/pipelines/upload', {
        token: null,
        body: form,
        query: { name: 'no-token' },
      })
      .catch((error: unknown) => error);
    // The engine answers at once and closes the connection, which a client still sending may
    // see as a reset instead of the answer.
    if (!(res instanceof Error)) {
      expect((res as { status: number }).status).toBe(401);
    }
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await api.get('/apis/v2beta1/pipelines/names/no-token')).status).toBe(404);
    expect((await api.get('/apis/v2beta1/healthz')).status).toBe(200);
  });
});

describe('CORS', () => {
  const allowed = 'http://localhost:8888';
  let t: TestEngine;
  let plain: TestEngine;

  beforeAll(async () => {
    t = await startTestEngine({ launcher: new FakeLauncher(), allowedOrigins: [allowed] });
    plain = await startTestEngine({ launcher: new FakeLauncher() });
  });
  afterAll(async () => {
    await t.close();
    await plain.close();
  });

  it('answers the preflight of a configured origin, and only of it', async () => {
    const preflight = await raw(t.engine.url, 'OPTIONS', '/apis/v2beta1/runs', {
      origin: allowed,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(allowed);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    for (const engine of [t, plain]) {
      const other = await raw(engine.engine.url, 'OPTIONS', '/apis/v2beta1/runs', {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
      });
      expect(other.status).toBe(403);
      expect(corsHeaders(other.headers)).toEqual([]);
    }
  });

  it('adds Access-Control-Allow-Origin for a configured origin only', async () => {
    const auth = { authorization: `Bearer ${t.engine.token}` };
    const ok = await raw(t.engine.url, 'GET', '/apis/v2beta1/runs', { ...auth, origin: allowed });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(allowed);
    expect(ok.headers.vary).toContain('Origin');
    // Errors too, so that a page can read why it was refused.
    const refused = await raw(t.engine.url, 'GET', '/apis/v2beta1/runs', { origin: allowed });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(allowed);

    const other = await raw(t.engine.url, 'GET', '/apis/v2beta1/runs', {
      ...auth,
      origin: 'http://evil.example',
    });
    expect(corsHeaders(other.headers)).toEqual([]);
    const byDefault = await raw(plain.engine.url, 'GET', '/apis/v2beta1/runs', {
      authorization: `Bearer ${plain.engine.token}`,
      origin: allowed,
    });
    expect(corsHeaders(byDefault.headers)).toEqual([]);
  });

  it('refuses origins that are not scheme://host[:port]', async () => {
    for (const origins of [['*'], ['http://localhost:8888/'], ['localhost'], ['ftp://x']]) {
      await expect(
        startEngine({ dataDir: scratch(), port: 0, allowedOrigins: origins }),
      ).rejects.toBeInstanceOf(EngineOptionsError);
    }
  });
});

describe('files are served from the data directory only', () => {
  let t: TestEngine;
  let api: Api;

  beforeAll(async () => {
    t = await startTestEngine({});
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
  });

  interface Run {
    run_id: string;
    state: string;
    error?: { message: string };
    run_details?: {
      task_details?: {
        display_name: string;
        outputs?: Record<string, { artifact_ids: string[] }>;
      }[];
    };
  }

  async function runToEnd(spec: PipelineSpec): Promise<Run> {
    const created = await api.post<Run>('/apis/v2beta1/runs', {
      display_name: spec.pipelineInfo.name,
      pipeline_spec: spec,
    });
    expect(created.status, created.text).toBe(200);
    return eventually(
      async () => {
        const run = (await api.get<Run>(`/apis/v2beta1/runs/${created.body.run_id}`)).body;
        return ['SUCCEEDED', 'FAILED'].includes(run.state) ? run : undefined;
      },
      15_000,
      'the run to end',
    );
  }

  const artifactId = (run: Run, task: string, output: string): string =>
    run.run_details?.task_details?.find((d) => d.display_name === task)?.outputs?.[output]
      ?.artifact_ids[0] ?? '';

  it('refuses `..` and encoded `%2e%2e` in ids', async () => {
    const run = await api.post<{ run_id: string }>('/apis/v2beta1/runs', {
      display_name: 'ids',
      pipeline_spec: helloSpec(),
    });
    const id = run.body.run_id;
    const cases: [string, number][] = [
      ['/apis/v2beta1/artifacts/..%2F..%2F..%2Fetc%2Fpasswd:download', 400],
      ['/apis/v2beta1/artifacts/%2e%2e:download', 400],
      ['/apis/v2beta1/artifacts/%2e%2e%2f%2e%2e%2fpipelab.db', 400],
      ['/apis/v2beta1/runs/%2e%2e/tasks/hello/logs', 404],
      [`/apis/v2beta1/runs/${id}/tasks/..%2F..%2F..%2Fpipelab.db/logs`, 404],
      [`/apis/v2beta1/runs/${id}/tasks/%2e%2e/logs`, 404],
      [`/apis/v2beta1/runs/${id}/tasks/hello/artifacts/..%2F..%2Ftoken:download`, 404],
      [`/apis/v2beta1/runs/${id}/tasks/hello/artifacts/%2e%2e:download`, 404],
      ['/apis/v2beta1/runs/..%2F..%2Ftoken', 404],
    ];
    for (const [p, status] of cases) {
      const res = await fetch(`${api.baseUrl}${p}`, { headers: api.auth() });
      const text = await res.text();
      expect(res.status, `${p}: ${text}`).toBe(status);
      expect(text).not.toContain(api.token ?? '-');
    }
  });

  it('refuses artifacts stored outside it, and links leading out of it', async () => {
    const DATASET = { artifactType: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } };
    const spec = nodePipeline('escapes', {
      link: {
        script: `const fs=require('fs'),p=require('path'); const [file, dir] = process.argv.slice(1);
          fs.mkdirSync(p.dirname(file), {recursive: true}); fs.symlinkSync('/etc/passwd', file);
          fs.mkdirSync(dir, {recursive: true}); fs.writeFileSync(p.join(dir, 'a.txt'), 'inside');
          fs.symlinkSync('/etc/passwd', p.join(dir, 'passwd'));`,
        args: ["{{$.outputs.artifacts['file'].path}}", "{{$.outputs.artifacts['dir'].path}}"],
        outputs: { artifacts: { file: DATASET, dir: DATASET } },
      },
      imported: { script: '' },
    });
    // An importer of a file outside the data directory.
    spec.root.dag.tasks.imported = {
      taskInfo: { name: 'imported' },
      componentRef: { name: 'comp-imported' },
      inputs: { parameters: { uri: { runtimeValue: { constant: '/etc/passwd' } } } },
    };
    spec.components!['comp-imported'] = {
      executorLabel: 'exec-imported',
      inputDefinitions: { parameters: { uri: { parameterType: 'STRING' } } },
      outputDefinitions: { artifacts: { artifact: DATASET } },
    };
    (spec.deploymentSpec!.executors as Record<string, unknown>)['exec-imported'] = {
      importer: { artifactUri: { runtimeParameter: 'uri' }, typeSchema: DATASET.artifactType },
    };
    const run = await runToEnd(spec);
    expect(run.state, JSON.stringify(run.error)).toBe('SUCCEEDED');

    for (const [task, output] of [
      ['link', 'file'],
      ['imported', 'artifact'],
    ] as const) {
      const res = await api.get(
        `/apis/v2beta1/artifacts/${artifactId(run, task, output)}:download`,
      );
      expect(res.status, `${task}.${output}`).toBe(403);
      expect(res.body).toMatchObject({ code: 7 });
      expect(res.text).toContain("outside the engine's data directory");
      expect(res.text).not.toContain('root:');
    }

    // A directory is packed without the links it holds.
    const dir = await fetch(
      api.link(`/apis/v2beta1/artifacts/${artifactId(run, 'link', 'dir')}:download`),
    );
    expect(dir.status).toBe(200);
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const extract = tar.extract();
      extract.on('entry', (header, stream, next) => {
        names.push(header.name);
        stream.resume();
        stream.on('end', next);
      });
      extract.on('finish', resolve);
      extract.on('error', reject);
      void dir.arrayBuffer().then((bytes) => extract.end(zlib.gunzipSync(Buffer.from(bytes))));
    });
    expect(names).toEqual(['a.txt']);
  });
});
