import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeLauncher,
  helloSpec,
  startTestEngine,
  swaggerContract,
  type Api,
  type TestEngine,
} from './helpers';

interface Experiment {
  experiment_id: string;
  display_name: string;
  description?: string;
  created_at: string;
  storage_state: string;
  last_run_created_at?: string;
}

describe('experiments API', () => {
  let t: TestEngine;
  let api: Api;
  const launcher = new FakeLauncher();

  beforeAll(async () => {
    t = await startTestEngine({ launcher });
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers healthz like KFP', async () => {
    const res = await api.get('/apis/v2beta1/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ multi_user: false, pipeline_store: 'database' });
  });

  it('has a Default experiment from the first start', async () => {
    const res = await api.get<{ experiments: Experiment[] }>('/apis/v2beta1/experiments', {
      filter: JSON.stringify({
        predicates: [{ operation: 1, key: 'display_name', stringValue: 'Default' }],
      }),
      namespace: '',
    });
    expect(res.status).toBe(200);
    expect(res.body.experiments).toHaveLength(1);
    expect(res.body.experiments[0]).toMatchObject({
      display_name: 'Default',
      description: 'All runs created without specifying an experiment will be grouped here.',
      storage_state: 'AVAILABLE',
    });
  });

  it('creates, gets and lists an experiment', async () => {
    const created = await api.post<Experiment>('/apis/v2beta1/experiments', {
      display_name: 'chicago',
      description: 'exp desc',
      namespace: '',
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      display_name: 'chicago',
      description: 'exp desc',
      storage_state: 'AVAILABLE',
    });
    expect(created.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const id = created.body.experiment_id;

    const got = await api.get<Experiment>(`/apis/v2beta1/experiments/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const found = await api.get<{ experiments: Experiment[]; total_size: number }>(
      '/apis/v2beta1/experiments',
      {
        filter: JSON.stringify({
          predicates: [{ operation: 'EQUALS', key: 'display_name', string_value: 'chicago' }],
        }),
      },
    );
    expect(found.body.total_size).toBe(1);
    expect(found.body.experiments[0]?.experiment_id).toBe(id);
  });

  it('accepts camelCase field names as protojson does', async () => {
    const res = await api.post<Experiment>('/apis/v2beta1/experiments', { displayName: 'camel' });
    expect(res.status).toBe(200);
    expect(res.body.display_name).toBe('camel');
  });

  it('refuses a duplicate name with ALREADY_EXISTS', async () => {
    await api.post('/apis/v2beta1/experiments', { display_name: 'dup' });
    const res = await api.post('/apis/v2beta1/experiments', { display_name: 'dup' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 6 });
    expect(String(res.body.message)).toContain("'dup'");
  });

  it('answers bad input with INVALID_ARGUMENT naming the field', async () => {
    const missing = await api.post('/apis/v2beta1/experiments', { description: 'no name' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: 3 });
    expect(JSON.stringify(missing.body.details)).toContain('experiment.display_name');

    const wrongType = await api.post('/apis/v2beta1/experiments', { display_name: 42 });
    expect(wrongType.status).toBe(400);
    expect(String(wrongType.body.message)).toContain('experiment.display_name must be a string');

    const unknown = await api.post('/apis/v2beta1/experiments', {
      display_name: 'x',
      colour: 'red',
    });
    expect(unknown.status).toBe(400);
    expect(String(unknown.body.message)).toContain('unknown field "colour"');

    const badJson = await api.request('POST', '/apis/v2beta1/experiments', {
      body: '{"display_name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ code: 3 });
    expect(String(badJson.body.message)).toContain('not valid JSON');

    const array = await api.request('POST', '/apis/v2beta1/experiments', { json: [1, 2] });
    expect(array.status).toBe(400);
  });

  it('answers unknown ids with NOT_FOUND', async () => {
    for (const res of [
      await api.get('/apis/v2beta1/experiments/nope'),
      await api.delete('/apis/v2beta1/experiments/nope'),
      await api.post('/apis/v2beta1/experiments/nope:archive'),
      await api.post('/apis/v2beta1/experiments/nope:unarchive'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 5 });
      expect(JSON.stringify(res.body.details)).toContain('ResourceInfo');
    }
  });

  it('archives and unarchives an experiment (archiving archives its runs)', async () => {
    const exp = await api.post<Experiment>('/apis/v2beta1/experiments', {
      display_name: 'to-archive',
    });
    const id = exp.body.experiment_id;
    const spec = helloSpec();
    const run = await api.post<{ run_id: string }>('/apis/v2beta1/runs', {
      display_name: 'r',
      experiment_id: id,
      pipeline_spec: spec,
    });
    expect(run.status).toBe(200);
    expect((await api.post(`/apis/v2beta1/experiments/${id}:archive`)).status).toBe(200);
    expect((await api.get<Experiment>(`/apis/v2beta1/experiments/${id}`)).body.storage_state).toBe(
      'ARCHIVED',
    );
    const archivedRun = await api.get<{ storage_state: string }>(
      `/apis/v2beta1/runs/${run.body.run_id}`,
    );
    expect(archivedRun.body.storage_state).toBe('ARCHIVED');
    const refused = await api.post('/apis/v2beta1/runs', {
      display_name: 'r2',
      experiment_id: id,
      pipeline_spec: spec,
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 9 });
    expect((await api.post(`/apis/v2beta1/experiments/${id}:unarchive`)).status).toBe(200);
    expect((await api.get<Experiment>(`/apis/v2beta1/experiments/${id}`)).body.storage_state).toBe(
      'AVAILABLE',
    );
    expect(
      (await api.get<Experiment>(`/apis/v2beta1/experiments/${id}`)).body.last_run_created_at,
    ).toBeDefined();
    launcher.run(run.body.run_id).finish('SUCCEEDED');
  });

  it('deletes an experiment but never the Default one', async () => {
    const exp = await api.post<Experiment>('/apis/v2beta1/experiments', {
      display_name: 'to-delete',
    });
    expect((await api.delete(`/apis/v2beta1/experiments/${exp.body.experiment_id}`)).status).toBe(
      200,
    );
    expect((await api.get(`/apis/v2beta1/experiments/${exp.body.experiment_id}`)).status).toBe(404);

    const list = await api.get<{ experiments: Experiment[] }>('/apis/v2beta1/experiments', {
      filter: JSON.stringify({
        predicates: [{ operation: 'EQUALS', key: 'display_name', stringValue: 'Default' }],
      }),
    });
    const defaultId = list.body.experiments[0]?.experiment_id ?? '';
    const refused = await api.delete(`/apis/v2beta1/experiments/${defaultId}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 9 });
  });

  it('checked every KFP response against the swagger', () => {
    if (swaggerContract() !== null) expect(api.validated).toBeGreaterThan(20);
  });

  it('answers an unknown path with NOT_FOUND and a wrong method with 405', async () => {
    const missing = await api.get('/apis/v2beta1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 5 });
    const method = await api.request('PUT', '/apis/v2beta1/experiments');
    expect(method.status).toBe(405);
  });
});
