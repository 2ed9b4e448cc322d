// The embedded engine's figures (no assertions): `node --import tsx test/bench/engine.bench.ts`.
//
// (a) Per-task overhead of a 3-task no-op pipeline (a chain, so tasks never overlap; caching
//     off). A task's own work is its process's wall time as the runner records it (attempt start
//     to end: spawn, Node's start-up, exit); the overhead is the run's end-to-end wall time minus
//     the tasks' own work, divided by 3 — everything the runner and the engine add: scheduling,
//     placeholders, files, events, database writes, and over HTTP the requests and polling.
//     Median of 10 runs, through the HTTP API (create run, poll until SUCCEEDED) and through the
//     runner directly, next to the peer figure: KFP's kfp.local SubprocessRunner spends
//     about 70 ms per task on this machine; the target is at most half (35 ms).
// (b) With 100,000 runs stored (inserted through the store in one transaction, over 4
//     experiments, by a child process so that the measuring process starts with a clean heap):
//     list runs (page of 50, created_at desc, one experiment), its next pages through page
//     tokens, and get run: p50/p95/p99 over HTTP on 127.0.0.1, against the targets of p95 under
//     20 ms and 5 ms. Also the query plans. The load average is printed: on a shared machine,
//     tails measure the neighbours too.
//
// The client is node:http with a keep-alive agent (one connection, as a session-based client
// such as kfp.Client keeps), in this process.
//
// Environment: BENCH_RUNS (default 100000), BENCH_REPEAT (default 10), BENCH_REQUESTS
// (default 300).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PipelineSpec } from '../../kernel-lib/src/compiler/spec';
import { startEngine, type EngineHandle } from '../../kernel-lib/src/engine';
import { executePipeline, type TaskResult } from '../../kernel-lib/src/engine/runner';
import { openStore } from '../../kernel-lib/src/engine/store';
import { experimentScopes, listStatements } from '../../kernel-lib/src/engine/store/list-query';
import { RUN_FIELDS } from '../../kernel-lib/src/engine/store/runs';

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const PEER_MS = 70;
const TARGET_MS = 35;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

const ms = (x: number): string => `${x.toFixed(2)} ms`;

/** Three chained no-op tasks, caching off. */
function noopChain(): PipelineSpec {
  const task = (name: string, after?: string) => ({
    taskInfo: { name },
    componentRef: { name: 'comp-noop' },
    cachingOptions: { enableCache: false },
    ...(after ? { dependentTasks: [after] } : {}),
  });
  return {
    pipelineInfo: { name: 'noop-chain' },
    components: { 'comp-noop': { executorLabel: 'exec-noop' } },
    deploymentSpec: {
      executors: { 'exec-noop': { container: { image: 'node:20', command: ['node', '-e', ''] } } },
    },
    root: { dag: { tasks: { a: task('a'), b: task('b', 'a'), c: task('c', 'b') } } },
    schemaVersion: '2.1.0',
    sdkVersion: 'pipelab-bench',
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One request to the engine; resolves with the status and the body text. */
function call(
  engine: EngineHandle,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${engine.url}${url}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${engine.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The tasks' own work: the sum of their attempts' wall times. */
function ownWork(attempts: { start: number; end: number }[]): number {
  return attempts.reduce((sum, a) => sum + (a.end - a.start), 0);
}

async function overheadDirect(): Promise<number[]> {
  const dir = tempDir('pipelab-bench-direct-');
  const spec = noopChain();
  const results: number[] = [];
  try {
    for (let i = -2; i < REPEAT; i++) {
      const start = performance.now();
      const result = await executePipeline(spec, { workDir: path.join(dir, `run-${i + 2}`) });
      const wall = performance.now() - start;
      if (result.state !== 'SUCCEEDED')
        throw new Error(`bench run ${result.state}: ${result.error}`);
      const attempts = Object.values(result.tasks).flatMap((t: TaskResult) =>
        t.attempts.map((a) => ({ start: a.startTime.getTime(), end: a.endTime?.getTime() ?? 0 })),
      );
      if (i >= 0) results.push((wall - ownWork(attempts)) / 3);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

interface ApiTask {
  attempts: { start_time: string; end_time?: string }[];
}

async function overheadHttp(): Promise<number[]> {
  const dataDir = tempDir('pipelab-bench-http-');
  const engine = await startEngine({ dataDir, port: 0, log: () => undefined });
  const spec = noopChain();
  const results: number[] = [];
  try {
    for (let i = -2; i < REPEAT; i++) {
      const start = performance.now();
      const created = await call(engine, 'POST', '/apis/v2beta1/runs', {
        display_name: `bench-${i}`,
        pipeline_spec: spec,
      });
      const { run_id: id } = JSON.parse(created.text) as { run_id: string };
      let state = '';
      while (!['SUCCEEDED', 'FAILED', 'CANCELED'].includes(state)) {
        const res = await call(engine, 'GET', `/apis/v2beta1/runs/${id}`);
        state = (JSON.parse(res.text) as { state: string }).state;
        if (state !== 'SUCCEEDED') await new Promise((r) => setTimeout(r, 1));
      }
      const wall = performance.now() - start;
      if (state !== 'SUCCEEDED') throw new Error(`bench run ${state}`);
      const attempts: { start: number; end: number }[] = [];
      for (const task of ['a', 'b', 'c']) {
        const res = await call(engine, 'GET', `/apis/v2beta1/runs/${id}/tasks/${task}`);
        for (const a of (JSON.parse(res.text) as ApiTask).attempts) {
          attempts.push({ start: Date.parse(a.start_time), end: Date.parse(a.end_time ?? '') });
        }
      }
      if (i >= 0) results.push((wall - ownWork(attempts)) / 3);
    }
  } finally {
    await engine.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

/** A realistic stored run: a small compiled spec, parameters, three states, two tasks. */
function seed(dataDir: string): number {
  const started = performance.now();
  const store = openStore(path.join(dataDir, 'pipelab.db'));
  const spec = JSON.stringify(noopChain());
  const experiments: string[] = [];
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  store.db.transaction(() => {
    store.experiments.ensureDefault(t0);
    for (let e = 0; e < 4; e++) {
      experiments.push(
        store.experiments.create({ display_name: `exp-${e}`, description: '' }, t0).id,
      );
    }
    for (let i = 0; i < RUNS; i++) {
      const created = t0 + i * 60_000;
      const id = `run-${String(i).padStart(6, '0')}-${(i * 2654435761) % 1e9}`;
      const experimentId = experiments[i % experiments.length] ?? '';
      store.runs.insert({
        id,
        display_name: `nightly ${i}`,
        description: '',
        experiment_id: experimentId,
        pipeline_id: '',
        pipeline_version_id: '',
        spec_inline: true,
        pipeline_spec: spec,
        parameters: JSON.stringify({ epochs: 25, window: 7 }),
        pipeline_root: '',
        service_account: '',
        created_at: created,
        scheduled_at: created,
        work_dir: path.join(dataDir, 'runs', id, 'attempt-1'),
      });
      store.runs.setState(id, 'RUNNING', created + 10);
      store.runs.setState(id, 'SUCCEEDED', created + 5000);
      store.experiments.touchLastRun(experimentId, created);
      for (const [n, name] of ['a', 'b'].entries()) {
        const time = new Date(created + 100 + n * 1000);
        store.tasks.upsert(
          id,
          {
            path: name,
            name,
            displayName: name,
            componentName: 'comp-noop',
            kind: 'container',
            taskId: `${id}-${name}`,
            podName: `${id}-${name}`,
            state: 'SUCCEEDED',
            createTime: new Date(created),
            startTime: time,
            endTime: new Date(time.getTime() + 900),
            attempts: [
              {
                attempt: 1,
                startTime: time,
                endTime: new Date(time.getTime() + 900),
                exitCode: 0,
                logPath: path.join(dataDir, 'runs', id, 'attempt-1', name, 'logs', 'attempt-1.log'),
              },
            ],
            inputs: { parameters: {}, artifacts: {} },
            outputs: { parameters: {}, artifacts: {} },
          },
          time.getTime() + 900,
        );
      }
    }
  })();
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return (performance.now() - started) / 1000;
}

/** Seeds `dataDir` in a child process (this script with `--seed`); returns the seconds it took. */
function seedInChild(dataDir: string): number {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--seed', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`seeding failed (${String(child.status)})`);
  return Number(child.stdout.trim());
}

/** The experiments (by name) and run ids of a seeded store. */
function seeded(dataDir: string): { experiments: string[]; runIds: string[] } {
  const store = openStore(path.join(dataDir, 'pipelab.db'));
  try {
    const experiments = (
      store.db
        .prepare(`SELECT id FROM experiments WHERE display_name LIKE 'exp-%' ORDER BY display_name`)
        .all() as { id: string }[]
    ).map((r) => r.id);
    const runIds = (store.db.prepare('SELECT id FROM runs').all() as { id: string }[]).map(
      (r) => r.id,
    );
    return { experiments, runIds };
  } finally {
    store.close();
  }
}

/** The query plans of the statements the store runs for these requests. */
function queryPlans(dataDir: string, experimentId: string): string[] {
  const store = openStore(path.join(dataDir, 'pipelab.db'));
  try {
    const plan = (sql: string, params: readonly unknown[]): string =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    const query = { predicates: [], sortKey: 'created_at', desc: true, pageSize: 50 };
    const first = listStatements('runs', RUN_FIELDS, experimentScopes(experimentId), query);
    const next = listStatements('runs', RUN_FIELDS, experimentScopes(experimentId), {
      ...query,
      after: { value: 0, seq: 0 },
    });
    return [
      `list page:   ${plan(first.pageSql, first.pageParams)}`,
      `next page:   ${plan(next.pageSql, next.pageParams)}`,
      `total_size:  ${plan(first.countSql, first.countParams)} (counted again after writes only)`,
      `get run:     ${plan('SELECT * FROM runs WHERE id = ?', ['x'])}`,
      `states:      ${plan('SELECT * FROM run_states WHERE run_id IN (?, ?) ORDER BY seq', ['x', 'y'])}`,
      `tasks:       ${plan('SELECT * FROM tasks WHERE run_id IN (?, ?) ORDER BY seq', ['x', 'y'])}`,
    ];
  } finally {
    store.close();
  }
}

async function timed(engine: EngineHandle, url: string): Promise<number> {
  const start = performance.now();
  const res = await call(engine, 'GET', url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.text}`);
  return performance.now() - start;
}

async function storeFigures(): Promise<void> {
  const dataDir = tempDir('pipelab-bench-store-');
  try {
    const seconds = seedInChild(dataDir);
    const { experiments, runIds } = seeded(dataDir);
    console.log(`  seeded ${RUNS} runs (3 states and 2 tasks each) in ${seconds.toFixed(1)} s`);
    for (const line of queryPlans(dataDir, experiments[1] ?? '')) console.log(`  plan ${line}`);
    const engine = await startEngine({ dataDir, port: 0, log: () => undefined });
    try {
      const experiment = experiments[1] ?? '';
      const list = `/apis/v2beta1/runs?experiment_id=${experiment}&page_size=50&sort_by=${encodeURIComponent('created_at desc')}`;
      for (let i = 0; i < 20; i++) {
        await timed(engine, list);
        await timed(engine, `/apis/v2beta1/runs/${runIds[i] ?? ''}`);
      }
      /** CPU milliseconds this process (client and engine) spent per request since `from`. */
      const cpuPerRequest = (from: NodeJS.CpuUsage, requests: number): number => {
        const used = process.cpuUsage(from);
        return (used.user + used.system) / 1000 / requests;
      };
      let cpu = process.cpuUsage();
      const listTimes: number[] = [];
      for (let i = 0; i < REQUESTS; i++) listTimes.push(await timed(engine, list));
      const listCpu = cpuPerRequest(cpu, REQUESTS);
      // Deeper pages through their tokens (keyset: as cheap as the first).
      const first = await call(engine, 'GET', list);
      let token = (JSON.parse(first.text) as { next_page_token?: string }).next_page_token ?? '';
      const pageTimes: number[] = [];
      cpu = process.cpuUsage();
      for (let i = 0; i < 100 && token !== ''; i++) {
        const start = performance.now();
        const next = await call(engine, 'GET', `${list}&page_token=${token}`);
        token = (JSON.parse(next.text) as { next_page_token?: string }).next_page_token ?? '';
        pageTimes.push(performance.now() - start);
      }
      const pageCpu = cpuPerRequest(cpu, pageTimes.length);
      const getTimes: number[] = [];
      cpu = process.cpuUsage();
      for (let i = 0; i < REQUESTS; i++) {
        const id = runIds[Math.floor(Math.random() * runIds.length)] ?? '';
        getTimes.push(await timed(engine, `/apis/v2beta1/runs/${id}`));
      }
      const getCpu = cpuPerRequest(cpu, REQUESTS);
      const row = (what: string, xs: number[], cpuMs: number, target: number): string =>
        `  ${what.padEnd(44)} p50 ${ms(percentile(xs, 50)).padStart(9)}  p95 ${ms(percentile(xs, 95)).padStart(9)}  p99 ${ms(percentile(xs, 99)).padStart(9)}  CPU ${ms(cpuMs).padStart(9)}/request  target p95 < ${target} ms: ${percentile(xs, 95) < target ? 'met' : 'NOT met'}`;
      console.log(row('list runs (50, created_at desc, 1 experiment)', listTimes, listCpu, 20));
      console.log(row(`  its next ${pageTimes.length} pages (page_token)`, pageTimes, pageCpu, 20));
      console.log(row('get run (random ids)', getTimes, getCpu, 5));
    } finally {
      await engine.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const seedArg = process.argv.indexOf('--seed');
  if (seedArg >= 0) {
    process.stdout.write(`${seed(process.argv[seedArg + 1] ?? '')}\n`);
    return;
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `Pipelab engine bench (Node ${process.version}, ${os.cpus().length} CPUs, load average ${load})`,
  );
  console.log(`(a) per-task overhead, 3 chained no-op tasks, median of ${REPEAT} runs:`);
  const direct = median(await overheadDirect());
  const http = median(await overheadHttp());
  for (const [what, value] of [
    ['through the HTTP API', http],
    ['through the runner directly', direct],
  ] as const) {
    console.log(
      `  ${what.padEnd(30)} ${ms(value).padStart(9)} per task  (kfp.local SubprocessRunner ≈ ${PEER_MS} ms: ratio ${(value / PEER_MS).toFixed(2)}; target ≤ ${TARGET_MS} ms: ${value <= TARGET_MS ? 'met' : 'NOT met'})`,
    );
  }
  console.log(`(b) ${RUNS} runs stored, ${REQUESTS} requests each over HTTP on 127.0.0.1:`);
  await storeFigures();
  const after = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(`load average at the end: ${after}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
