/**
 * `deploy --target kubernetes` with @kubernetes/client-node against a recorded fake API server:
 * the Deployment and Service created, then replaced for the next version (resourceVersion kept),
 * the rollout waited for, the gate comparing with the version the cluster serves, credentials
 * sent, and rollout and API failures reported.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployMain } from '../../../kernel-lib/src/components/deploy';
import { fakeLoader, writeFakeModel } from '../../serving/support/fake-model';
import { startFakeKube, type FakeKube } from './support/fake-kube';
import { removeTempDirs, tempDir } from '../../serving/support/temp';

afterAll(removeTempDirs);

const recent = Array.from({ length: 20 }, (_, i) => ({
  day: new Date(Date.UTC(2022, 0, 1 + i)).toISOString().slice(0, 10),
  count: 500,
}));

let kube: FakeKube;
let root: string;
let kubeconfig: string;
let n = 0;

beforeEach(async () => {
  kube = await startFakeKube();
  root = tempDir('pipelab-k8s-');
  kubeconfig = kube.kubeconfig(root);
});
afterEach(() => kube.close());

function model(value: number): string {
  return pathToFileURL(writeFakeModel(path.join(root, `model-${n++}`), { value, history: recent }))
    .href;
}

async function deploy(
  modelUri: string,
  more: string[] = [],
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const argv = [
    '--target',
    'kubernetes',
    '--kubeconfig',
    kubeconfig,
    '--namespace',
    'ml',
    '--model-dir',
    modelUri,
    '--image',
    'registry.example.com/pipelab/components:test',
    '--rollout-poll',
    '0.01',
    '--rollout-timeout',
    '5',
    ...more,
  ];
  const code = await deployMain(argv, { stdout, stderr, env: {} }, { loader: fakeLoader() });
  return { code, out, err };
}

const calls = (): string[] => kube.requests.map((r) => `${r.method} ${r.path}`);
const DEPLOYMENT = '/apis/apps/v1/namespaces/ml/deployments/pipelab-model-chicago-crime';
const SERVICE = '/api/v1/namespaces/ml/services/pipelab-model-chicago-crime';

describe('deploy to Kubernetes', () => {
  it('creates the Deployment and Service, waits for the rollout, and sends the credentials', async () => {
    const uri = model(500);
    const versionFile = path.join(root, 'version');
    const r = await deploy(uri, ['--version-output', versionFile]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ml\/pipelab-model-chicago-crime does not exist yet/);
    expect(r.out).toMatch(/quality gate: no-baseline/);
    expect(r.out).toMatch(/rollout of ml\/pipelab-model-chicago-crime: 0\/1 updated/);
    expect(r.out).toMatch(/rolled out chicago_crime version 1 to ml\/pipelab-model-chicago-crime/);

    const creates = calls().filter((c) => !c.startsWith('GET'));
    expect(creates).toEqual([
      'POST /apis/apps/v1/namespaces/ml/deployments',
      'POST /api/v1/namespaces/ml/services',
    ]);
    expect(calls().filter((c) => c === `GET ${DEPLOYMENT}`).length).toBeGreaterThanOrEqual(3);
    expect(kube.requests.every((q) => q.authorization === 'Bearer test-token-123')).toBe(true);

    const deployment = kube.deployments.get('ml/pipelab-model-chicago-crime');
    expect(deployment?.metadata).toMatchObject({
      name: 'pipelab-model-chicago-crime',
      namespace: 'ml',
      labels: { 'app.kubernetes.io/managed-by': 'pipelab', 'pipelab.dev/model': 'chicago-crime' },
      annotations: {
        'pipelab.dev/model-version': '1',
        'pipelab.dev/model-uri': uri,
        'pipelab.dev/gate-decision': 'no-baseline',
      },
    });
    expect(deployment?.spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        spec: {
          containers: [
            {
              image: 'registry.example.com/pipelab/components:test',
              command: ['pipelab-component'],
              args: [
                'serve',
                '--host',
                '0.0.0.0',
                '--port',
                '8501',
                '--models-dir',
                '/models',
                '--model-name',
                'chicago_crime',
                '--model-uri',
                uri,
                '--version',
                '1',
              ],
              ports: [{ name: 'http', containerPort: 8501, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
            },
          ],
        },
      },
    });
    expect(kube.services.get('ml/pipelab-model-chicago-crime')?.spec).toMatchObject({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/instance': 'pipelab-model-chicago-crime' },
      ports: [{ port: 8501, targetPort: 'http' }],
    });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(versionFile, 'utf8')).toBe('1');
  });

  it('rolls out the next version over the same objects when the gate passes, and not otherwise', async () => {
    expect((await deploy(model(480))).code).toBe(0); // RMSE 19.5
    kube.requests.length = 0;
    const better = await deploy(model(501)); // RMSE 1.5
    expect(better.code).toBe(0);
    expect(better.out).toMatch(/serves version 1 \(file:/);
    expect(better.out).toMatch(
      /quality gate: promote — RMSE 1.50 \(new\) vs 19.50 \(default version 1\)/,
    );
    expect(calls().filter((c) => !c.startsWith('GET'))).toEqual([
      `PUT ${DEPLOYMENT}`,
      `PUT ${SERVICE}`,
    ]);
    const put = kube.requests.find((q) => q.method === 'PUT' && q.path === DEPLOYMENT);
    expect((put?.body?.metadata as { resourceVersion?: string }).resourceVersion).toMatch(/^\d+$/);
    const deployment = kube.deployments.get('ml/pipelab-model-chicago-crime');
    expect(deployment?.metadata.generation).toBe(2);
    expect(
      (deployment?.metadata.annotations as Record<string, string>)['pipelab.dev/model-version'],
    ).toBe('2');
    expect(kube.services.get('ml/pipelab-model-chicago-crime')?.spec.clusterIP).toBe('10.96.0.42');
    expect(better.out).toMatch(/rolled out chicago_crime version 2/);

    kube.requests.length = 0;
    const worse = await deploy(model(520));
    expect(worse.code).toBe(0);
    expect(worse.out).toMatch(/quality gate: reject/);
    expect(worse.out).toMatch(
      /not rolled out: the quality gate rejected the model; ml\/pipelab-model-chicago-crime keeps serving version 2/,
    );
    expect(worse.out).toMatch(/version 3: not the default \(gate: reject\)/);
    expect(calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  it('reports a rollout that exceeds its progress deadline, or never finishes', async () => {
    kube.rollout = 'stuck';
    const stuck = await deploy(model(500));
    expect(stuck.code).toBe(1);
    expect(stuck.err).toMatch(
      /the rollout of ml\/pipelab-model-chicago-crime exceeded its progress deadline: ReplicaSet .* has timed out progressing/,
    );
    kube.rollout = 'never';
    const slow = await deploy(model(500), ['--gate', 'false', '--rollout-timeout', '0.2']);
    expect(slow.code).toBe(1);
    expect(slow.err).toMatch(
      /the rollout of ml\/pipelab-model-chicago-crime did not finish within 0.2 s \(waiting for the controller to observe generation 2\)/,
    );
  });

  it("reports the API server's refusal and a bad kubeconfig", async () => {
    kube.refuseWrites = 403;
    const refused = await deploy(model(500));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /cannot create the Deployment ml\/pipelab-model-chicago-crime \(HTTP 403\): deployments.apps is forbidden/,
    );
    kubeconfig = path.join(root, 'missing.yaml');
    const missing = await deploy(model(500));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot load the kubeconfig .*missing.yaml/);
    const bad = path.join(root, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n');
    kubeconfig = bad;
    expect((await deploy(model(500), ['--context', 'prod'])).err).toMatch(/no context 'prod'/);
  });
});
