/**
 * A Kubernetes API server impersonated over plain HTTP, enough for a model deploy: Deployments
 * (apps/v1) and Services (v1) — read, create, replace with optimistic concurrency — recording
 * every request, and a Deployment controller that rolls a new generation out over the next reads
 * (or gets stuck, or never progresses). Errors are `Status` objects as the API server sends them.
 * Plus the kubeconfig a client needs to reach it (with `insecure-skip-tls-verify: true`, without
 * which @kubernetes/client-node refuses to send credentials over http).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown> | undefined;
}

type KubeObject = {
  metadata: Record<string, unknown> & {
    name: string;
    generation?: number;
    resourceVersion?: string;
  };
  spec: Record<string, unknown> & { replicas?: number };
  status?: Record<string, unknown>;
  [key: string]: unknown;
};

export interface FakeKube {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly deployments: Map<string, KubeObject>;
  readonly services: Map<string, KubeObject>;
  /** How the controller behaves from now on. */
  rollout: 'progress' | 'stuck' | 'never';
  /** Answer writes with this status (e.g. 403) instead. */
  refuseWrites: number | undefined;
  /** Writes a kubeconfig for this server and returns its path. */
  kubeconfig(dir: string, namespace?: string): string;
  close(): Promise<void>;
}

const TOKEN = 'test-token-123';

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }),
  );
}

function send(res: ServerResponse, code: number, value: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

export async function startFakeKube(): Promise<FakeKube> {
  const requests: RecordedRequest[] = [];
  const deployments = new Map<string, KubeObject>();
  const services = new Map<string, KubeObject>();
  let version = 100;
  const fake = {
    rollout: 'progress' as FakeKube['rollout'],
    refuseWrites: undefined as number | undefined,
  };

  /** One controller step per read: observe, then finish the rollout. */
  function advance(d: KubeObject): void {
    const generation = d.metadata.generation ?? 1;
    const wanted = d.spec.replicas ?? 1;
    const s = (d.status ??= {});
    if (fake.rollout === 'never') return;
    if ((s.observedGeneration as number | undefined) !== generation) {
      s.observedGeneration = generation;
      s.updatedReplicas = 0;
      s.replicas = ((s.availableReplicas as number | undefined) ?? 0) + 1;
      return;
    }
    if (fake.rollout === 'stuck') {
      s.conditions = [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${d.metadata.name}-abc" has timed out progressing.`,
        },
      ];
      return;
    }
    s.updatedReplicas = wanted;
    s.replicas = wanted;
    s.availableReplicas = wanted;
    s.readyReplicas = wanted;
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        authorization: req.headers.authorization,
        body,
      });
      if (req.headers.authorization !== `Bearer ${TOKEN}`)
        return status(res, 401, 'Unauthorized', 'Unauthorized');
      const match =
        /^\/(?:apis\/apps\/v1|api\/v1)\/namespaces\/([^/]+)\/(deployments|services)(?:\/([^/]+))?$/.exec(
          url.pathname,
        );
      if (!match)
        return status(res, 404, 'NotFound', `the server could not find the requested resource`);
      const [, namespace, kind, name] = match as unknown as [
        string,
        string,
        'deployments' | 'services',
        string | undefined,
      ];
      const store = kind === 'deployments' ? deployments : services;
      const group = kind === 'deployments' ? 'deployments.apps' : 'services';
      const key = (n: string): string => `${namespace}/${n}`;
      if (req.method === 'GET' && name) {
        const found = store.get(key(name));
        if (!found) return status(res, 404, 'NotFound', `${group} "${name}" not found`);
        if (kind === 'deployments') {
          const snapshot = structuredClone(found);
          advance(found);
          return send(res, 200, snapshot);
        }
        return send(res, 200, found);
      }
      if (req.method !== 'POST' && req.method !== 'PUT')
        return status(res, 405, 'MethodNotAllowed', 'method not allowed');
      if (fake.refuseWrites) {
        return status(
          res,
          fake.refuseWrites,
          'Forbidden',
          `${group} is forbidden: User "deployer" cannot create resource "${kind}" in namespace "${namespace}"`,
        );
      }
      const object = body as KubeObject;
      if (req.method === 'POST') {
        const objectName = object.metadata.name;
        if (store.has(key(objectName)))
          return status(res, 409, 'AlreadyExists', `${group} "${objectName}" already exists`);
        object.metadata = {
          ...object.metadata,
          namespace,
          uid: `uid-${objectName}`,
          resourceVersion: String(++version),
          generation: 1,
        };
        if (kind === 'services') object.spec = { ...object.spec, clusterIP: '10.96.0.42' };
        object.status = {};
        store.set(key(objectName), object);
        return send(res, 201, object);
      }
      const existing = name ? store.get(key(name)) : undefined;
      if (!existing || !name) return status(res, 404, 'NotFound', `${group} "${name}" not found`);
      if (object.metadata.resourceVersion !== existing.metadata.resourceVersion) {
        return status(
          res,
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${group} "${name}": the object has been modified`,
        );
      }
      const changed = JSON.stringify(object.spec) !== JSON.stringify(existing.spec);
      object.metadata = {
        ...object.metadata,
        uid: existing.metadata.uid,
        resourceVersion: String(++version),
        generation: (existing.metadata.generation ?? 1) + (changed ? 1 : 0),
      };
      object.status = existing.status ?? {};
      store.set(key(name), object);
      return send(res, 200, object);
    })().catch((error: unknown) => status(res, 500, 'InternalError', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(fake, {
    url,
    requests,
    deployments,
    services,
    kubeconfig(dir: string, namespace = 'default'): string {
      const file = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: fake',
          '  cluster:',
          `    server: ${url}`,
          '    insecure-skip-tls-verify: true',
          'users:',
          '- name: deployer',
          '  user:',
          `    token: ${TOKEN}`,
          'contexts:',
          '- name: fake',
          '  context:',
          '    cluster: fake',
          '    user: deployer',
          `    namespace: ${namespace}`,
          'current-context: fake',
          '',
        ].join('\n'),
      );
      return file;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
