/**
 * Connecting through a kubeconfig: the recording server impersonates a Kubernetes API server's
 * service proxy for KFP's `ml-pipeline` service, since no cluster is reachable from tests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  ClientOptionsError,
  ConnectionError,
  EngineOnlyError,
  KfpApiError,
} from '../../kernel-lib/src/client';
import { pipelineResource, runResource, tinySpec } from './support/fixtures';
import { RecordingServer } from './support/recording-server';
import { swaggerIfShared } from './support/swagger';

const PROXY = '/api/v1/namespaces/kubeflow/services/ml-pipeline:8888/proxy';

function kubeconfig(
  server: string,
  user: Record<string, string> = { token: 'kube-token' },
  skipTlsVerify = true,
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipelab-kube-'));
  const file = path.join(dir, 'config');
  const userLines = Object.entries(user)
    .map(([k, v]) => `      ${k}: ${v}`)
    .join('\n');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: ${server}
      insecure-skip-tls-verify: ${String(skipTlsVerify)}
  - name: elsewhere
    cluster:
      server: http://127.0.0.1:9/base
      insecure-skip-tls-verify: true
contexts:
  - name: test
    context:
      cluster: test
      user: tester
  - name: elsewhere
    context:
      cluster: elsewhere
      user: tester
current-context: test
users:
  - name: tester
    user:
${userLines}
`,
  );
  return file;
}

describe('Client.connect({ kubeconfig })', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await RecordingServer.start({ prefix: PROXY, swagger: swaggerIfShared() });
    server.on('GET', '/apis/v2beta1/healthz', { json: { multi_user: true } });
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  it("reaches ml-pipeline through the API server's service proxy with the kubeconfig's token", async () => {
    const client = await Client.connect({
      kubeconfig: kubeconfig(server.url),
      env: { PIPELAB_TOKEN: 'not-this' },
    });
    expect(client.endpoint).toBe(`${server.url}${PROXY}`);
    expect(client.connection.viaKubernetes).toBe(true);
    const [health] = server.requests;
    expect(health?.rawPath).toBe(`${PROXY}/apis/v2beta1/healthz`);
    expect(health?.headers.authorization).toBe('Bearer kube-token');
  });

  it('uploads, creates runs and reports errors through the proxy', async () => {
    server
      .on('POST', '/apis/v2beta1/pipelines/upload', { json: pipelineResource('pipe-1', 'tiny') })
      .on('POST', '/apis/v2beta1/runs', { json: runResource('run-k', 'PENDING') })
      .on('GET', '/apis/v2beta1/runs/{run_id}', {
        status: 404,
        json: { code: 5, message: 'no such run' },
      });
    const client = await Client.connect({ kubeconfig: { path: kubeconfig(server.url) }, env: {} });
    await client.pipelines.upload(tinySpec());
    const upload = server.made('POST', '/apis/v2beta1/pipelines/upload')[0];
    expect(upload?.query.name).toEqual(['tiny']);
    expect(upload?.files[0]?.fileName).toBe('tiny.yaml');
    expect(upload?.headers.authorization).toBe('Bearer kube-token');

    const run = await client.runs.create({ pipelineSpec: tinySpec(), parameters: { who: 'k8s' } });
    expect(server.made('POST', '/apis/v2beta1/runs')[0]?.json).toMatchObject({
      runtime_config: { parameters: { who: 'k8s' } },
    });
    expect(run.link).toBe(
      `${server.url}/api/v1/namespaces/kubeflow/services/ml-pipeline-ui:80/proxy/#/runs/details/run-k`,
    );
    const error = (await client.runs.get('missing').catch((e: unknown) => e)) as KfpApiError;
    expect(error).toBeInstanceOf(KfpApiError);
    expect(error.path).toBe('/apis/v2beta1/runs/missing');
    expect(error.message).toMatch(/no such run/);

    await expect(client.runs.logs('run-k', 'train')).rejects.toBeInstanceOf(EngineOnlyError);
    expect(server.requests.some((r) => r.path.endsWith('/logs'))).toBe(false);
  });

  it('lets an explicit token and uiUrl override the kubeconfig', async () => {
    const client = await Client.connect({
      kubeconfig: kubeconfig(server.url),
      token: 'explicit',
      uiUrl: 'https://kfp.example.com',
      env: {},
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer explicit');
    expect(client.runs.link('r')).toBe('https://kfp.example.com/#/runs/details/r');
  });

  it('applies basic auth, and the namespace, service and port options', async () => {
    await server.close();
    const prefix = '/api/v1/namespaces/kf/services/kfp-api:http/proxy';
    server = await RecordingServer.start({ prefix, swagger: swaggerIfShared() });
    server.on('GET', '/apis/v2beta1/healthz', { json: {} });
    await Client.connect({
      kubeconfig: {
        path: kubeconfig(server.url, { username: 'admin', password: 'secret' }),
        namespace: 'kf',
        service: 'kfp-api',
        port: 'http',
      },
      env: {},
    });
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('admin:secret').toString('base64')}`,
    );
  });

  it('chooses a context, and fails clearly on a bad kubeconfig', async () => {
    const file = kubeconfig(server.url);
    const error = await Client.connect({
      kubeconfig: { path: file, context: 'elsewhere' },
      env: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).endpoint).toBe(`http://127.0.0.1:9/base${PROXY}`);
    await expect(
      Client.connect({ kubeconfig: { path: file, context: 'nope' }, env: {} }),
    ).rejects.toThrow(/no context 'nope'; it has test, elsewhere/);
    await expect(
      Client.connect({ kubeconfig: path.join(path.dirname(file), 'missing'), env: {} }),
    ).rejects.toBeInstanceOf(ClientOptionsError);
    await expect(
      Client.connect({ kubeconfig: file, endpoint: 'http://x', env: {} }),
    ).rejects.toThrow(/not both/);
    // Like @kubernetes/client-node, no credentials over plain http unless the cluster opts in.
    await expect(
      Client.connect({ kubeconfig: kubeconfig(server.url, undefined, false), env: {} }),
    ).rejects.toThrow(/plain http:\/\/ server .*insecure-skip-tls-verify/);
    expect(server.requests).toHaveLength(0);
  });
});
