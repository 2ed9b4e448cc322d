/**
 * The Kubernetes calls of a cluster deploy, through @kubernetes/client-node (loaded on first use:
 * it is an ES module and only cluster deploys need it): read, create or replace the Deployment
 * and the Service, and wait for the Deployment's rollout.
 */
import type { AppsV1Api, CoreV1Api, V1Deployment, V1Service } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { KubernetesDeployError, RolloutError } from '../errors';

/** The API clients of one cluster. */
export interface KubernetesClients {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  /** The API server's URL. */
  readonly server: string;
}

export interface KubeconfigChoice {
  /** The kubeconfig file. @default $KUBECONFIG, else ~/.kube/config, else in-cluster */
  readonly kubeconfig?: string;
  /** Its context. @default the current context */
  readonly context?: string;
}

/**
 * Loads a kubeconfig and makes the clients.
 * @throws KubernetesDeployError when the kubeconfig cannot be loaded or has no such context
 */
export async function kubernetesClients(choice: KubeconfigChoice): Promise<KubernetesClients> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  try {
    if (choice.kubeconfig !== undefined) config.loadFromFile(choice.kubeconfig);
    else config.loadFromDefault();
    if (choice.context !== undefined) {
      if (config.getContextObject(choice.context) === null) {
        throw new Error(`the kubeconfig has no context '${choice.context}'`);
      }
      config.setCurrentContext(choice.context);
    }
  } catch (error) {
    throw new KubernetesDeployError(
      `cannot load the kubeconfig${choice.kubeconfig ? ` ${choice.kubeconfig}` : ''}: ${(error as Error).message}`,
      'kubeconfig',
      { cause: error },
    );
  }
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubernetesDeployError(
      `the kubeconfig's context '${config.getCurrentContext()}' names no cluster`,
      'kubeconfig',
    );
  }
  return {
    apps: config.makeApiClient(k8s.AppsV1Api),
    core: config.makeApiClient(k8s.CoreV1Api),
    server: cluster.server,
  };
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function apiError(action: string, object: string, error: unknown): KubernetesDeployError {
  const status = statusOf(error);
  const body = (error as { body?: unknown } | null)?.body;
  let detail = error instanceof Error ? error.message : String(error);
  if (typeof body === 'string') {
    try {
      detail = String((JSON.parse(body) as { message?: unknown }).message ?? detail);
    } catch {
      // Not a Status object: keep the error's message.
    }
  }
  return new KubernetesDeployError(
    `cannot ${action} ${object}${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`,
    object,
    { cause: error, status },
  );
}

/** The Deployment, or undefined when it does not exist. */
export async function readDeployment(
  clients: KubernetesClients,
  namespace: string,
  name: string,
): Promise<V1Deployment | undefined> {
  try {
    return await clients.apps.readNamespacedDeployment({ name, namespace });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw apiError('read the Deployment', `${namespace}/${name}`, error);
  }
}

/**
 * Creates the Deployment, or replaces it (keeping its resourceVersion, so a concurrent change
 * fails with 409 instead of being overwritten).
 * @returns the generation the rollout has to reach
 */
export async function applyDeployment(
  clients: KubernetesClients,
  body: V1Deployment,
): Promise<{ generation: number; created: boolean }> {
  const namespace = body.metadata?.namespace ?? 'default';
  const name = body.metadata?.name ?? '';
  const object = `${namespace}/${name}`;
  const existing = await readDeployment(clients, namespace, name);
  try {
    const written = existing
      ? await clients.apps.replaceNamespacedDeployment({
          name,
          namespace,
          body: {
            ...body,
            metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion },
          },
        })
      : await clients.apps.createNamespacedDeployment({ namespace, body });
    return { generation: written.metadata?.generation ?? 1, created: !existing };
  } catch (error) {
    throw apiError(existing ? 'replace the Deployment' : 'create the Deployment', object, error);
  }
}

/** Creates the Service, or replaces it keeping its cluster IP and resourceVersion. */
export async function applyService(
  clients: KubernetesClients,
  body: V1Service,
): Promise<{ created: boolean }> {
  const namespace = body.metadata?.namespace ?? 'default';
  const name = body.metadata?.name ?? '';
  const object = `${namespace}/${name}`;
  let existing: V1Service | undefined;
  try {
    existing = await clients.core.readNamespacedService({ name, namespace });
  } catch (error) {
    if (statusOf(error) !== 404) throw apiError('read the Service', object, error);
  }
  try {
    if (!existing) {
      await clients.core.createNamespacedService({ namespace, body });
      return { created: true };
    }
    await clients.core.replaceNamespacedService({
      name,
      namespace,
      body: {
        ...body,
        metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion },
        spec: { ...body.spec, clusterIP: existing.spec?.clusterIP },
      },
    });
    return { created: false };
  } catch (error) {
    throw apiError(existing ? 'replace the Service' : 'create the Service', object, error);
  }
}

export interface RolloutOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Between two reads. @default 1000 */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Waits until the Deployment's rollout of `generation` is complete, as `kubectl rollout status`
 * judges it: the controller observed the generation, every replica is updated and available, and
 * no old replica is left.
 * @throws RolloutError when Kubernetes reports the progress deadline exceeded, or on timeout
 */
export async function waitForRollout(
  clients: KubernetesClients,
  namespace: string,
  name: string,
  generation: number,
  options: RolloutOptions,
): Promise<V1Deployment> {
  const object = `${namespace}/${name}`;
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const deployment = await readDeployment(clients, namespace, name);
    if (!deployment)
      throw new RolloutError(`the Deployment ${object} disappeared during its rollout`, object);
    const status = deployment.status ?? {};
    const wanted = deployment.spec?.replicas ?? 1;
    const observed = status.observedGeneration ?? 0;
    const updated = status.updatedReplicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const total = status.replicas ?? 0;
    const stuck = (status.conditions ?? []).find(
      (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (observed >= generation && stuck) {
      throw new RolloutError(
        `the rollout of ${object} exceeded its progress deadline: ${stuck.message ?? ''}`.trim(),
        object,
      );
    }
    if (observed >= generation && updated >= wanted && total <= updated && available >= wanted) {
      return deployment;
    }
    const progress =
      observed < generation
        ? `waiting for the controller to observe generation ${generation}`
        : `${updated}/${wanted} updated, ${available} available, ${Math.max(0, total - updated)} old`;
    if (progress !== last) options.log?.(`rollout of ${object}: ${progress}`);
    last = progress;
    if (Date.now() > deadline) {
      throw new RolloutError(
        `the rollout of ${object} did not finish within ${options.timeoutMs / 1000} s (${progress})`,
        object,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
