/**
 * `pipelab run` and `pipelab runs …`, in-process against the recording server.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCommand, runsCommand, type CliIo } from '../../kernel-lib/src/client/cli-commands';
import type { RuntimeState, V2beta1Run } from '../../kernel-lib/src/client';
import { writePipelinePackage } from '../../kernel-lib/src/compiler/package';
import { experiment, runResource, task, tinySpec } from './support/fixtures';
import { RecordingServer } from './support/recording-server';
import { swaggerIfShared } from './support/swagger';

interface Captured extends CliIo {
  out: string;
  err: string;
}

/** The env of a command: a private PIPELAB_HOME, so no real engine token is ever read. */
function io(env: Record<string, string> = {}): Captured {
  const captured: Captured = {
    out: '',
    err: '',
    stdout: { write: (t: string) => (captured.out += t) },
    stderr: { write: (t: string) => (captured.err += t) },
    env: { PIPELAB_HOME: home, ...env },
    pollIntervalMs: 2,
  };
  return captured;
}

let dir: string;
let home: string;
let pipelineFile: string;
let server: RecordingServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pipelab-client-cli-'));
  home = path.join(dir, 'home');
  pipelineFile = path.join(dir, 'tiny.yaml');
  await writePipelinePackage(tinySpec(), pipelineFile);
});

beforeEach(async () => {
  server = await RecordingServer.start({ swagger: swaggerIfShared() });
});

afterEach(async () => {
  const violations = [...server.violations];
  await server.close();
  expect(violations).toEqual([]);
});

/** The server creates runs and reports them in `states` on successive looks. */
function serveRuns(...states: RuntimeState[]): void {
  let looks = 0;
  const failed = (s: RuntimeState): V2beta1Run =>
    s === 'FAILED'
      ? {
          error: { code: 2, message: 'task count failed' },
          run_details: {
            task_details: [
              task('greet', 'SUCCEEDED'),
              task('count', 'FAILED', { error: { message: 'exit code 3' } }),
            ],
          },
        }
      : {};
  server
    .on('GET', '/apis/v2beta1/experiments', { json: {} })
    .on('POST', '/apis/v2beta1/experiments', { json: experiment('exp-1', 'demo') })
    .on('POST', '/apis/v2beta1/runs', (req) => ({
      json: { ...runResource('run-c', 'PENDING'), ...(req.json as V2beta1Run) },
    }))
    .on('GET', '/apis/v2beta1/runs/{run_id}', () => {
      const state = states[Math.min(looks++, states.length - 1)] ?? 'RUNNING';
      return { json: runResource('run-c', state, failed(state)) };
    });
}

describe('pipelab run', () => {
  it('creates a run with typed parameters, prints its link and waits for success', async () => {
    serveRuns('RUNNING', 'SUCCEEDED');
    const out = io();
    const code = await runCommand(
      [
        pipelineFile,
        '--param',
        'who=007',
        '--param',
        'times=3',
        '--experiment',
        'demo',
        '--name',
        'my-run',
        '--endpoint',
        server.url,
      ],
      out,
    );
    expect(out.err).toBe('');
    expect(code).toBe(0);
    expect(out.out).toContain('run run-c created (my-run)');
    expect(out.out).toContain(`${server.url}/#/runs/details/run-c`);
    expect(out.out).toMatch(/RUNNING\n.*SUCCEEDED\nrun run-c SUCCEEDED in 7\.0 s\n$/s);
    const body = server.made('POST', '/apis/v2beta1/runs')[0]?.json as V2beta1Run;
    expect(body.display_name).toBe('my-run');
    expect(body.experiment_id).toBe('exp-1');
    expect(body.runtime_config).toEqual({ parameters: { who: '007', times: 3 } });
    expect(body.pipeline_spec).toEqual(JSON.parse(JSON.stringify(tinySpec())));
  });

  it('exits 1 and names the failed tasks when the run fails', async () => {
    serveRuns('RUNNING', 'FAILED');
    const out = io({ PIPELAB_ENDPOINT: server.url });
    expect(await runCommand([pipelineFile], out)).toBe(1);
    expect(out.err).toContain('run run-c ended FAILED');
    expect(out.err).toContain('task count failed');
    expect(out.err).toContain('task count FAILED: exit code 3');
    expect(server.made('GET', '/apis/v2beta1/experiments')).toHaveLength(0);
  });

  it('returns at once with --no-wait, and turns caching off with --no-cache', async () => {
    serveRuns('RUNNING');
    const out = io();
    expect(
      await runCommand([pipelineFile, '--no-wait', '--no-cache', '--endpoint', server.url], out),
    ).toBe(0);
    expect(server.made('GET', '/apis/v2beta1/runs/run-c')).toHaveLength(0);
    const spec = (
      server.made('POST', '/apis/v2beta1/runs')[0]?.json as {
        pipeline_spec: ReturnType<typeof tinySpec>;
      }
    ).pipeline_spec;
    for (const t of Object.values(spec.root.dag.tasks))
      expect(t.cachingOptions?.enableCache).toBe(false);
  });

  it('stops waiting after --timeout and says how to wait again', async () => {
    serveRuns('RUNNING');
    const out = io();
    expect(
      await runCommand([pipelineFile, '--timeout', '0.05', '--endpoint', server.url], out),
    ).toBe(1);
    expect(out.err).toMatch(/did not finish within 50 ms.*\n.*pipelab runs wait run-c/);
  });

  it('runs a pipeline module, compiling it first', async () => {
    serveRuns('SUCCEEDED');
    const dsl = path.resolve(__dirname, '../../kernel-lib/src/dsl').replace(/\\/g, '/');
    const module = path.join(dir, 'hello-module.ts');
    writeFileSync(
      module,
      `import { containerComponent, param, pipeline } from '${dsl}';
const say = containerComponent({ name: 'say', inputs: { text: param.string() }, image: 'node:20', command: ['node', '-e', 'console.log(process.argv[1])'], args: ({ inputs }) => [inputs.text] });
export const hello = pipeline({ name: 'hello-module', params: { text: param.string({ default: 'hi' }) } }, ({ text }) => { say({ text }); });
`,
    );
    const out = io();
    expect(await runCommand([module, '--param', 'text=yo', '--endpoint', server.url], out)).toBe(0);
    const body = server.made('POST', '/apis/v2beta1/runs')[0]?.json as V2beta1Run & {
      pipeline_spec: { pipelineInfo: { name: string } };
    };
    expect(body.pipeline_spec.pipelineInfo.name).toBe('hello-module');
    expect(body.display_name).toMatch(/^hello-module \d{4}-/);
    expect(body.runtime_config?.parameters).toEqual({ text: 'yo' });
  });

  it('exits 2 on wrong usage, with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [[], /run takes one pipeline/],
      [
        [pipelineFile, '--param', 'nope=1'],
        /has no parameter 'nope'; its parameters are times, who/,
      ],
      [[pipelineFile, '--param', 'times=many'], /--param times: 'many' is not an integer/],
      [[pipelineFile, '--param', 'who'], /expects key=value/],
      [[pipelineFile, '--timeout', 'soon'], /positive number of seconds/],
      [[pipelineFile, '--bogus'], /Unknown option '--bogus'/],
      [[pipelineFile, '--pipeline', 'x'], /chooses an export of a module/],
    ];
    for (const [args, message] of cases) {
      const out = io();
      expect(await runCommand(args, out), args.join(' ')).toBe(2);
      expect(out.err).toMatch(message);
    }
    expect(server.requests).toHaveLength(0);
    const help = io();
    expect(await runCommand(['--help'], help)).toBe(0);
    expect(help.out).toMatch(/^Usage: pipelab run/);
  });

  it('exits 1 with the endpoint and a hint when no server answers', async () => {
    const url = server.url;
    await server.close();
    const out = io();
    expect(await runCommand([pipelineFile, '--endpoint', url], out)).toBe(1);
    expect(out.err).toContain(`cannot reach the pipelines API at ${url}`);
    expect(out.err).toContain('pipelab engine start');
    server = await RecordingServer.start({ swagger: swaggerIfShared() });
  });
});

describe('pipelab runs', () => {
  it('lists runs newest first, by experiment name, as a table or JSON', async () => {
    server
      .on('GET', '/apis/v2beta1/experiments', {
        json: { experiments: [experiment('exp-1', 'demo')] },
      })
      .on('GET', '/apis/v2beta1/runs', {
        json: {
          runs: [runResource('run-2', 'RUNNING'), runResource('run-1', 'SUCCEEDED')],
          total_size: 2,
        },
      });
    const out = io();
    expect(
      await runsCommand(
        ['list', '--experiment', 'demo', '--limit', '5', '--endpoint', server.url],
        out,
      ),
    ).toBe(0);
    expect(out.out).toBe(
      'RUN ID  STATE      CREATED               NAME\n' +
        'run-2   RUNNING    2024-05-01T10:00:00Z  run run-2\n' +
        'run-1   SUCCEEDED  2024-05-01T10:00:00Z  run run-1\n',
    );
    const list = server.made('GET', '/apis/v2beta1/runs')[0];
    expect(list?.query).toEqual({
      experiment_id: ['exp-1'],
      page_size: ['5'],
      sort_by: ['created_at desc'],
    });
    const json = io();
    expect(await runsCommand(['list', '--json', '--endpoint', server.url], json)).toBe(0);
    expect((JSON.parse(json.out) as V2beta1Run[]).map((r) => r.run_id)).toEqual(['run-2', 'run-1']);
    const missing = io();
    server.on('GET', '/apis/v2beta1/experiments', { json: {} });
    expect(
      await runsCommand(['list', '--experiment', 'nope', '--endpoint', server.url], missing),
    ).toBe(1);
    expect(missing.err).toMatch(/no experiment named 'nope'/);
  });

  it('gets a run with its tasks', async () => {
    serveRuns('FAILED');
    const out = io();
    expect(await runsCommand(['get', 'run-c', '--endpoint', server.url], out)).toBe(0);
    expect(out.out).toContain('state:       FAILED');
    expect(out.out).toContain(`link:        ${server.url}/#/runs/details/run-c`);
    expect(out.out).toMatch(/\n {2}count\s+FAILED\s+task-count\n/);
    expect(out.out).toContain('count: exit code 3');
  });

  it('waits for a run, exiting 0 only when it succeeded', async () => {
    serveRuns('RUNNING', 'SUCCEEDED');
    expect(await runsCommand(['wait', 'run-c', '--endpoint', server.url], io())).toBe(0);
    await server.close();
    server = await RecordingServer.start({ swagger: swaggerIfShared() });
    serveRuns('CANCELED');
    const out = io();
    expect(await runsCommand(['wait', 'run-c', '--endpoint', server.url], out)).toBe(1);
    expect(out.err).toContain('ended CANCELED');
  });

  it("prints a task's log, found by its name", async () => {
    serveRuns('SUCCEEDED');
    server.on('GET', '/apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs', (req) => ({
      chunks: req.query.follow ? ['a\n', 'b\n'] : ['all\n'],
    }));
    const out = io();
    expect(await runsCommand(['logs', 'run-c', 'greet', '--endpoint', server.url], out)).toBe(0);
    expect(out.out).toBe('all\n');
    expect(server.made('GET', '/apis/v2beta1/runs/run-c/tasks/task-greet/logs')).toHaveLength(1);
    const followed = io();
    expect(
      await runsCommand(['logs', 'run-c', 'greet', '-f', '--endpoint', server.url], followed),
    ).toBe(0);
    expect(followed.out).toBe('a\nb\n');
  });

  it('terminates and retries runs', async () => {
    server
      .on('POST', '/apis/v2beta1/runs/{run_id}:terminate', { json: {} })
      .on('POST', '/apis/v2beta1/runs/{run_id}:retry', { json: {} });
    const out = io();
    expect(await runsCommand(['terminate', 'run-c', '--endpoint', server.url], out)).toBe(0);
    expect(await runsCommand(['retry', 'run-c', '--endpoint', server.url], out)).toBe(0);
    expect(out.out).toContain('terminating run run-c');
    expect(out.out).toContain('retrying run run-c');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /apis/v2beta1/runs/run-c:terminate',
      'POST /apis/v2beta1/runs/run-c:retry',
    ]);
  });

  it("sends the engine's token from --data-dir, $PIPELAB_ENGINE_DATA, or the default data dir", async () => {
    server.on('POST', '/apis/v2beta1/runs/{run_id}:terminate', { json: {} });
    const data = mkdtempSync(path.join(tmpdir(), 'pipelab-data-'));
    writeFileSync(path.join(data, 'token'), 'sekrit\n', { mode: 0o600 });
    const engineHome = mkdtempSync(path.join(tmpdir(), 'pipelab-home-'));
    mkdirSync(path.join(engineHome, 'engine'));
    writeFileSync(path.join(engineHome, 'engine', 'token'), 'default-secret', { mode: 0o600 });
    const terminate = ['terminate', 'r', '--endpoint', server.url];
    expect(await runsCommand([...terminate, '--data-dir', data], io())).toBe(0);
    expect(await runsCommand(terminate, io({ PIPELAB_ENGINE_DATA: data }))).toBe(0);
    expect(await runsCommand(terminate, io({ PIPELAB_HOME: engineHome }))).toBe(0);
    // A configured token wins over the default data directory's.
    expect(
      await runsCommand(terminate, io({ PIPELAB_HOME: engineHome, PIPELAB_TOKEN: 'mine' })),
    ).toBe(0);
    // No token file anywhere: no header.
    expect(await runsCommand(terminate, io())).toBe(0);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer sekrit',
      'Bearer sekrit',
      'Bearer default-secret',
      'Bearer mine',
      undefined,
    ]);
  });

  it('exits 2 on wrong usage and 1 when the server refuses', async () => {
    server.on('GET', '/apis/v2beta1/runs/{run_id}', {
      status: 404,
      json: { code: 5, message: 'run nope not found' },
    });
    const usage = io();
    expect(await runsCommand(['frobnicate'], usage)).toBe(2);
    expect(usage.err).toMatch(/unknown runs command 'frobnicate'/);
    expect(await runsCommand([], io())).toBe(2);
    expect(await runsCommand(['get'], io())).toBe(2);
    expect(await runsCommand(['logs', 'r'], io())).toBe(2);
    const help = io();
    expect(await runsCommand(['list', '--help'], help)).toBe(0);
    expect(help.out).toMatch(/^Usage: pipelab runs/);
    const refused = io();
    expect(await runsCommand(['get', 'nope', '--endpoint', server.url], refused)).toBe(1);
    expect(refused.err).toMatch(/HTTP 404 \(NOT_FOUND\): run nope not found/);
  });
});
