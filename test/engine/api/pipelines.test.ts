import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPipeline } from '../../../kernel-lib/src/compiler/package';
import { pipelineToYaml } from '../../../kernel-lib/src/compiler/yaml';
import {
  FakeLauncher,
  helloSpec,
  startTestEngine,
  swaggerContract,
  type Api,
  type TestEngine,
} from './helpers';
import { makeZip } from './zip-fixture';

interface Pipeline {
  pipeline_id: string;
  name: string;
  display_name: string;
  description?: string;
  created_at: string;
}
interface Version {
  pipeline_id: string;
  pipeline_version_id: string;
  name: string;
  display_name: string;
  pipeline_spec: { pipelineInfo: { name: string } };
}

const UPLOAD = '/apis/v2beta1/pipelines/upload';

describe('pipelines API', () => {
  let t: TestEngine;
  let api: Api;

  beforeAll(async () => {
    t = await startTestEngine({ launcher: new FakeLauncher() });
    api = t.api;
  });
  afterAll(async () => {
    await t.close();
  });

  it('uploads a YAML package with name and description from the query', async () => {
    const res = await api.upload<Pipeline>(
      UPLOAD,
      { name: 'hello.yaml', content: pipelineToYaml(helloSpec()) },
      { name: 'hello', description: 'says hello' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'hello',
      display_name: 'hello',
      description: 'says hello',
    });
    const versions = await api.get<{ pipeline_versions: Version[]; total_size: number }>(
      `/apis/v2beta1/pipelines/${res.body.pipeline_id}/versions`,
    );
    expect(versions.body.total_size).toBe(1);
    expect(versions.body.pipeline_versions[0]).toMatchObject({
      name: 'hello',
      display_name: 'hello',
    });
    expect(versions.body.pipeline_versions[0]?.pipeline_spec.pipelineInfo.name).toBe(
      'hello-pipeline',
    );
  });

  it('names a pipeline after display_name, else the file name', async () => {
    const byDisplay = await api.upload<Pipeline>(
      UPLOAD,
      { name: 'a.yaml', content: pipelineToYaml(helloSpec()) },
      { display_name: 'Shown Name' },
    );
    expect(byDisplay.body).toMatchObject({ name: 'Shown Name', display_name: 'Shown Name' });
    const byFile = await api.upload<Pipeline>(UPLOAD, {
      name: 'from-file.yml',
      content: pipelineToYaml(helloSpec()),
    });
    expect(byFile.body).toMatchObject({ name: 'from-file.yml', display_name: 'from-file.yml' });
  });

  it('uploads .json, .tar.gz and .zip packages', async () => {
    const spec = helloSpec('formats');
    const json = await api.upload<Pipeline>(
      UPLOAD,
      { name: 'p.json', content: JSON.stringify(spec) },
      { name: 'as-json' },
    );
    expect(json.status).toBe(200);
    const tgz = await api.upload<Pipeline>(
      UPLOAD,
      { name: 'p.tar.gz', content: await packPipeline(spec, 'tar.gz') },
      { name: 'as-targz' },
    );
    expect(tgz.status).toBe(200);
    const zip = await api.upload<Pipeline>(
      UPLOAD,
      {
        name: 'p.zip',
        content: makeZip([
          { name: 'README.txt', content: 'x' },
          { name: 'pipeline.yaml', content: pipelineToYaml(spec) },
        ]),
      },
      { name: 'as-zip' },
    );
    expect(zip.status).toBe(200);
    const stored = await api.upload<Pipeline>(
      UPLOAD,
      {
        name: 'q.zip',
        content: makeZip([{ name: 'my.yaml', content: pipelineToYaml(spec), store: true }]),
      },
      { name: 'as-stored-zip' },
    );
    expect(stored.status).toBe(200);
  });

  it('refuses invalid packages with the loader message, naming uploadfile', async () => {
    const notYaml = await api.upload(
      UPLOAD,
      { name: 'bad.yaml', content: 'key: [unclosed' },
      { name: 'bad1' },
    );
    expect(notYaml.status).toBe(400);
    expect(notYaml.body).toMatchObject({ code: 3 });
    expect(String(notYaml.body.message)).toContain('bad.yaml');
    expect(JSON.stringify(notYaml.body.details)).toContain('uploadfile');

    const notSpec = await api.upload(
      UPLOAD,
      { name: 'x.yaml', content: 'a: 1\n' },
      { name: 'bad2' },
    );
    expect(notSpec.status).toBe(400);
    expect(String(notSpec.body.message)).toMatch(/pipelineInfo|root|schemaVersion/);

    const emptyZip = await api.upload(
      UPLOAD,
      { name: 'e.zip', content: makeZip([{ name: 'notes.txt', content: 'hi' }]) },
      { name: 'bad3' },
    );
    expect(emptyZip.status).toBe(400);
    expect(String(emptyZip.body.message)).toContain('no pipeline.yaml');

    const garbage = await api.upload(
      UPLOAD,
      { name: 'g.tar.gz', content: Buffer.from([0x1f, 0x8b, 1, 2, 3]) },
      { name: 'bad4' },
    );
    expect(garbage.status).toBe(400);

    const noFile = await api.request('POST', UPLOAD, {
      body: new FormData(),
      query: { name: 'bad5' },
    });
    expect(noFile.status).toBe(400);
    expect(String(noFile.body.message)).toContain('uploadfile');

    const notMultipart = await api.request('POST', UPLOAD, {
      json: { a: 1 },
      query: { name: 'bad6' },
    });
    expect(notMultipart.status).toBe(400);
    expect(String(notMultipart.body.message)).toContain('multipart/form-data');

    const list = await api.get<{ pipelines?: Pipeline[] }>('/apis/v2beta1/pipelines', {
      filter: JSON.stringify({
        predicates: [{ operation: 'IS_SUBSTRING', key: 'name', stringValue: 'bad' }],
      }),
    });
    expect(list.body.pipelines).toBeUndefined();
  });

  it('refuses a duplicate pipeline name with ALREADY_EXISTS and writes nothing', async () => {
    const first = await api.upload(
      UPLOAD,
      { name: 'd.yaml', content: pipelineToYaml(helloSpec()) },
      { name: 'dup' },
    );
    expect(first.status).toBe(200);
    const second = await api.upload(
      UPLOAD,
      { name: 'd.yaml', content: pipelineToYaml(helloSpec()) },
      { name: 'dup' },
    );
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 6 });
    const created = await api.post('/apis/v2beta1/pipelines', { name: 'dup' });
    expect(created.status).toBe(409);
  });

  it('refuses an upload over 32 MiB while it streams, and stays up', async () => {
    const big = Buffer.alloc(33 * 1024 * 1024, 0x61);
    const res = await api.upload(UPLOAD, { name: 'big.yaml', content: big }, { name: 'big' });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 8 });
    expect(String(res.body.message)).toContain('32 MiB');
    expect((await api.get('/apis/v2beta1/healthz')).status).toBe(200);
  });

  it('refuses an oversize upload without reading it all when its length is declared', async () => {
    const url = new URL(`${api.baseUrl}${UPLOAD}?name=huge`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          headers: {
            ...api.auth(),
            'content-type': 'multipart/form-data; boundary=XX',
            'content-length': String(200 * 1024 * 1024),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x62);
      req.write(
        '--XX\r\nContent-Disposition: form-data; name="uploadfile"; filename="h.yaml"\r\n\r\n',
      );
      let sent = 0;
      const pump = (): void => {
        while (sent < 40 && req.write(chunk)) sent++;
        if (sent < 40) req.once('drain', pump);
      };
      pump();
    });
    expect(status).toBe(413);
    expect((await api.get('/apis/v2beta1/healthz')).status).toBe(200);
  });

  it('creates a pipeline, then versions by upload and inline spec', async () => {
    const created = await api.post<Pipeline>('/apis/v2beta1/pipelines', {
      display_name: 'Versioned',
      description: 'd',
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'Versioned', display_name: 'Versioned' });
    const id = created.body.pipeline_id;

    const v1 = await api.upload<Version>(
      '/apis/v2beta1/pipelines/upload_version',
      { name: 'v1.yaml', content: pipelineToYaml(helloSpec()) },
      { pipelineid: id, name: 'v1' },
    );
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ pipeline_id: id, name: 'v1', display_name: 'v1' });

    const v2 = await api.post<Version>(`/apis/v2beta1/pipelines/${id}/versions`, {
      pipeline_id: id,
      display_name: 'v2',
      pipeline_spec: helloSpec('second'),
    });
    expect(v2.status).toBe(200);
    expect(v2.body.pipeline_spec.pipelineInfo.name).toBe('second');

    const got = await api.get<Version>(
      `/apis/v2beta1/pipelines/${id}/versions/${v2.body.pipeline_version_id}`,
    );
    expect(got.body).toEqual(v2.body);

    const dupVersion = await api.upload(
      '/apis/v2beta1/pipelines/upload_version',
      { name: 'v1.yaml', content: pipelineToYaml(helloSpec()) },
      { pipelineid: id, name: 'v1' },
    );
    expect(dupVersion.status).toBe(409);

    const noId = await api.upload('/apis/v2beta1/pipelines/upload_version', {
      name: 'x.yaml',
      content: pipelineToYaml(helloSpec()),
    });
    expect(noId.status).toBe(400);
    expect(JSON.stringify(noId.body.details)).toContain('pipelineid');

    const unknownPipeline = await api.upload(
      '/apis/v2beta1/pipelines/upload_version',
      { name: 'x.yaml', content: pipelineToYaml(helloSpec()) },
      { pipelineid: 'nope' },
    );
    expect(unknownPipeline.status).toBe(404);

    const noSpec = await api.post(`/apis/v2beta1/pipelines/${id}/versions`, { display_name: 'v3' });
    expect(noSpec.status).toBe(400);
    expect(JSON.stringify(noSpec.body.details)).toContain('package_url');

    const badSpec = await api.post(`/apis/v2beta1/pipelines/${id}/versions`, {
      display_name: 'v3',
      pipeline_spec: { a: 1 },
    });
    expect(badSpec.status).toBe(400);
    expect(JSON.stringify(badSpec.body.details)).toContain('pipeline_version.pipeline_spec');

    const wrongVersion = await api.get(`/apis/v2beta1/pipelines/${id}/versions/nope`);
    expect(wrongVersion.status).toBe(404);
  });

  it('creates a pipeline and its version together (POST /pipelines/create)', async () => {
    const res = await api.post<Pipeline>('/apis/v2beta1/pipelines/create', {
      pipeline: { name: 'both', description: 'together' },
      pipeline_version: { pipeline_spec: helloSpec() },
    });
    expect(res.status).toBe(200);
    const versions = await api.get<{ pipeline_versions: Version[] }>(
      `/apis/v2beta1/pipelines/${res.body.pipeline_id}/versions`,
    );
    expect(versions.body.pipeline_versions[0]?.name).toBe('both');

    const missing = await api.post('/apis/v2beta1/pipelines/create', {
      pipeline_version: { pipeline_spec: helloSpec() },
    });
    expect(missing.status).toBe(400);
    const badUrl = await api.post('/apis/v2beta1/pipelines/create', {
      pipeline: { name: 'url' },
      pipeline_version: { package_url: { pipeline_url: 'ftp://example/p.yaml' } },
    });
    expect(badUrl.status).toBe(400);
    expect((await api.get('/apis/v2beta1/pipelines/names/url')).status).toBe(404);
  });

  it('downloads a version package from package_url', async () => {
    const yaml = pipelineToYaml(helloSpec('downloaded'));
    const server = http.createServer((_req, res) => res.end(yaml));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const res = await api.post<Pipeline>('/apis/v2beta1/pipelines/create', {
        pipeline: { display_name: 'from-url' },
        pipeline_version: { package_url: { pipeline_url: `http://127.0.0.1:${port}/pkg/p.yaml` } },
      });
      expect(res.status).toBe(200);
      const versions = await api.get<{
        pipeline_versions: (Version & { package_url: { pipeline_url: string } })[];
      }>(`/apis/v2beta1/pipelines/${res.body.pipeline_id}/versions`);
      expect(versions.body.pipeline_versions[0]?.pipeline_spec.pipelineInfo.name).toBe(
        'downloaded',
      );
      expect(versions.body.pipeline_versions[0]?.package_url.pipeline_url).toContain('/pkg/p.yaml');
    } finally {
      server.close();
    }
  });

  it('gets a pipeline by id and by name', async () => {
    const created = await api.post<Pipeline>('/apis/v2beta1/pipelines', {
      name: 'by name/with:odd chars',
    });
    const byId = await api.get<Pipeline>(`/apis/v2beta1/pipelines/${created.body.pipeline_id}`);
    expect(byId.body).toEqual(created.body);
    const byName = await api.get<Pipeline>(
      `/apis/v2beta1/pipelines/names/${encodeURIComponent('by name/with:odd chars')}`,
      {
        namespace: '',
      },
    );
    expect(byName.status).toBe(200);
    expect(byName.body.pipeline_id).toBe(created.body.pipeline_id);
    expect((await api.get('/apis/v2beta1/pipelines/names/absent')).status).toBe(404);
    expect((await api.get('/apis/v2beta1/pipelines/absent')).status).toBe(404);
  });

  it('refuses to delete a pipeline with versions unless cascade=true', async () => {
    const res = await api.upload<Pipeline>(
      UPLOAD,
      { name: 'del.yaml', content: pipelineToYaml(helloSpec()) },
      { name: 'to-delete' },
    );
    const id = res.body.pipeline_id;
    const refused = await api.delete(`/apis/v2beta1/pipelines/${id}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 9 });
    expect(String(refused.body.message)).toContain('cascade=true');
    expect((await api.delete(`/apis/v2beta1/pipelines/${id}`, { cascade: 'yes' })).status).toBe(
      400,
    );
    expect((await api.delete(`/apis/v2beta1/pipelines/${id}`, { cascade: 'true' })).status).toBe(
      200,
    );
    expect((await api.get(`/apis/v2beta1/pipelines/${id}`)).status).toBe(404);
    expect((await api.delete(`/apis/v2beta1/pipelines/${id}`)).status).toBe(404);
  });

  it('deletes a version, then the empty pipeline', async () => {
    const res = await api.upload<Pipeline>(
      UPLOAD,
      { name: 'v.yaml', content: pipelineToYaml(helloSpec()) },
      { name: 'one-version' },
    );
    const id = res.body.pipeline_id;
    const versions = await api.get<{ pipeline_versions: Version[] }>(
      `/apis/v2beta1/pipelines/${id}/versions`,
    );
    const versionId = versions.body.pipeline_versions[0]?.pipeline_version_id ?? '';
    expect((await api.delete(`/apis/v2beta1/pipelines/${id}/versions/${versionId}`)).status).toBe(
      200,
    );
    expect((await api.delete(`/apis/v2beta1/pipelines/${id}/versions/${versionId}`)).status).toBe(
      404,
    );
    expect((await api.delete(`/apis/v2beta1/pipelines/${id}`)).status).toBe(200);
  });

  it('checked every KFP response against the swagger', () => {
    if (swaggerContract() !== null) expect(api.validated).toBeGreaterThan(40);
  });
});
