/**
 * Replays every request the real `kfp.Client` (SDK 2.15) sends — as recorded in
 * ../shared/kfp/reference/kfp_client_requests.txt — against a fresh engine per recorded call
 * sequence, and checks the status the real server would answer with and that every body matches
 * the swagger.
 */
import * as fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { describeShared } from '../support/shared';
import {
  Api,
  FakeLauncher,
  startTestEngine,
  swaggerContract,
  type TestEngine,
} from '../engine/api/helpers';

interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  contentType: string;
  body?: unknown;
}

interface Section {
  name: string;
  requests: RecordedRequest[];
}

const SPEC_PLACEHOLDER = '<full compiled PipelineSpec dict>';

/** Parses the recording: `=== name`, request lines, and optional `   body: {...}` lines. */
function parseRecording(text: string): Section[] {
  const sections: Section[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('===')) {
      sections.push({ name: line.slice(3).trim(), requests: [] });
      continue;
    }
    const section = sections[sections.length - 1];
    if (section === undefined) throw new Error(`request before any section: ${line}`);
    const body = /^\s+body: (.*)$/.exec(line);
    if (body) {
      const last = section.requests[section.requests.length - 1];
      if (last === undefined) throw new Error(`body before any request: ${line}`);
      last.body = JSON.parse(body[1] ?? '') as unknown;
      continue;
    }
    const m = /^(GET|POST|DELETE|PATCH|PUT) (\S+) (\{.*\}) (\S+)$/.exec(line);
    if (m === null) throw new Error(`unrecognized line: ${line}`);
    section.requests.push({
      method: m[1] ?? '',
      path: m[2] ?? '',
      query: JSON.parse(m[3] ?? '{}') as Record<string, string[]>,
      contentType: m[4] ?? '',
    });
  }
  return sections;
}

/** What the real server answers each request of a section with. */
const EXPECTED_STATUS: Record<string, number[]> = {
  'Client(host=...)': [200],
  upload_pipeline: [200],
  create_experiment: [200, 200],
  create_run_from_pipeline_package: [200, 200, 200],
  'create_recurring_run(cron)': [200],
  'create_recurring_run(periodic)': [200],
  list_runs: [200],
  'list_runs(no experiment)': [200],
  get_run: [200],
  wait_for_run_completion: [200, 200, 200],
};

describeShared('contract: every request kfp.Client sends', (shared) => {
  const recording = fs.readFileSync(`${shared}/kfp/reference/kfp_client_requests.txt`, 'utf8');
  const chicagoYaml = fs.readFileSync(
    `${shared}/kfp/reference/chicago_pipeline.kfp-sdk-2.15.2.yaml`,
    'utf8',
  );
  const chicagoSpec = parseYaml(chicagoYaml) as Record<string, unknown>;
  const sections = parseRecording(recording);
  let current: TestEngine | undefined;

  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it('parses the recording and knows the answer to each of its requests', () => {
    expect(sections.map((s) => s.name)).toEqual(Object.keys(EXPECTED_STATUS));
    for (const section of sections)
      expect(section.requests).toHaveLength(EXPECTED_STATUS[section.name]?.length ?? -1);
    const contract = swaggerContract();
    expect(contract).not.toBeNull();
    for (const request of sections.flatMap((s) => s.requests)) {
      expect(
        contract?.operationFor(request.method, request.path),
        `${request.method} ${request.path}`,
      ).toBeDefined();
    }
  });

  /** A fresh engine with the ids the recording uses: pipe-1, ver-1, exp-1, run-1, run-2. */
  async function setUp(launcher: FakeLauncher): Promise<{ api: Api; ids: Record<string, string> }> {
    current = await startTestEngine({ launcher });
    const api = current.api;
    const pipeline = await api.post<{ pipeline_id: string }>('/apis/v2beta1/pipelines/create', {
      pipeline: { name: 'setup-pipeline' },
      pipeline_version: { pipeline_spec: chicagoSpec },
    });
    const versions = await api.get<{ pipeline_versions: { pipeline_version_id: string }[] }>(
      `/apis/v2beta1/pipelines/${pipeline.body.pipeline_id}/versions`,
    );
    const experiment = await api.post<{ experiment_id: string }>('/apis/v2beta1/experiments', {
      display_name: 'setup-exp',
    });
    const runIn = (name: string) =>
      api.post<{ run_id: string }>('/apis/v2beta1/runs', {
        display_name: name,
        experiment_id: experiment.body.experiment_id,
        pipeline_spec: chicagoSpec,
      });
    const run1 = await runIn('run-a');
    const run2 = await runIn('run-b');
    const ids = {
      'pipe-1': pipeline.body.pipeline_id,
      'ver-1': versions.body.pipeline_versions[0]?.pipeline_version_id ?? '',
      'exp-1': experiment.body.experiment_id,
      'run-1': run1.body.run_id,
      'run-2': run2.body.run_id,
    };
    for (const id of Object.values(ids)) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    return { api, ids };
  }

  function substitute(value: unknown, ids: Record<string, string>): unknown {
    if (value === SPEC_PLACEHOLDER) return chicagoSpec;
    if (typeof value === 'string') return ids[value] ?? value;
    if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
    }
    return value;
  }

  function multipart(body: unknown): FormData {
    const parts = (
      body as {
        _multipart: {
          name: string;
          filename: string;
          content_type: string;
          head: string;
          size: number;
        }[];
      }
    )._multipart;
    const form = new FormData();
    for (const part of parts) {
      expect(chicagoYaml.startsWith(part.head)).toBe(true);
      expect(Buffer.byteLength(chicagoYaml)).toBe(part.size);
      form.append(part.name, new Blob([chicagoYaml], { type: part.content_type }), part.filename);
    }
    return form;
  }

  for (const section of sections) {
    it(`answers ${section.name} as KFP would`, async () => {
      const launcher = new FakeLauncher();
      const { api, ids } = await setUp(launcher);
      const expected = EXPECTED_STATUS[section.name] ?? [];
      const bodies: Record<string, unknown>[] = [];
      for (const [i, recorded] of section.requests.entries()) {
        const path = recorded.path.replace(/(pipe|ver|exp|run)-\d/g, (id) => ids[id] ?? id);
        const query = new URLSearchParams();
        for (const [key, values] of Object.entries(recorded.query)) {
          for (const value of values) query.append(key, String(substitute(value, ids)));
        }
        const url = `${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
        if (section.name === 'wait_for_run_completion' && i === 2)
          launcher.run(ids['run-2'] ?? '').finish('SUCCEEDED');
        const res =
          recorded.contentType === 'multipart/form-data'
            ? await api.request(recorded.method, url, { body: multipart(recorded.body) })
            : await api.request(
                recorded.method,
                url,
                recorded.body === undefined ? {} : { json: substitute(recorded.body, ids) },
              );
        expect(res.status, `${recorded.method} ${url}: ${res.text.slice(0, 300)}`).toBe(
          expected[i],
        );
        bodies.push(res.body);
      }

      switch (section.name) {
        case 'upload_pipeline':
          expect(bodies[0]).toMatchObject({
            name: 'chicago-crime-prediction',
            display_name: 'chicago-crime-prediction',
            description: 'chicago sample',
          });
          break;
        case 'create_experiment':
          expect(bodies[0]).toEqual({});
          expect(bodies[1]).toMatchObject({
            display_name: 'chicago',
            description: 'exp desc',
            storage_state: 'AVAILABLE',
          });
          break;
        case 'create_run_from_pipeline_package':
          expect(bodies[2]).toMatchObject({
            display_name: 'run-a',
            experiment_id: ids['exp-1'],
            service_account: 'sa-1',
            state: 'PENDING',
            runtime_config: {
              parameters: { epochs: 3, project_id: 'p1' },
              pipeline_root: 'gs://bucket/root',
            },
          });
          break;
        case 'list_runs':
          expect(bodies[0]).toMatchObject({
            total_size: 1,
            runs: [{ run_id: ids['run-1'], display_name: 'run-a' }],
          });
          break;
        case 'list_runs(no experiment)':
          expect(bodies[0]).toMatchObject({ total_size: 2 });
          break;
        case 'get_run':
          expect(bodies[0]).toMatchObject({ run_id: ids['run-1'], display_name: 'run-a' });
          break;
        case 'wait_for_run_completion':
          expect(bodies.map((b) => b.state)).toEqual(['RUNNING', 'RUNNING', 'SUCCEEDED']);
          break;
        case 'create_recurring_run(cron)':
          expect(bodies[0]).toMatchObject({
            display_name: 'nightly',
            description: 'cron job',
            experiment_id: ids['exp-1'],
            max_concurrency: '2',
            no_catchup: true,
            mode: 'ENABLE',
            status: 'ENABLED',
            runtime_config: { parameters: { epochs: 5 } },
            trigger: {
              cron_schedule: {
                cron: '0 0 3 * * *',
                start_time: '2024-01-01T00:00:00Z',
                end_time: '2025-01-01T00:00:00Z',
              },
            },
            pipeline_spec: { pipelineInfo: { name: 'chicago-crime-prediction' } },
          });
          break;
        case 'create_recurring_run(periodic)':
          expect(bodies[0]).toMatchObject({
            display_name: 'hourly',
            max_concurrency: '1',
            mode: 'DISABLE',
            status: 'DISABLED',
            pipeline_version_reference: {
              pipeline_id: ids['pipe-1'],
              pipeline_version_id: ids['ver-1'],
            },
            trigger: { periodic_schedule: { interval_second: '3600' } },
          });
          expect(bodies[0]).not.toHaveProperty('next_fire_time');
          break;
      }
      expect(api.validated).toBeGreaterThanOrEqual(section.requests.length);
    });
  }
});
