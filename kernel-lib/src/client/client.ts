/**
 * The client: one {@link Connection} to a server speaking the KFP REST API v2beta1 (the embedded
 * engine, or Kubeflow Pipelines), and the sub-clients that share it.
 *
 * ```ts
 * const client = new Client();                                   // the engine on 127.0.0.1:8765
 * const kfp = await Client.connect({ endpoint: 'https://kfp.example.com', tokenFile: '/var/run/secrets/kubeflow/pipelines/token' });
 * const viaKube = await Client.connect({ kubeconfig: '~/.kube/config' }); // Node
 *
 * const run = await client.runs.create({ pipeline: chicago, experimentName: 'Chicago Crime Prediction' });
 * console.log(run.link);
 * await run.wait();
 * await client.recurringRuns.create({ displayName: 'nightly', pipeline: chicago, trigger: { cron: '0 0 3 * * *' } });
 * ```
 */
import { Connection, type ConnectionOptions, type RequestOptions } from './connection';
import { ClientOptionsError } from './errors';
import { ExperimentsClient } from './experiments';
import type { KubeconfigOptions } from './kube';
import { PipelinesClient } from './pipelines';
import { RecurringRunsClient } from './recurring-runs';
import { RunsClient } from './runs';
import type { V2beta1GetHealthzResponse } from './types';

/** Options of {@link Client}. */
export interface ClientOptions extends ConnectionOptions {
  /**
   * The KFP namespace (profile) of a multi-user cluster, used for experiments, pipelines and run
   * lists unless a call names another. @default none (single-user KFP, the embedded engine)
   */
  namespace?: string;
  /**
   * The base URL of the UI, for run links (`<uiUrl>/#/runs/details/<id>`). The engine serves its
   * dashboard at its endpoint; KFP's UI usually lives elsewhere (its `ml-pipeline-ui` service).
   * @default the endpoint (through a kubeconfig: the `ml-pipeline-ui` service proxy)
   */
  uiUrl?: string;
  /** An existing connection to share (its options then apply, not these). @default a new one */
  connection?: Connection;
  /**
   * Reach KFP's `ml-pipeline` service through a Kubernetes API server, with a kubeconfig's
   * cluster and credentials: the path of the kubeconfig file, or options. Node only, and only
   * with {@link Client.connect}. @default none
   */
  kubeconfig?: string | KubeconfigOptions;
}

/** Options of {@link Client.connect}. */
export interface ConnectOptions extends ClientOptions {
  /** Check the server answers (`GET /apis/v2beta1/healthz`, as kfp.Client does) before returning. @default true */
  healthCheck?: boolean;
  /** Cancels the health check. @default none */
  signal?: AbortSignal;
}

/** A client of the KFP REST API v2beta1. */
export class Client {
  /** The connection the sub-clients share. */
  readonly connection: Connection;
  /** Pipelines and their versions. */
  readonly pipelines: PipelinesClient;
  /** Experiments. */
  readonly experiments: ExperimentsClient;
  /** Runs. */
  readonly runs: RunsClient;
  /** Recurring runs (schedules): KFP's RecurringRunService, plus the engine's edit and preview. */
  readonly recurringRuns: RecurringRunsClient;

  /**
   * A client on a new (or the given) connection. Nothing is sent until the first call; use
   * {@link Client.connect} to check the server first, or to connect through a kubeconfig.
   */
  constructor(options: ClientOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ClientOptionsError('options', 'Client options must be an object.');
    }
    if (options.kubeconfig !== undefined) {
      throw new ClientOptionsError(
        'kubeconfig',
        'connecting through a kubeconfig reads files and credentials first: use `await Client.connect({ kubeconfig })`.',
      );
    }
    if (options.connection !== undefined && options.endpoint !== undefined) {
      throw new ClientOptionsError('connection', 'give connection or endpoint, not both.');
    }
    const namespace = options.namespace === '' ? undefined : options.namespace;
    this.connection = options.connection ?? new Connection(options);
    const uiUrl = options.uiUrl?.replace(/\/+$/, '') ?? this.connection.endpoint;
    this.pipelines = new PipelinesClient(this.connection, namespace);
    this.experiments = new ExperimentsClient(this.connection, namespace);
    this.runs = new RunsClient(this.connection, this.experiments, { namespace, uiUrl });
    this.recurringRuns = new RecurringRunsClient(this.connection, this.experiments, namespace);
  }

  /**
   * Connects: through a kubeconfig when one is given (Node), then checks that the server answers.
   *
   * @throws {@link ConnectionError} when it does not; {@link KfpApiError} when it refuses.
   */
  static async connect(options: ConnectOptions = {}): Promise<Client> {
    const { healthCheck = true, signal, kubeconfig, ...rest } = options;
    let client: Client;
    if (kubeconfig !== undefined) {
      if (rest.endpoint !== undefined || rest.connection !== undefined) {
        throw new ClientOptionsError(
          'kubeconfig',
          'give kubeconfig or endpoint/connection, not both.',
        );
      }
      const { kubeTransport } = await import('./kube.js');
      const transport = await kubeTransport(
        typeof kubeconfig === 'string' ? { path: kubeconfig } : kubeconfig,
      );
      const connection = new Connection(
        { ...rest, endpoint: transport.endpoint, fetch: transport.fetch },
        { viaKubernetes: true, tokenFromEnv: false },
      );
      client = new Client({ ...rest, connection, uiUrl: rest.uiUrl ?? transport.uiUrl });
    } else {
      client = new Client(rest);
    }
    if (healthCheck) await client.healthz(signal !== undefined ? { signal } : {});
    return client;
  }

  /** The server's base URL. */
  get endpoint(): string {
    return this.connection.endpoint;
  }

  /** `GET /apis/v2beta1/healthz`. */
  healthz(options: RequestOptions = {}): Promise<V2beta1GetHealthzResponse> {
    return this.connection.json<V2beta1GetHealthzResponse>({
      method: 'GET',
      path: '/healthz',
      signal: options.signal,
    });
  }
}
