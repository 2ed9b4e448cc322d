/**
 * The model server's throughput and latency for single-instance predictions with many concurrent
 * clients (no assertions; the issue's target: at least 5,000 predictions/s with p99 under 10 ms
 * on 2 cores).
 *
 *   npx tsx test/bench/serving.bench.ts [--preset sample|default] [--model-dir <dir>]
 *       [--connections 32] [--seconds 10] [--loadgen wrk|node] [--engine javascript|tensorflow.js]
 *       [--max-batch-size n] [--json out.json]
 *
 * The server runs in this process (as inside the engine) with a trained model: a 1-epoch model
 * of the preset trained here (the weights do not change the cost of a prediction), or the Model
 * artifact given. The load comes from another process: `wrk` (Debian's package) when installed,
 * else a Node client (keep-alive agent, one socket per connection, closed-loop). Each request is
 * `POST /v1/models/chicago_crime:predict` with one instance. The run is repeated with batching on
 * and off; a warm-up precedes each measurement. `--engine` picks how the model is evaluated: the
 * server's default JavaScript fast path, or TensorFlow.js (the default backend here: WASM).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { train } from '../../kernel-lib/src/components/train/train';
import { startModelServer, trainedModelLoader } from '../../kernel-lib/src/serving';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'default' },
    'model-dir': { type: 'string' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    loadgen: { type: 'string' },
    engine: { type: 'string', default: 'javascript' },
    'max-batch-size': { type: 'string' },
    json: { type: 'string' },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);

interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

/** A closed-loop HTTP client in a child process: `connections` loops, one socket each. */
const NODE_LOADGEN = `
const http = require('node:http');
const [url, body, conns, secs] = process.argv.slice(1);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
const latencies = [];
let errors = 0;
const end = Date.now() + Number(secs) * 1000;
function one() {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname,
      method: 'POST', agent, headers: { 'content-type': 'application/json',
      'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) errors++;
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end(body);
  });
}
async function loop() { while (Date.now() < end) await one(); }
const started = Date.now();
Promise.all(Array.from({ length: Number(conns) }, loop)).then(() => {
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  process.stdout.write(JSON.stringify({ requests: latencies.length, errors,
    rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99) }));
  agent.destroy();
});
`;

function runNode(url: string, body: string, secs: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-e', NODE_LOADGEN, url, body, String(connections), String(secs)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (error) {
        reject(error);
      }
    });
  });
}

function wrkMs(text: string, label: string): number {
  const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

function runWrk(url: string, body: string, secs: number, dir: string): Promise<LoadResult> {
  const script = path.join(dir, 'predict.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = '${body}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      'wrk',
      [
        '-t1',
        `-c${connections}`,
        `-d${secs}s`,
        '--latency',
        '-s',
        script,
        `${url}/v1/models/chicago_crime:predict`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const socketErrors =
        /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const errors =
        non2xx + (socketErrors ? socketErrors.slice(1).reduce((s, v) => s + Number(v), 0) : 0);
      resolve({
        requests,
        errors,
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
        p50: wrkMs(out, '50'),
        p99: wrkMs(out, '99'),
      });
    });
  });
}

/**
 * The model's own cost, in this process without HTTP: microseconds of one instance, predicted in
 * batches of 32 as the batcher forms them under load (median of 5 rounds of 2,000 batches).
 */
async function printModelCost(modelDir: string, fastPath: boolean): Promise<void> {
  const predictor = await trainedModelLoader({ fastPath })(modelDir);
  try {
    const window = Array.from({ length: predictor.historyDays }, (_, i) => 700 + ((i * 37) % 90));
    const instance = predictor.needsDates ? { counts: window, day: '2022-02-13' } : window;
    const batch = Array.from({ length: 32 }, () => instance);
    const rounds: number[] = [];
    for (let round = 0; round < 6; round++) {
      const start = performance.now();
      for (let i = 0; i < 2000; i++) predictor.predict(batch);
      rounds.push(((performance.now() - start) * 1000) / (2000 * batch.length));
    }
    const timed = rounds.slice(1).sort((a, b) => a - b); // the first round warms up
    process.stdout.write(
      `model cost without HTTP (${predictor.engine}): ${(timed[2] as number).toFixed(1)} µs per ` +
        `instance in batches of 32\n`,
    );
  } finally {
    predictor.dispose?.();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'pipelab-serving-bench-'));
  const haveWrk = spawnSync('wrk', ['--version']).error === undefined;
  const loadgen = values.loadgen ?? (haveWrk ? 'wrk' : 'node');
  try {
    let modelDir = values['model-dir'];
    if (!modelDir) {
      modelDir = path.join(work, 'model');
      const days = Array.from({ length: 900 }, (_, i) =>
        new Date(Date.UTC(2019, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      );
      const counts = days.map((_, i) => Math.round(700 + 80 * Math.sin(i / 7) + (i % 13)));
      const result = await train({ days, counts }, { preset: values.preset, epochs: 1 });
      await result.save(modelDir);
      result.dispose();
    }
    const modelsDir = path.join(work, 'models');
    const setup = await startModelServer({ modelsDir, port: 0, pollIntervalMs: 0 });
    await setup.registry.deployVersion('chicago_crime', modelDir, { setDefault: true });
    await setup.close();

    process.stdout.write(
      `model server bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ` +
        `${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}; model: ${values['model-dir'] ?? `preset ${values.preset}`}; ` +
        `engine: ${values.engine}; load generator: ${loadgen}, ${connections} connections, ` +
        `${seconds} s per run\n`,
    );
    await printModelCost(modelDir, values.engine !== 'tensorflow.js');
    const rows: Record<string, LoadResult & { modelCalls: number; meanBatch: number }> = {};
    for (const batching of [true, false]) {
      const server = await startModelServer({
        modelsDir,
        port: 0,
        batching:
          batching && values['max-batch-size']
            ? { maxBatchSize: Number(values['max-batch-size']) }
            : batching,
        pollIntervalMs: 0,
        watch: false,
        fastPath: values.engine !== 'tensorflow.js',
      });
      const predictor = await fetch(`${server.url}/v1/models/chicago_crime/metadata`).then(
        (r) => r.json() as Promise<{ pipelab: { history_days: number; needs_dates: boolean } }>,
      );
      const window = Array.from(
        { length: predictor.pipelab.history_days },
        (_, i) => 700 + ((i * 37) % 90),
      );
      const instance = predictor.pipelab.needs_dates
        ? { counts: window, day: '2022-02-13' }
        : window;
      const body = JSON.stringify({ instances: [instance] });
      const run = (secs: number): Promise<LoadResult> =>
        loadgen === 'wrk'
          ? runWrk(server.url, body, secs, work)
          : runNode(`${server.url}/v1/models/chicago_crime:predict`, body, secs);
      await run(2); // warm-up: JIT, sockets, batch sizes settle
      const before = server.stats();
      const result = await run(seconds);
      const after = server.stats();
      const modelCalls = after.modelCalls - before.modelCalls;
      const meanBatch = (after.instances - before.instances) / Math.max(1, modelCalls);
      rows[batching ? 'batching on' : 'batching off'] = { ...result, modelCalls, meanBatch };
      await server.close();
    }
    process.stdout.write(
      'mode           req/s     p50 ms   p99 ms   errors   model calls   mean batch\n',
    );
    for (const [mode, r] of Object.entries(rows)) {
      process.stdout.write(
        `${mode.padEnd(13)} ${r.rps.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(7)}  ` +
          `${r.p99.toFixed(2).padStart(7)}  ${String(r.errors).padStart(7)}  ` +
          `${String(r.modelCalls).padStart(12)}  ${r.meanBatch.toFixed(1).padStart(11)}\n`,
      );
    }
    process.stdout.write('target: ≥ 5000 req/s, p99 < 10 ms (single-instance predictions)\n');
    if (values.json) writeFileSync(values.json, `${JSON.stringify(rows, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
