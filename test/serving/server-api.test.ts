/**
 * The server's REST API against TensorFlow Serving's shapes: model and version status, metadata,
 * predict in row and columnar formats (by default, version and label), errors as `{"error"}`, and
 * Pipelab's additions (forecast, rollback, model list, health).
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFakeModel } from './support/fake-model';
import { call, startFakeServer, type FakeServer } from './support/server';
import { removeTempDirs } from './support/temp';

afterAll(removeTempDirs);

let fake: FakeServer;
const history = Array.from({ length: 10 }, (_, i) => ({
  day: `2022-02-${String(i + 3).padStart(2, '0')}`,
  count: 500 + i,
}));

beforeAll(async () => {
  fake = await startFakeServer();
  await fake.deploy('chicago_crime', { value: 100, history });
  await fake.deploy('chicago_crime', { value: 200 });
  await fake.server.registry.setLabel('chicago_crime', 'canary', 2);
  await fake.deploy('dated', { value: 7, historyDays: 2, needsDates: true });
});
afterAll(() => fake?.server.close());

describe('model status (GET /v1/models/{name}[/versions/{v}])', () => {
  it('lists every version with its state, newest first, as TF Serving', async () => {
    const { status, body } = await call(fake.server, '/v1/models/chicago_crime');
    expect(status).toBe(200);
    expect(body.model_version_status).toEqual([
      { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
    ]);
    expect(body.pipelab).toMatchObject({
      default_version: '1',
      serving_version: '1',
      labels: { canary: '2' },
    });
  });

  it('answers for one version or label', async () => {
    const one = await call(fake.server, '/v1/models/chicago_crime/versions/2');
    expect(one.body.model_version_status).toEqual([
      { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
    ]);
    const labelled = await call(fake.server, '/v1/models/chicago_crime/labels/canary');
    expect((labelled.body.model_version_status as { version: string }[])[0]?.version).toBe('2');
  });

  it('404s unknown models and versions with TF Serving messages', async () => {
    expect(await call(fake.server, '/v1/models/nope')).toEqual({
      status: 404,
      body: { error: 'Could not find any versions of model nope' },
    });
    expect(await call(fake.server, '/v1/models/chicago_crime/versions/9')).toEqual({
      status: 404,
      body: { error: 'Could not find version 9 of model chicago_crime' },
    });
  });
});

describe('metadata (GET …/metadata)', () => {
  it('describes the serving signature', async () => {
    const { status, body } = await call(fake.server, '/v1/models/chicago_crime/metadata');
    expect(status).toBe(200);
    expect(body.model_spec).toEqual({ name: 'chicago_crime', signature_name: '', version: '1' });
    const signature = (body.metadata as Record<string, Record<string, Record<string, unknown>>>)
      .signature_def?.signature_def?.serving_default as Record<string, unknown>;
    expect(signature.method_name).toBe('tensorflow/serving/predict');
    expect(signature.inputs).toEqual({
      counts: {
        dtype: 'DT_FLOAT',
        tensor_shape: {
          dim: [
            { size: '-1', name: '' },
            { size: '3', name: '' },
          ],
          unknown_rank: false,
        },
        name: 'serving_default_counts:0',
      },
    });
    expect(Object.keys(signature.outputs as object)).toEqual(['count']);
    expect(body.pipelab).toMatchObject({ history_days: 3, needs_dates: false });
    const dated = await call(fake.server, '/v1/models/dated/versions/1/metadata');
    expect(
      Object.keys(
        (dated.body.metadata as never)['signature_def']['signature_def']['serving_default'][
          'inputs'
        ],
      ),
    ).toEqual(['counts', 'day']);
  });
});

describe('predict (POST …:predict)', () => {
  it('answers {"predictions"} for row-format instances, from the default version', async () => {
    expect(
      await call(fake.server, '/v1/models/chicago_crime:predict', {
        instances: [
          [1, 2, 3],
          [4, 5, 6000],
        ],
      }),
    ).toEqual({
      status: 200,
      body: { predictions: [100.003, 106] },
    });
  });

  it('routes to a version or a label', async () => {
    const v2 = await call(fake.server, '/v1/models/chicago_crime/versions/2:predict', {
      instances: [[0, 0, 0]],
    });
    expect(v2.body).toEqual({ predictions: [200] });
    const canary = await call(fake.server, '/v1/models/chicago_crime/labels/canary:predict', {
      instances: [[0, 0, 0]],
    });
    expect(canary.body).toEqual({ predictions: [200] });
  });

  it('answers {"outputs"} for the columnar format', async () => {
    expect(
      (await call(fake.server, '/v1/models/chicago_crime:predict', { inputs: [[0, 0, 1000]] }))
        .body,
    ).toEqual({
      outputs: [101],
    });
    const dated = await call(fake.server, '/v1/models/dated:predict', {
      inputs: { counts: [[1, 2]], day: ['2022-02-13'] },
    });
    expect(dated.body).toEqual({ outputs: [7.002] });
  });

  it('answers bad requests with 400 and a TF Serving error body', async () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /^JSON Parse error/],
      [{ instances: [[1, 2]] }, /the model needs the previous 3 days/],
      [{ instances: 'x' }, /non-empty array/],
      [{ instances: [[1, 2, 3]], signature_name: 'classify' }, /not found in signature def/],
    ];
    for (const [body, message] of cases) {
      const reply = await call(fake.server, '/v1/models/chicago_crime:predict', body);
      expect(reply.status).toBe(400);
      expect(Object.keys(reply.body)).toEqual(['error']);
      expect(reply.body.error).toMatch(message);
    }
    const needsDay = await call(fake.server, '/v1/models/dated:predict', { instances: [[1, 2]] });
    expect(needsDay.status).toBe(400);
    expect(needsDay.body.error).toMatch(/calendar features/);
    const empty = await call(fake.server, '/v1/models/chicago_crime:predict', '');
    expect(empty.status).toBe(400);
  });

  it('404s unknown models, versions and labels; 400s versions that are not numbers', async () => {
    expect(await call(fake.server, '/v1/models/nope:predict', { instances: [[1, 2, 3]] })).toEqual({
      status: 404,
      body: { error: 'Servable not found for request: Latest(nope)' },
    });
    expect(
      await call(fake.server, '/v1/models/chicago_crime/versions/5:predict', {
        instances: [[1, 2, 3]],
      }),
    ).toEqual({
      status: 404,
      body: { error: 'Servable not found for request: Specific(chicago_crime, 5)' },
    });
    const label = await call(fake.server, '/v1/models/chicago_crime/labels/stable:predict', {
      instances: [[1, 2, 3]],
    });
    expect(label).toEqual({
      status: 404,
      body: { error: 'Unrecognized servable version label: stable' },
    });
    const bad = await call(fake.server, '/v1/models/chicago_crime/versions/v2:predict', {
      instances: [[1, 2, 3]],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/Failed to convert version: v2/);
  });

  it('answers malformed paths and methods like TF Serving', async () => {
    expect(await call(fake.server, '/v1/models/chicago_crime:explode', {})).toEqual({
      status: 404,
      body: { error: 'Malformed request: POST /v1/models/chicago_crime:explode' },
    });
    expect((await call(fake.server, '/v1/models/chicago_crime:predict')).status).toBe(404);
    expect((await call(fake.server, '/v2/whatever')).status).toBe(404);
    expect((await call(fake.server, '/v1/models/chicago_crime:classify', {})).status).toBe(400);
  });

  it('refuses bodies over the limit with 413', async () => {
    const small = await startFakeServer({ maxBodyBytes: 1024 });
    try {
      await small.deploy('m', { value: 1 });
      const reply = await call(small.server, '/v1/models/m:predict', {
        instances: [new Array(2000).fill(1)],
      });
      expect(reply.status).toBe(413);
      expect(reply.body.error).toMatch(/exceeds 1024 bytes/);
    } finally {
      await small.server.close();
    }
  });
});

describe("Pipelab's additions", () => {
  it('forecasts the next days from the history stored with the version (GET)', async () => {
    const { status, body } = await call(fake.server, '/v1/models/chicago_crime:forecast?days=2');
    expect(status).toBe(200);
    expect(body).toEqual({
      model_spec: { name: 'chicago_crime', version: '1' },
      history: { source: 'server', first_day: '2022-02-10', last_day: '2022-02-12', days: 3 },
      forecasts: [
        { day: '2022-02-13', count: 100 },
        { day: '2022-02-14', count: 101 },
      ],
    });
  });

  it('forecasts from a history in the request (POST)', async () => {
    const points = await call(fake.server, '/v1/models/chicago_crime/versions/2:forecast', {
      days: 1,
      history: [
        { day: '2024-02-28', count: 1 },
        { day: '2024-02-29', count: 2 },
        { day: '2024-03-01', count: 3 },
      ],
    });
    expect(points.body.forecasts).toEqual([{ day: '2024-03-02', count: 200 }]);
    const counts = await call(fake.server, '/v1/models/chicago_crime:forecast', {
      counts: [1, 2, 3],
      last_day: '2021-12-31',
    });
    expect(counts.body.history).toEqual({
      source: 'request',
      first_day: '2021-12-29',
      last_day: '2021-12-31',
      days: 3,
    });
    expect(counts.body.forecasts).toEqual([{ day: '2022-01-01', count: 100 }]);
  });

  it('explains bad forecast requests and a missing history', async () => {
    expect(
      (await call(fake.server, '/v1/models/chicago_crime:forecast?days=0')).body.error,
    ).toMatch(/"days" must be an integer from 1 to 366/);
    const gap = await call(fake.server, '/v1/models/chicago_crime:forecast', {
      history: [
        { day: '2022-01-01', count: 1 },
        { day: '2022-01-03', count: 1 },
        { day: '2022-01-04', count: 1 },
      ],
    });
    expect(gap.status).toBe(400);
    expect(gap.body.error).toMatch(/consecutive/);
    const short = await call(fake.server, '/v1/models/chicago_crime:forecast', {
      counts: [1],
      last_day: '2022-01-01',
    });
    expect(short.body.error).toMatch(
      /1 days of history given; the model needs the previous 3 days/,
    );
    const none = await call(fake.server, '/v1/models/chicago_crime/versions/2:forecast');
    expect(none.status).toBe(503);
    expect(none.body.error).toMatch(/no recent daily totals/);
  });

  it('reads the stored history once per loaded version, again once the version is replaced', async () => {
    const local = await startFakeServer();
    const days = (first: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        day: `2022-03-${String(first + i).padStart(2, '0')}`,
        count: 10 * (i + 1),
      }));
    try {
      await local.deploy('m', { value: 1, history: days(1, 5) });
      const first = await call(local.server, '/v1/models/m:forecast');
      expect(first.body.history).toMatchObject({ source: 'server', last_day: '2022-03-05' });
      // The loaded version's files do not change under it: a file changed by hand is not re-read.
      const dir = (await local.server.registry.getVersion('m', 1)).dir;
      writeFileSync(path.join(dir, 'history.json'), JSON.stringify(days(20, 5)));
      const again = await call(local.server, '/v1/models/m:forecast?days=3');
      expect(again.body.history).toEqual(first.body.history);
      // Replacing the version reloads it, and its history with it.
      await local.server.registry.deployVersion(
        'm',
        writeFakeModel(path.join(local.root, 'replacement'), { value: 1, history: days(10, 4) }),
        { version: 1, replaceExisting: true },
      );
      await local.server.refresh();
      const replaced = await call(local.server, '/v1/models/m:forecast');
      expect(replaced.body.history).toMatchObject({
        first_day: '2022-03-11',
        last_day: '2022-03-13',
      });
    } finally {
      await local.server.close();
    }
  });

  it('rolls back over HTTP and answers with the new default', async () => {
    const local = await startFakeServer();
    try {
      await local.deploy('m', { value: 1 });
      await local.deploy('m', { value: 2 }, { setDefault: true });
      expect(
        (await call(local.server, '/v1/models/m:predict', { instances: [[0, 0, 0]] })).body,
      ).toEqual({ predictions: [2] });
      expect(await call(local.server, '/v1/models/m:rollback', '')).toEqual({
        status: 200,
        body: { model: 'm', from_version: '2', default_version: '1' },
      });
      expect(
        (await call(local.server, '/v1/models/m:predict', { instances: [[0, 0, 0]] })).body,
      ).toEqual({ predictions: [1] });
      const none = await call(local.server, '/v1/models/m:rollback', {});
      expect(none.status).toBe(409);
      expect(none.body.error).toMatch(/no earlier default/);
      expect(
        (await call(local.server, '/v1/models/m:rollback', { version: 2 })).body.default_version,
      ).toBe('2');
      expect((await call(local.server, '/v1/models/m:rollback', { version: 'x' })).status).toBe(
        400,
      );
    } finally {
      await local.server.close();
    }
    const locked = await startFakeServer({ allowRollback: false });
    try {
      await locked.deploy('m', { value: 1 });
      expect((await call(locked.server, '/v1/models/m:rollback', {})).status).toBe(403);
    } finally {
      await locked.server.close();
    }
  });

  it('lists models and reports health and readiness', async () => {
    const { body } = await call(fake.server, '/v1/models');
    expect((body.models as { name: string }[]).map((m) => m.name)).toEqual([
      'chicago_crime',
      'dated',
    ]);
    expect(await call(fake.server, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await call(fake.server, '/readyz')).status).toBe(200);
    const empty = await startFakeServer();
    try {
      expect((await call(empty.server, '/readyz')).status).toBe(503);
    } finally {
      await empty.server.close();
    }
  });
});
