/**
 * Bad input, as the issue lists it: each request gets a 4xx with a message that says what is
 * wrong, and leaves nothing behind — every table of the database, every list the API answers
 * and the files of the data directory are the same after it as before.
 */
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import Database from 'better-sqlite3';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import { pipelineToYaml } from '../../../kernel-lib/src/compiler/yaml';
import { DATABASE_FILE } from '../../../kernel-lib/src/engine';
import {
  eventually,
  filesBelow,
  helloSpec,
  nodePipeline,
  startTestEngine,
  type Api,
  type ApiResponse,
  type TestEngine,
} from './helpers';
import { makeZip } from './zip-fixture';

const UPLOAD = '/apis/v2beta1/pipelines/upload';
const RUNS = '/apis/v2beta1/runs';
const TABLES = [
  'experiments',
  'pipelines',
  'pipeline_versions',
  'runs',
  'run_states',
  'tasks',
  'artifacts',
  'cache_entries',
  'settings',
];

/** A .tar.gz holding the given members. */
async function targz(members: { name: string; content: string | Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const member of members) pack.entry({ name: member.name }, member.content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return zlib.gzipSync(Buffer.concat(chunks));
}

function cyclicSpec(): PipelineSpec {
  const spec = nodePipeline('cyclic', {
    a: { script: '', after: ['b'] },
    b: { script: '', after: ['a'] },
  });
  return spec;
}

function danglingSpec(): PipelineSpec {
  return nodePipeline('dangling', { a: { script: '', after: ['ghost'] } });
}

const withParams = nodePipeline(
  'with-params',
  { echo: { script: 'console.log(process.argv[1])', args: ["{{$.inputs.parameters['epochs']}}"] } },
  { parameters: { epochs: { parameterType: 'NUMBER_INTEGER', defaultValue: 3 } } },
);

describe('bad input: a clear 4xx, and nothing stored', () => {
  let t: TestEngine;
  let api: Api;
  let db: Database.Database;
  let experimentId = '';
  let otherExperimentId = '';
  let pipelineId = '';

  /** Everything a request could have changed. */
  async function snapshot(): Promise<unknown> {
    const counts = Object.fromEntries(
      TABLES.map((table) => [
        table,
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
      ]),
    );
    const lists = await Promise.all(
      ['/apis/v2beta1/pipelines', '/apis/v2beta1/experiments', RUNS].map(
        async (p) => (await api.get(p, { page_size: '200' })).body,
      ),
    );
    const files = filesBelow(t.dataDir).filter((f) => !f.startsWith(DATABASE_FILE));
    return { counts, lists, files };
  }

  /** Sends a bad request and checks its answer and that nothing changed. */
  async function refused(
    what: string,
    send: () => Promise<ApiResponse>,
    status: number,
    message: RegExp,
    field?: string,
  ): Promise<void> {
    const before = await snapshot();
    const res = await send();
    expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(status);
    expect(String(res.body.message), what).toMatch(message);
    if (field !== undefined) expect(JSON.stringify(res.body.details), what).toContain(field);
    expect(await snapshot(), `${what} changed the stored state`).toEqual(before);
  }

  beforeAll(async () => {
    t = await startTestEngine({});
    api = t.api;
    db = new Database(path.join(t.dataDir, DATABASE_FILE), { readonly: true });
    experimentId = (
      await api.post<{ experiment_id: string }>('/apis/v2beta1/experiments', {
        display_name: 'first',
      })
    ).body.experiment_id;
    otherExperimentId = (
      await api.post<{ experiment_id: string }>('/apis/v2beta1/experiments', {
        display_name: 'second',
      })
    ).body.experiment_id;
    pipelineId = (
      await api.upload<{ pipeline_id: string }>(
        UPLOAD,
        { name: 'ok.yaml', content: pipelineToYaml(helloSpec()) },
        { name: 'good' },
      )
    ).body.pipeline_id;
  });
  afterAll(async () => {
    db.close();
    await t.close();
  });

  it('refuses uploads that are not pipelines', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(200, 7),
    ]);
    await refused(
      'binary file',
      () => api.upload(UPLOAD, { name: 'picture.png', content: png }, { name: 'png' }),
      400,
      /picture\.png/,
      'uploadfile',
    );
    await refused(
      'YAML that is not a PipelineSpec',
      () => api.upload(UPLOAD, { name: 'a.yaml', content: 'a: 1\nb: [1, 2]\n' }, { name: 'a' }),
      400,
      /pipelineInfo|root|schemaVersion/,
      'uploadfile',
    );
    await refused(
      'a KFP v1 (Argo) workflow',
      () =>
        api.upload(
          UPLOAD,
          {
            name: 'v1.yaml',
            content: 'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: {}\n',
          },
          { name: 'v1' },
        ),
      400,
      /v1\.yaml/,
    );
    await refused(
      'a YAML list',
      () => api.upload(UPLOAD, { name: 'l.yaml', content: '- 1\n- 2\n' }, { name: 'l' }),
      400,
      /l\.yaml/,
    );
  });

  it('refuses cyclic and dangling DAGs, uploaded or inline', async () => {
    await refused(
      'cyclic DAG upload',
      () =>
        api.upload(
          UPLOAD,
          { name: 'c.yaml', content: pipelineToYaml(cyclicSpec()) },
          { name: 'c' },
        ),
      400,
      /cycle/,
    );
    await refused(
      'dangling DAG upload',
      () =>
        api.upload(
          UPLOAD,
          { name: 'd.yaml', content: pipelineToYaml(danglingSpec()) },
          { name: 'd' },
        ),
      400,
      /ghost/,
    );
    await refused(
      'cyclic DAG run',
      () => api.post(RUNS, { display_name: 'c', pipeline_spec: cyclicSpec() }),
      400,
      /cycle/,
      'run.pipeline_spec',
    );
    await refused(
      'dangling DAG version',
      () =>
        api.post(`/apis/v2beta1/pipelines/${pipelineId}/versions`, {
          display_name: 'dangling',
          pipeline_spec: danglingSpec(),
        }),
      400,
      /ghost/,
    );
  });

  it('refuses a 40 MB file', async () => {
    await refused(
      '40 MB upload',
      () =>
        api.upload(
          UPLOAD,
          { name: 'big.yaml', content: Buffer.alloc(40 * 1024 * 1024, 0x20) },
          { name: 'big' },
        ),
      413,
      /32 MiB/,
      'uploadfile',
    );
  });

  it('refuses archives with `../` members and decompression bombs', async () => {
    const yaml = pipelineToYaml(helloSpec());
    await refused(
      'tar.gz with ../',
      async () =>
        api.upload(
          UPLOAD,
          {
            name: 'evil.tar.gz',
            content: await targz([{ name: '../pipeline.yaml', content: yaml }]),
          },
          { name: 'evil' },
        ),
      400,
      /\.\./,
      'uploadfile',
    );
    await refused(
      'tar.gz bomb',
      async () =>
        api.upload(
          UPLOAD,
          {
            name: 'bomb.tar.gz',
            content: await targz([
              { name: 'pipeline.yaml', content: Buffer.alloc(40 * 1024 * 1024, 0x20) },
            ]),
          },
          { name: 'bomb' },
        ),
      400,
      /more than 32/,
      'uploadfile',
    );
    await refused(
      'zip bomb that declares a small size',
      () =>
        api.upload(
          UPLOAD,
          {
            name: 'bomb.zip',
            content: makeZip([
              {
                name: 'pipeline.yaml',
                content: Buffer.alloc(40 * 1024 * 1024, 0x20),
                declaredSize: 1000,
              },
            ]),
          },
          { name: 'zip-bomb' },
        ),
      400,
      /unpacks to more than the 33554432 bytes allowed \(its header claims 1000\)/,
      'uploadfile',
    );
  });

  it('refuses a run with an unknown parameter, or one of the wrong type', async () => {
    await refused(
      'unknown parameter',
      () =>
        api.post(RUNS, {
          display_name: 'p',
          pipeline_spec: withParams,
          runtime_config: { parameters: { epochs: 2, learning_rate: 0.1 } },
        }),
      400,
      /has no parameter 'learning_rate'; its parameters are epochs/,
      'run.runtime_config.parameters.learning_rate',
    );
    await refused(
      'parameter of the wrong type',
      () =>
        api.post(RUNS, {
          display_name: 'p',
          pipeline_spec: withParams,
          runtime_config: { parameters: { epochs: 'many' } },
        }),
      400,
      /must be an integer \(NUMBER_INTEGER\); got "many"/,
      'run.runtime_config.parameters.epochs',
    );
    await refused(
      'a pipeline root with no local path',
      () =>
        api.post(RUNS, {
          display_name: 'p',
          pipeline_spec: withParams,
          runtime_config: { pipeline_root: 'https://example.com/root' },
        }),
      400,
      /has no local path/,
      'run.runtime_config.pipeline_root',
    );
    await refused(
      'a bucket root leaving the buckets folder',
      () =>
        api.post(RUNS, {
          display_name: 'p',
          pipeline_spec: withParams,
          runtime_config: { pipeline_root: 'gs://bucket/../../../etc' },
        }),
      400,
      /'\.\.' segments/,
      'run.runtime_config.pipeline_root',
    );
  });

  it('answers unknown pipeline, version and experiment ids with NOT_FOUND', async () => {
    const cases: [string, () => Promise<ApiResponse>, RegExp][] = [
      ['get pipeline', () => api.get('/apis/v2beta1/pipelines/nope'), /pipeline 'nope'/],
      ['get version', () => api.get(`/apis/v2beta1/pipelines/${pipelineId}/versions/nope`), /nope/],
      [
        'run of an unknown version',
        () =>
          api.post(RUNS, {
            display_name: 'x',
            pipeline_version_reference: { pipeline_id: pipelineId, pipeline_version_id: 'nope' },
          }),
        /nope/,
      ],
      [
        'run of an unknown pipeline',
        () =>
          api.post(RUNS, {
            display_name: 'x',
            pipeline_version_reference: { pipeline_id: 'nope' },
          }),
        /pipeline 'nope'/,
      ],
      [
        'run in an unknown experiment',
        () =>
          api.post(RUNS, { display_name: 'x', experiment_id: 'nope', pipeline_spec: helloSpec() }),
        /experiment 'nope'/,
      ],
      [
        'version of an unknown pipeline',
        () =>
          api.upload(
            '/apis/v2beta1/pipelines/upload_version',
            { name: 'v.yaml', content: pipelineToYaml(helloSpec()) },
            { pipelineid: 'nope', name: 'v' },
          ),
        /pipeline 'nope'/,
      ],
      ['delete unknown run', () => api.delete(`${RUNS}/nope`), /run 'nope'/],
      [
        'archive unknown experiment',
        () => api.post('/apis/v2beta1/experiments/nope:archive'),
        /nope/,
      ],
    ];
    for (const [what, send, message] of cases) await refused(what, send, 404, message);
  });

  it('refuses malformed filters', async () => {
    const filters: [string, RegExp][] = [
      ['{not json', /not valid JSON/],
      [
        JSON.stringify({ predicates: [{ key: 'bogus', operation: 'EQUALS', string_value: 'x' }] }),
        /unrecognized field "bogus"/,
      ],
      [
        JSON.stringify({
          predicates: [{ key: 'display_name', operation: 'SOUNDS_LIKE', string_value: 'x' }],
        }),
        /operation/,
      ],
      [
        JSON.stringify({ predicates: [{ key: 'display_name', operation: 'EQUALS' }] }),
        /no value set/,
      ],
      [
        JSON.stringify({
          predicates: [{ key: 'created_at', operation: 'LESS_THAN', string_value: 'yesterday' }],
        }),
        /RFC 3339/,
      ],
      [JSON.stringify({ conditions: [] }), /unknown field "conditions"/],
    ];
    for (const [filter, message] of filters) {
      await refused(`filter ${filter}`, () => api.get(RUNS, { filter }), 400, message, 'filter');
    }
  });

  it('refuses page tokens from elsewhere: altered, from another list or another resource', async () => {
    for (let i = 0; i < 3; i++) {
      await api.post(RUNS, {
        display_name: `r${i}`,
        experiment_id: experimentId,
        pipeline_spec: helloSpec(),
      });
    }
    // Runs that are still going change the database; these must be over first.
    await eventually(
      async () => {
        const runs = (await api.get<{ runs: { state: string }[] }>(RUNS)).body.runs;
        return runs.every((r) => r.state === 'SUCCEEDED');
      },
      10_000,
      'the runs to end',
    );
    const first = await api.get<{ next_page_token?: string }>(RUNS, {
      experiment_id: experimentId,
      page_size: '1',
    });
    const token = first.body.next_page_token ?? '';
    expect(token).not.toBe('');
    const [payload = '', signature = ''] = token.split('.');
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      a: { seq: number };
    };
    body.a.seq += 1000;
    const altered = `${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`;
    await refused(
      'altered token',
      () => api.get(RUNS, { experiment_id: experimentId, page_token: altered }),
      400,
      /not a next_page_token this engine issued, or it was altered/,
      'page_token',
    );
    await refused(
      'token of another experiment',
      () => api.get(RUNS, { experiment_id: otherExperimentId, page_token: token }),
      400,
      /belongs to another list \(runs with experiment_id=.*\), not to this one/,
      'page_token',
    );
    await refused(
      'token of another resource',
      () => api.get('/apis/v2beta1/experiments', { page_token: token }),
      400,
      /belongs to another list/,
      'page_token',
    );
    await refused('garbage token', () => api.get(RUNS, { page_token: 'abc' }), 400, /page_token/);
    // The untouched token still pages its own list: the two runs after the first.
    const next = await api.get<{ runs: { display_name: string }[] }>(RUNS, {
      experiment_id: experimentId,
      page_token: token,
    });
    expect(next.status).toBe(200);
    expect(next.body.runs.map((r) => r.display_name)).toEqual(['r1', 'r2']);
  });

  it('refuses a missing or wrong token', async () => {
    await refused(
      'missing token',
      () =>
        api.request('POST', '/apis/v2beta1/experiments', {
          token: null,
          json: { display_name: 'x' },
        }),
      401,
      /missing access token/,
    );
    await refused(
      'wrong token',
      () =>
        api.request('POST', RUNS, {
          token: 'w'.repeat(43),
          json: { display_name: 'x', pipeline_spec: helloSpec() },
        }),
      401,
      /is wrong/,
    );
  });
});
