/**
 * The server with the train step's real models (TensorFlow.js, tiny trainings): predictions over
 * HTTP — batched across concurrent requests — equal the loaded model's own; a calendar model
 * takes named inputs; forecasts start after the model's data; `pipelab-component serve` deploys a
 * Model artifact URI and serves it; the JavaScript fast path predicts what TensorFlow.js predicts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PredictInputError } from '../../kernel-lib/src/components/train/errors';
import { loadTrainedModel, type Predictor } from '../../kernel-lib/src/components/train/predictor';
import {
  serveMain,
  startModelServer,
  trainedModelLoader,
  type ModelServer,
  type ServingInput,
} from '../../kernel-lib/src/serving';
import { compileFastPredictor } from '../../kernel-lib/src/serving/fast-lstm';
import { trainTinyModel } from './support/models';
import { call } from './support/server';
import { removeTempDirs, tempDir } from './support/temp';

afterAll(removeTempDirs);

let sampleDir: string;
let defaultDir: string;
let server: ModelServer;
let sample: Predictor;

beforeAll(async () => {
  sampleDir = await trainTinyModel({ preset: 'sample' });
  defaultDir = await trainTinyModel({ preset: 'default' });
  sample = await loadTrainedModel(sampleDir);
  server = await startModelServer({
    modelsDir: path.join(tempDir('pipelab-real-'), 'models'),
    port: 0,
    log: () => undefined,
  });
  await server.registry.deployVersion('chicago_crime', sampleDir);
  await server.registry.deployVersion('chicago_default', defaultDir);
  await server.refresh();
});
afterAll(async () => {
  sample?.dispose();
  await server?.close();
});

const windowOf = (k: number): number[] =>
  Array.from({ length: 7 }, (_, i) => 600 + ((k * 31 + i * 17) % 300));

describe('real models', () => {
  it("serves the trained model's predictions, batched across concurrent requests", async () => {
    const windows = Array.from({ length: 24 }, (_, k) => windowOf(k));
    const expected = sample.predict(windows);
    const before = server.stats();
    const replies = await Promise.all(
      windows.map((w) => call(server, '/v1/models/chicago_crime:predict', { instances: [w] })),
    );
    replies.forEach((reply, k) => {
      expect(reply.status).toBe(200);
      expect((reply.body.predictions as number[])[0]).toBeCloseTo(expected[k] as number, 2);
    });
    const after = server.stats();
    expect(after.instances - before.instances).toBe(24);
    expect(after.modelCalls - before.modelCalls).toBeLessThan(24);
  });

  it('describes and serves a calendar model, which needs the predicted day', async () => {
    const meta = await call(server, '/v1/models/chicago_default/metadata');
    expect(meta.body.pipelab).toMatchObject({ history_days: 28, needs_dates: true });
    expect((meta.body.pipelab as { model_card: { preset: string } }).model_card.preset).toBe(
      'default',
    );
    const counts = Array.from({ length: 28 }, (_, i) => 700 + (i % 7) * 20);
    const reply = await call(server, '/v1/models/chicago_default:predict', {
      instances: [{ counts, day: '2017-05-15' }],
    });
    expect(reply.status).toBe(200);
    expect((reply.body.predictions as number[])[0]).toBeGreaterThan(0);
    const bare = await call(server, '/v1/models/chicago_default:predict', { instances: [counts] });
    expect(bare.status).toBe(400);
  });

  it('forecasts the days after the data the model was trained on', async () => {
    const card = JSON.parse(readFileSync(path.join(defaultDir, 'model_card.json'), 'utf8')) as {
      data: { lastDay: string };
    };
    const { status, body } = await call(server, '/v1/models/chicago_default:forecast?days=3');
    expect(status).toBe(200);
    expect((body.history as { last_day: string }).last_day).toBe(card.data.lastDay);
    const forecasts = body.forecasts as { day: string; count: number }[];
    expect(forecasts).toHaveLength(3);
    expect(String(forecasts[0]?.day) > card.data.lastDay).toBe(true);
    for (const f of forecasts) expect(f.count).toBeGreaterThan(0);
  });

  it('pipelab-component serve deploys a Model artifact URI and serves it until stopped', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const stop = new AbortController();
    let url = '';
    let listening: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const exited = serveMain(
      [
        '--models-dir',
        path.join(tempDir('pipelab-serve-'), 'models'),
        '--port',
        '0',
        '--model-name',
        'chicago_crime',
        '--model-uri',
        pathToFileURL(sampleDir).href,
        '--version',
        '4',
      ],
      {
        stdout,
        stderr: new PassThrough(),
        env: {},
        signal: stop.signal,
        onListening: (u) => {
          url = u;
          listening();
        },
      },
    );
    await ready;
    const response = await fetch(`${url}/v1/models/chicago_crime/versions/4:predict`, {
      method: 'POST',
      body: JSON.stringify({ instances: [windowOf(1)] }),
    });
    expect(response.status).toBe(200);
    stop.abort();
    expect(await exited).toBe(0);
    expect(out).toMatch(/deployed file:\/\/.* as chicago_crime version 4/);
    expect(out).toMatch(/model server stopped/);
  });

  it('serve rejects bad arguments with exit code 2', async () => {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    expect(await serveMain(['--port', 'x'], { stdout: new PassThrough(), stderr, env: {} })).toBe(
      2,
    );
    expect(err).toMatch(/--port must be a non-negative integer/);
    expect(await serveMain(['--bogus'], { stdout: new PassThrough(), stderr, env: {} })).toBe(2);
  });
});

describe('the JavaScript fast path', () => {
  const dated = (k: number, days: number): ServingInput => ({
    counts: Array.from({ length: days + (k % 5) }, (_, i) => 300 + ((k * 53 + i * 29) % 700)),
    day: `20${String(10 + (k % 12)).padStart(2, '0')}-${String(1 + (k % 12)).padStart(2, '0')}-${String(1 + ((k * 7) % 28)).padStart(2, '0')}`,
  });

  it('predicts what TensorFlow.js predicts, for both presets (hard_sigmoid and sigmoid gates)', async () => {
    for (const [dir, needsDates] of [
      [sampleDir, false],
      [defaultDir, true],
    ] as const) {
      const tfjs = await loadTrainedModel(dir);
      const compiled = compileFastPredictor(tfjs);
      expect(compiled.reason).toBeUndefined();
      const fast = compiled.predictor;
      const inputs = Array.from({ length: 60 }, (_, k) =>
        needsDates
          ? dated(k, tfjs.historyDays)
          : (dated(k, tfjs.historyDays) as { counts: number[] }).counts,
      );
      const want = tfjs.predict(inputs);
      const got = fast?.predict(inputs) ?? [];
      inputs.forEach((_, k) => {
        expect(Math.abs((got[k] as number) - (want[k] as number))).toBeLessThan(
          1e-3 * Math.max(1, Math.abs(want[k] as number)),
        );
      });
      tfjs.dispose();
    }
  });

  it('forecasts what TensorFlow.js forecasts, without calling TensorFlow.js', async () => {
    for (const dir of [sampleDir, defaultDir]) {
      const tfjs = await loadTrainedModel(dir);
      const fast = compileFastPredictor(tfjs).predictor;
      expect(fast).toBeDefined();
      // 60 days ending on 2021-12-28: the forecast crosses the new year.
      const history = Array.from({ length: 60 }, (_, i) => ({
        day: new Date(Date.UTC(2021, 9, 30 + i)).toISOString().slice(0, 10),
        count: 400 + ((i * 37) % 350),
      }));
      const want = tfjs.forecast(history, 10);
      const calls = { predict: vi.spyOn(tfjs, 'predict'), forecast: vi.spyOn(tfjs, 'forecast') };
      const got = fast?.forecast(history, 10) ?? [];
      expect(calls.predict).not.toHaveBeenCalled();
      expect(calls.forecast).not.toHaveBeenCalled();
      expect(got).toHaveLength(10);
      want.forEach((w, k) => {
        expect(Math.abs((got[k] as number) - w)).toBeLessThan(1e-3 * Math.max(1, Math.abs(w)));
      });
      expect(fast?.forecast(history, 0)).toEqual([]);
      expect(() => fast?.forecast(history, 1.5)).toThrow(PredictInputError);
      tfjs.dispose();
    }
  });

  it('is what the server uses by default, and can be turned off', async () => {
    const meta = await call(server, '/v1/models/chicago_default/metadata');
    expect((meta.body.pipelab as { engine: string }).engine).toBe('javascript');
    const plain = await trainedModelLoader({ fastPath: false })(sampleDir);
    expect(plain.engine).toBe('tensorflow.js');
    plain.dispose?.();
  });

  it('refuses a model it does not reproduce, and checks inputs as the predictor does', async () => {
    const tfjs = await loadTrainedModel(defaultDir);
    const skewed = Object.create(tfjs) as Predictor;
    Object.defineProperty(skewed, 'predict', {
      value: (inputs: ServingInput[]) => tfjs.predict(inputs).map((v) => v + 1),
    });
    expect(compileFastPredictor(skewed).reason).toMatch(/where TensorFlow.js predicts/);
    const fast = compileFastPredictor(tfjs).predictor;
    expect(() => fast?.predict([[1, 2, 3]])).toThrow(PredictInputError);
    expect(() => fast?.predict([new Array(28).fill(500)])).toThrow(/give \{ counts, day \}/);
    tfjs.dispose();
  });
});
