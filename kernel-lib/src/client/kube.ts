/**
 * Node only: reaching Kubeflow Pipelines through a Kubernetes API server. Requests go to KFP's
 * `ml-pipeline` service through the API server's service proxy,
 * `<server>/api/v1/namespaces/kubeflow/services/ml-pipeline:8888/proxy/apis/v2beta1/...`, with
 * the kubeconfig's cluster CA and credentials (bearer token, client certificate, basic auth, or
 * an exec/auth-provider plugin — whatever @kubernetes/client-node applies), re-applied for every
 * request so refreshed tokens are picked up.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { FetchFunction } from './connection';
import { ClientOptionsError } from './errors';
import { preparedFetch } from './http-transport';

/** How to reach KFP through a kubeconfig. */
export interface KubeconfigOptions {
  /** The kubeconfig file (`~` is expanded). @default $KUBECONFIG, else ~/.kube/config, else in-cluster */
  path?: string;
  /** The kubeconfig context to use. @default its current-context */
  context?: string;
  /** The Kubernetes namespace KFP is installed in. @default 'kubeflow' */
  namespace?: string;
  /** KFP's API service. @default 'ml-pipeline' */
  service?: string;
  /** The port (or port name) of the API service. @default 8888 */
  port?: number | string;
  /** KFP's UI service and port, for run links. @default 'ml-pipeline-ui:80' */
  uiService?: string;
}

/** A connection's transport through a Kubernetes API server. */
export interface KubeTransport {
  /** The proxied base URL of KFP's API service. */
  readonly endpoint: string;
  /** The proxied base URL of KFP's UI service. */
  readonly uiUrl: string;
  /** A fetch that applies the kubeconfig's TLS settings and credentials. */
  readonly fetch: FetchFunction;
  /** The API server's URL. */
  readonly server: string;
}

function expandHome(file: string): string {
  if (file === '~') return os.homedir();
  if (file.startsWith('~/') || file.startsWith('~\\'))
    return path.join(os.homedir(), file.slice(2));
  return file;
}

function proxyBase(server: string, namespace: string, serviceAndPort: string): string {
  return `${server}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${serviceAndPort}/proxy`;
}

/**
 * Loads a kubeconfig and builds the transport to KFP's API service through its cluster.
 *
 * @throws {@link ClientOptionsError} when the kubeconfig cannot be read, has no such context, or
 *   no cluster.
 */
export async function kubeTransport(options: KubeconfigOptions = {}): Promise<KubeTransport> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  try {
    if (options.path !== undefined) config.loadFromFile(expandHome(options.path));
    else config.loadFromDefault();
  } catch (cause) {
    throw new ClientOptionsError(
      'kubeconfig',
      `cannot load the kubeconfig${options.path !== undefined ? ` ${options.path}` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  if (options.context !== undefined) {
    if (config.getContextObject(options.context) === null) {
      throw new ClientOptionsError(
        'kubeconfig.context',
        `the kubeconfig has no context '${options.context}'; it has ${
          config
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }.`,
      );
    }
    config.setCurrentContext(options.context);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null || cluster.server === '') {
    throw new ClientOptionsError(
      'kubeconfig',
      `the kubeconfig's context '${config.getCurrentContext()}' names no cluster with a server URL.`,
    );
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // @kubernetes/client-node refuses to send credentials over plain http otherwise.
    throw new ClientOptionsError(
      'kubeconfig',
      `the kubeconfig's cluster '${cluster.name}' has a plain http:// server (${cluster.server}); credentials are only sent there when the cluster sets insecure-skip-tls-verify: true.`,
    );
  }
  const server = cluster.server.replace(/\/+$/, '');
  const namespace = options.namespace ?? 'kubeflow';
  const service = `${options.service ?? 'ml-pipeline'}:${String(options.port ?? 8888)}`;
  return {
    endpoint: proxyBase(server, namespace, service),
    uiUrl: proxyBase(server, namespace, options.uiService ?? 'ml-pipeline-ui:80'),
    fetch: preparedFetch((requestOptions) => config.applyToHTTPSOptions(requestOptions)),
    server,
  };
}
