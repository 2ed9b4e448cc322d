import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeLauncher,
  helloSpec,
  startTestEngine,
  swaggerContract,
  type Api,
  type TestEngine,
} from './helpers';

interface Run {
  run_id: string;
  display_name: string;
  created_at: string;
  state: string;
  storage_state: string;
  experiment_id: string;
}
interface RunList {
  runs?: Run[];
  total_size?: number;
  next_page_token?: string;
}

const RUNS = '/apis/v2beta1/runs';
const T0 = Date.parse('2024-03-01T10:00:00Z');
const filter = (...predicates: Record<string, unknown>[]): string => JSON.stringify({ predicates });

describe('list semantics: filter, sort_by, page_size, page_token', () => {
  let t: TestEngine;
  let api: Api;
  let now = T0;
  const launcher = new FakeLauncher();
  const names = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
  const ids: Record<string, string> = {};
  let experimentId = '';

  const list = async (query: Record<string, string>): Promise<RunList> => {
    const res = await api.get<RunList>(RUNS, query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const namesOf = (body: RunList): string[] => (body.runs ?? []).map((r) => r.display_name);

  beforeAll(async () => {
    launcher.autoStart = false;
    t = await startTestEngine({ launcher, clock: () => new Date(now) });
    api = t.api;
    experimentId = (
      await api.post<{ experiment_id: string }>('/apis/v2beta1/experiments', {
        display_name: 'list-exp',
      })
    ).body.experiment_id;
    for (const [i, name] of names.entries()) {
      now = T0 + i * 60_000;
      const res = await api.post<Run>(RUNS, {
        display_name: name,
        pipeline_spec: helloSpec(),
        ...(i % 2 === 0 ? { experiment_id: experimentId } : {}),
      });
      ids[name] = res.body.run_id;
    }
    launcher.run(ids.alpha ?? '').finish('SUCCEEDED');
    launcher.run(ids.bravo ?? '').finish('FAILED', 'x');
    await api.post(`${RUNS}/${ids.echo}:archive`);
    await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => {
    await t.close();
  });

  it('sorts by created_at ascending by default, and as sort_by asks', async () => {
    expect(namesOf(await list({}))).toEqual(names);
    expect(namesOf(await list({ sort_by: '' }))).toEqual(names);
    expect(namesOf(await list({ sort_by: 'created_at desc' }))).toEqual([...names].reverse());
    expect(namesOf(await list({ sort_by: 'display_name' }))).toEqual([...names].sort());
    expect(namesOf(await list({ sort_by: 'name DESC' }))).toEqual([...names].sort().reverse());
    expect(namesOf(await list({ sort_by: 'display_name asc' }))).toEqual([...names].sort());
  });

  it('refuses an unknown sort field or a malformed sort_by', async () => {
    for (const sortBy of ['colour', 'created_at sideways', 'a b c']) {
      const res = await api.get(RUNS, { sort_by: sortBy });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 3 });
      expect(JSON.stringify(res.body.details)).toContain('sort_by');
    }
  });

  it('pages with stable opaque tokens that carry the sort and filter', async () => {
    const first = await list({ page_size: '2', sort_by: 'display_name' });
    expect(namesOf(first)).toEqual(['alpha', 'bravo']);
    expect(first.total_size).toBe(5);
    expect(first.next_page_token).toBeTruthy();

    now = T0 + 3600_000;
    const late = await api.post<Run>(RUNS, {
      display_name: 'aardvark',
      pipeline_spec: helloSpec(),
    });
    const second = await list({ page_size: '2', page_token: first.next_page_token ?? '' });
    expect(namesOf(second)).toEqual(['charlie', 'delta']);
    const again = await list({
      page_size: '2',
      page_token: first.next_page_token ?? '',
      sort_by: 'display_name',
    });
    expect(namesOf(again)).toEqual(['charlie', 'delta']);
    const third = await list({ page_size: '2', page_token: second.next_page_token ?? '' });
    expect(namesOf(third)).toEqual(['echo']);
    expect(third.next_page_token).toBeUndefined();
    await api.delete(`${RUNS}/${late.body.run_id}`);

    const filtered = await list({
      page_size: '1',
      filter: filter({ operation: 'NOT_EQUALS', key: 'display_name', stringValue: 'alpha' }),
    });
    expect(namesOf(filtered)).toEqual(['delta']);
    expect(filtered.total_size).toBe(4);
    const next = await list({ page_size: '10', page_token: filtered.next_page_token ?? '' });
    expect(namesOf(next)).toEqual(['echo', 'charlie', 'bravo']);
  });

  it('refuses bad page tokens and page sizes', async () => {
    const first = await list({ page_size: '2' });
    const mismatch = await api.get(RUNS, {
      page_token: first.next_page_token ?? '',
      sort_by: 'display_name',
    });
    expect(mismatch.status).toBe(400);
    expect(String(mismatch.body.message)).toContain('does not match');
    for (const token of ['garbage', Buffer.from('{"v":1}').toString('base64url')]) {
      const res = await api.get(RUNS, { page_token: token });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.details)).toContain('page_token');
    }
    const otherResource = await api.get('/apis/v2beta1/experiments', {
      page_token: first.next_page_token ?? '',
    });
    expect(otherResource.status).toBe(400);
    for (const size of ['-1', 'ten', '1.5']) {
      const res = await api.get(RUNS, { page_size: size });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.details)).toContain('page_size');
    }
    expect(namesOf(await list({ page_size: '0' }))).toHaveLength(5);
    expect(namesOf(await list({ page_size: '100000' }))).toHaveLength(5);
  });

  it('filters with every operation, by name or number, camelCase or snake_case', async () => {
    expect(
      namesOf(
        await list({ filter: filter({ operation: 1, key: 'display_name', stringValue: 'alpha' }) }),
      ),
    ).toEqual(['alpha']);
    expect(
      namesOf(
        await list({ filter: filter({ operation: 'EQUALS', key: 'name', string_value: 'bravo' }) }),
      ),
    ).toEqual(['bravo']);
    expect(
      namesOf(
        await list({ filter: filter({ operation: 2, key: 'display_name', stringValue: 'alpha' }) }),
      ),
    ).toHaveLength(4);
    const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
    expect(
      namesOf(
        await list({
          filter: filter({ operation: 'GREATER_THAN', key: 'created_at', timestampValue: at(2) }),
        }),
      ),
    ).toEqual(['charlie', 'bravo']);
    expect(
      namesOf(
        await list({
          filter: filter({
            operation: 'GREATER_THAN_EQUALS',
            key: 'created_at',
            timestamp_value: at(2),
          }),
        }),
      ),
    ).toEqual(['echo', 'charlie', 'bravo']);
    expect(
      namesOf(
        await list({
          filter: filter({
            operation: 'LESS_THAN',
            key: 'created_at',
            longValue: String((T0 + 60_000) / 1000),
          }),
        }),
      ),
    ).toEqual(['delta']);
    expect(
      namesOf(
        await list({
          filter: filter({ operation: 6, key: 'created_at', long_value: (T0 + 60_000) / 1000 }),
        }),
      ),
    ).toEqual(['delta', 'alpha']);
    expect(
      namesOf(
        await list({
          filter: filter({
            operation: 'IN',
            key: 'display_name',
            stringValues: { values: ['echo', 'alpha', 'zulu'] },
          }),
        }),
      ),
    ).toEqual(['alpha', 'echo']);
    expect(
      namesOf(
        await list({
          filter: filter({ operation: 'IS_SUBSTRING', key: 'display_name', stringValue: 'L' }),
        }),
      ),
    ).toEqual(['delta', 'alpha', 'charlie']);
    expect(
      namesOf(
        await list({ filter: filter({ operation: 8, key: 'display_name', stringValue: '%' }) }),
      ),
    ).toEqual([]);
    expect(
      namesOf(
        await list({
          filter: filter({ operation: 'EQUALS', key: 'state', stringValue: 'SUCCEEDED' }),
        }),
      ),
    ).toEqual(['alpha']);
    expect(
      namesOf(
        await list({
          filter: filter({
            operation: 'IN',
            key: 'state',
            string_values: { values: ['FAILED', 'SUCCEEDED'] },
          }),
        }),
      ),
    ).toEqual(['alpha', 'bravo']);
    expect(
      namesOf(
        await list({
          filter: filter({ operation: 'EQUALS', key: 'storage_state', stringValue: 'ARCHIVED' }),
        }),
      ),
    ).toEqual(['echo']);
    expect(
      namesOf(
        await list({
          filter: filter({
            operation: 'EQUALS',
            key: 'storage_state',
            stringValue: 'STORAGESTATE_AVAILABLE',
          }),
        }),
      ),
    ).toHaveLength(4);
    expect(
      namesOf(
        await list({
          filter: filter({ operation: 'EQUALS', key: 'experiment_id', stringValue: experimentId }),
        }),
      ),
    ).toEqual(['delta', 'echo', 'bravo']);
    const both = await list({
      filter: filter(
        { operation: 'EQUALS', key: 'experiment_id', stringValue: experimentId },
        { operation: 'NOT_EQUALS', key: 'display_name', stringValue: 'echo' },
      ),
    });
    expect(namesOf(both)).toEqual(['delta', 'bravo']);
    expect(both.total_size).toBe(2);
    expect(
      namesOf(
        await list({
          filter: encodeURIComponent(
            filter({ operation: 1, key: 'display_name', stringValue: 'echo' }),
          ),
        }),
      ),
    ).toEqual(['echo']);
  });

  it('lists by experiment_id, as the KFP client sends it', async () => {
    const body = await list({
      experiment_id: experimentId,
      filter: JSON.stringify({
        predicates: [{ operation: 'EQUALS', key: 'display_name', stringValue: 'delta' }],
      }),
      page_size: '5',
      page_token: '',
      sort_by: 'created_at desc',
    });
    expect(namesOf(body)).toEqual(['delta']);
    expect(
      namesOf(await list({ experiment_id: experimentId, sort_by: 'created_at desc' })),
    ).toEqual(['bravo', 'echo', 'delta']);
    expect(
      namesOf(await list({ namespace: '', page_size: '10', page_token: '', sort_by: '' })),
    ).toEqual(names);
  });

  it('answers an empty page as KFP does: without the empty fields', async () => {
    const res = await api.get(RUNS, {
      filter: filter({ operation: 'EQUALS', key: 'display_name', stringValue: 'nobody' }),
    });
    expect(res.body).toEqual({});
  });

  it('refuses bad filters with INVALID_ARGUMENT naming the filter', async () => {
    const bad = [
      'not json',
      filter({ operation: 'EQUALS', key: 'colour', stringValue: 'x' }),
      filter({ operation: 'EQUALS', key: 'display_name' }),
      filter({ key: 'display_name', stringValue: 'x' }),
      filter({ operation: 'LIKE', key: 'display_name', stringValue: 'x' }),
      filter({ operation: 'IN', key: 'display_name', stringValue: 'x' }),
      filter({ operation: 'EQUALS', key: 'display_name', stringValues: { values: ['x'] } }),
      filter({ operation: 'IS_SUBSTRING', key: 'display_name', intValue: 3 }),
      filter({ operation: 'EQUALS', key: 'display_name', stringValue: 'x', intValue: 3 }),
      filter({ operation: 'EQUALS', key: 'created_at', stringValue: 'last tuesday' }),
      JSON.stringify({ predicates: 'all' }),
      JSON.stringify({ predicate: [] }),
    ];
    for (const f of bad) {
      const res = await api.get(RUNS, { filter: f });
      expect(res.status, f).toBe(400);
      expect(res.body).toMatchObject({ code: 3 });
      expect(JSON.stringify(res.body.details)).toContain('filter');
    }
  });

  it('applies the same semantics to experiments, pipelines and versions', async () => {
    const exps = await api.get<{ experiments: { display_name: string }[]; total_size: number }>(
      '/apis/v2beta1/experiments',
      {
        sort_by: 'display_name desc',
        page_size: '1',
      },
    );
    expect(exps.body.experiments.map((e) => e.display_name)).toEqual(['list-exp']);
    expect(exps.body.total_size).toBe(2);
    for (const name of ['p-b', 'p-a']) await api.post('/apis/v2beta1/pipelines', { name });
    const pipes = await api.get<{ pipelines: { name: string }[] }>('/apis/v2beta1/pipelines', {
      sort_by: 'name',
      filter: filter({ operation: 'IS_SUBSTRING', key: 'display_name', stringValue: 'p-' }),
    });
    expect(pipes.body.pipelines.map((p) => p.name)).toEqual(['p-a', 'p-b']);
    const badKey = await api.get('/apis/v2beta1/pipelines', {
      filter: filter({ operation: 1, key: 'state', stringValue: 'x' }),
    });
    expect(badKey.status).toBe(400);
  });

  it('checked every KFP response against the swagger', () => {
    if (swaggerContract() !== null) expect(api.validated).toBeGreaterThan(50);
  });
});
