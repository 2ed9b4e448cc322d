/** A model server over fake models in a temporary directory, and small HTTP helpers. */

import { expect } from 'vitest';
import * as path from 'node:path';
import {
  startModelServer,
  type ModelServer,
  type ModelServerOptions,
} from '../../../kernel-lib/src/serving';
import { fakeLoader, writeFakeModel, type FakeCalls, type FakeModelSpec } from './fake-model';
import { tempDir } from './temp';

export interface FakeServer {
  readonly server: ModelServer;
  readonly root: string;
  readonly modelsDir: string;
  readonly calls: FakeCalls;
  /** Deploys a fake model as a new version of `model`. */
  deploy(model: string, spec: FakeModelSpec, options?: { setDefault?: boolean }): Promise<number>;
}

export async function startFakeServer(
  options: Partial<ModelServerOptions> = {},
): Promise<FakeServer> {
  const root = tempDir('pipelab-serving-');
  const modelsDir = path.join(root, 'models');
  const calls: FakeCalls = { batches: [], loads: 0, disposed: 0 };
  const server = await startModelServer({
    modelsDir,
    port: 0,
    loader: fakeLoader(calls),
    log: () => undefined,
    ...options,
  });
  let n = 0;
  return {
    server,
    root,
    modelsDir,
    calls,
    async deploy(model, spec, deployOptions = {}) {
      const dir = writeFakeModel(path.join(root, 'src', String(n++)), spec);
      const result = await server.registry.deployVersion(model, dir, deployOptions);
      await server.refresh();
      return result.version.version;
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** GET (no body) or POST (a body: JSON-encoded unless a string) and parse the JSON answer. */
export async function call(
  server: ModelServer,
  target: string,
  body?: unknown,
  method?: string,
): Promise<Reply> {
  const response = await fetch(`${server.url}${target}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.headers.get('content-type')).toBe('application/json');
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
