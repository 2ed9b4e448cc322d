/**
 * `startModelServer`: an HTTP server speaking TensorFlow Serving's REST API over the models of a
 * registry directory (see `routes.ts` for the URL space and `README.md` for the request and
 * response formats). It runs inside the engine's process or on its own (`serveMain`), follows
 * the registry on disk (deploys by other processes show up within `pollIntervalMs`, at once when
 * made through `server.registry`), and batches concurrent predictions.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonValue } from '../dsl/types';
import { PipelabError } from '../errors';
import { InvalidRequestError, ServingError, VersionNotFoundError } from './errors';
import { parseForecastRequest, runForecast } from './forecast';
import { parsePredictRequest, type RequestLimits } from './instances';
import { isVersionNumber, modelDir } from './layout';
import { ModelPool, type ServedVersion } from './model-pool';
import { settleServerOptions, type ModelServerOptions, type SettledServerOptions } from './options';
import { modelMetadata, modelStatus, predictBody, versionStatus } from './responses';
import type { ModelRegistry } from './registry';
import { parseRoute, type Route } from './routes';

/** A running model server. */
export interface ModelServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /**
   * The registry the server follows. A default set through it (to a loaded version) is served
   * before the call returns; other changes once the registry is re-read (`refresh`).
   */
  readonly registry: ModelRegistry;
  /** Re-reads the registry; resolves when every version found is loaded (or failed to load). */
  refresh(): Promise<void>;
  /** Model calls and predicted instances so far (batching shows as instances > calls). */
  stats(): { readonly modelCalls: number; readonly instances: number };
  /** Stops listening, answers in-flight requests, unloads the models. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';

function send(res: http.ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, value: JsonValue): void {
  send(res, status, JSON.stringify(value));
}

function sendError(res: http.ServerResponse, error: unknown): void {
  let status = 500;
  if (error instanceof ServingError) status = error.httpStatus;
  else if (error instanceof PipelabError && error.code === 'INVALID_PREDICTION_INPUT') status = 400;
  const message = error instanceof Error ? error.message : String(error);
  sendJson(res, status, { error: message });
}

/** Reads a request body as text; undefined when it is empty. */
function readBody(
  req: http.IncomingMessage,
  limit: number,
  done: (error: ServingError | undefined, text: string | undefined) => void,
): void {
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > limit) {
      failed = true;
      done(new InvalidRequestError(`the request body exceeds ${limit} bytes`, 413), undefined);
      return;
    }
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  });
  req.on('end', () => {
    if (failed) return;
    if (first === undefined) done(undefined, undefined);
    else done(undefined, (chunks ? Buffer.concat(chunks) : first).toString('utf8'));
  });
  req.on('error', () => {
    failed = true;
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidRequestError(`JSON Parse error: ${(error as Error).message}`);
  }
}

class ModelHttpServer implements ModelServer {
  readonly registry: ModelRegistry;
  readonly pool: ModelPool;
  host = '';
  port = 0;
  private readonly server: http.Server;
  private readonly limits: RequestLimits;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly watchers = new Map<string, FSWatcher>();
  private watchTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: SettledServerOptions) {
    this.registry = options.registry;
    this.pool = new ModelPool(options.registry, {
      loader: options.loader,
      batching: options.batching,
      log: options.log,
    });
    this.limits = { maxInstances: options.maxInstances, maxHistoryDays: 10_000 };
    this.unsubscribe = this.registry.onChange((change) => {
      if (change.defaultVersion !== undefined) {
        this.pool.switchDefault(change.model, change.defaultVersion);
      }
      void this.refresh();
    });
    this.server = http.createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  async start(): Promise<void> {
    await mkdir(this.registry.modelsDir, { recursive: true });
    await this.refresh();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.host = this.options.host;
    this.port = address.port;
    if (this.options.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => void this.refresh(), this.options.pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  async refresh(): Promise<void> {
    await this.pool.sync();
    if (this.options.watch && !this.closing) this.updateWatchers();
  }

  stats(): { modelCalls: number; instances: number } {
    let modelCalls = 0;
    let instances = 0;
    for (const model of this.pool.models.values()) {
      for (const version of model.versions.values()) {
        modelCalls += version.batcher?.calls ?? 0;
        instances += version.batcher?.instances ?? 0;
      }
    }
    return { modelCalls, instances };
  }

  /** Watches the root and every model directory; a change triggers a refresh (debounced). */
  private updateWatchers(): void {
    const wanted = new Set([this.registry.modelsDir]);
    for (const name of this.pool.models.keys()) wanted.add(modelDir(this.registry.modelsDir, name));
    for (const [dir, watcher] of this.watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.onWatchEvent());
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, watcher);
      } catch {
        // Not watchable here (or gone): polling still applies.
      }
    }
  }

  private onWatchEvent(): void {
    if (this.watchTimer || this.closing) return;
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      void this.refresh();
    }, 25);
    this.watchTimer.unref();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const route = parseRoute(pathname);
    try {
      if (!route) throw new InvalidRequestError(`Malformed request: ${req.method} ${target}`, 404);
      this.dispatch(route, req, res, q < 0 ? '' : target.slice(q + 1));
    } catch (error) {
      req.resume();
      sendError(res, error);
    }
  }

  private dispatch(
    route: Route,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    query: string,
  ): void {
    const method = req.method ?? 'GET';
    const malformed = (): InvalidRequestError =>
      new InvalidRequestError(`Malformed request: ${method} ${req.url ?? ''}`, 404);
    switch (route.kind) {
      case 'bad-version':
        throw new InvalidRequestError(
          `Failed to convert version: ${route.text} to numeric (versions are positive integers)`,
        );
      case 'healthz':
        req.resume();
        return sendJson(res, 200, { status: 'ok' });
      case 'readyz':
        req.resume();
        return this.ready(res);
      case 'models':
        if (method !== 'GET') throw malformed();
        req.resume();
        return this.listModels(res);
      case 'status':
        if (method !== 'GET') throw malformed();
        req.resume();
        return this.status(route, res);
      case 'metadata': {
        if (method !== 'GET') throw malformed();
        req.resume();
        return sendJson(res, 200, modelMetadata(this.pool.resolve(route.model, route.selector)));
      }
      case 'method':
        if (route.method === 'predict' && method === 'POST') return this.predict(route, req, res);
        if (route.method === 'forecast' && (method === 'POST' || method === 'GET')) {
          return this.forecast(route, req, res, query);
        }
        if (route.method === 'rollback' && method === 'POST' && route.selector.kind === 'default') {
          if (!this.options.allowRollback) {
            throw new InvalidRequestError('rollback over HTTP is turned off on this server', 403);
          }
          return this.rollback(route, req, res);
        }
        if (route.method === 'classify' || route.method === 'regress') {
          throw new InvalidRequestError(
            `:${route.method} is not supported: the model's signature is a predict signature`,
          );
        }
        throw malformed();
    }
  }

  private ready(res: http.ServerResponse): void {
    const waiting: string[] = [];
    for (const [name, model] of this.pool.models) if (!model.served) waiting.push(name);
    const ready = this.pool.models.size > 0 && waiting.length === 0;
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'not ready',
      models: [...this.pool.models.keys()],
      ...(waiting.length > 0 ? { not_serving: waiting } : {}),
    });
  }

  private listModels(res: http.ServerResponse): void {
    const models = [...this.pool.models.values()].map((model) => ({
      name: model.name,
      default_version: model.pointer ? String(model.pointer.version) : null,
      serving_version: model.served ? String(model.served.version) : null,
      versions: [...model.versions.values()]
        .sort((a, b) => b.version - a.version)
        .map(versionStatus),
    }));
    sendJson(res, 200, { models });
  }

  private status(route: Extract<Route, { kind: 'status' }>, res: http.ServerResponse): void {
    const model = this.pool.models.get(route.model);
    if (!model || model.versions.size === 0) {
      return sendJson(res, 404, { error: `Could not find any versions of model ${route.model}` });
    }
    if (route.selector.kind === 'default') return sendJson(res, 200, modelStatus(model));
    const version =
      route.selector.kind === 'version'
        ? route.selector.version
        : model.labels[route.selector.label];
    const entry = version === undefined ? undefined : model.versions.get(version);
    if (!entry) {
      throw new VersionNotFoundError(
        route.model,
        version ?? (route.selector as { label: string }).label,
        `Could not find version ${version ?? (route.selector as { label: string }).label} of model ${route.model}`,
      );
    }
    sendJson(res, 200, modelStatus(model, entry));
  }

  private predict(
    route: Extract<Route, { kind: 'method' }>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void {
    readBody(req, this.options.maxBodyBytes, (bodyError, text) => {
      if (bodyError) {
        res.setHeader('Connection', 'close');
        return sendError(res, bodyError);
      }
      let entry: ServedVersion;
      try {
        entry = this.pool.resolve(route.model, route.selector);
      } catch (error) {
        return sendError(res, error);
      }
      entry.acquire();
      let request;
      try {
        const body = text === undefined ? undefined : parseJson(text);
        request = parsePredictRequest(body, entry.predictor as ServedPredictorShape, this.limits);
      } catch (error) {
        entry.release();
        return sendError(res, error);
      }
      const key = request.format === 'row' ? 'predictions' : 'outputs';
      const count = request.inputs.length;
      (entry.batcher as NonNullable<ServedVersion['batcher']>).submit(
        request.inputs,
        (error, outputs, offset) => {
          entry.release();
          if (error !== undefined || outputs === undefined) return sendError(res, error);
          send(res, 200, predictBody(key, outputs, offset, count));
        },
      );
    });
  }

  private forecast(
    route: Extract<Route, { kind: 'method' }>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    query: string,
  ): void {
    readBody(req, this.options.maxBodyBytes, (bodyError, text) => {
      if (bodyError) return sendError(res, bodyError);
      let entry: ServedVersion;
      try {
        entry = this.pool.resolve(route.model, route.selector);
      } catch (error) {
        return sendError(res, error);
      }
      entry.acquire();
      Promise.resolve()
        .then(() => {
          const body = text === undefined || text.trim() === '' ? undefined : parseJson(text);
          const request = parseForecastRequest(
            new URLSearchParams(query),
            body,
            this.options.maxForecastDays,
          );
          return runForecast(entry, request, this.options.historyProvider);
        })
        .then(
          (result) => sendJson(res, 200, result),
          (error: unknown) => sendError(res, error),
        )
        .finally(() => entry.release());
    });
  }

  private rollback(
    route: Extract<Route, { kind: 'method' }>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void {
    readBody(req, this.options.maxBodyBytes, (bodyError, text) => {
      if (bodyError) return sendError(res, bodyError);
      Promise.resolve()
        .then(async () => {
          const body = text === undefined || text.trim() === '' ? {} : parseJson(text);
          if (typeof body !== 'object' || body === null || Array.isArray(body)) {
            throw new InvalidRequestError('the rollback body must be a JSON object, or empty');
          }
          const asked = (body as { version?: unknown }).version;
          const to = asked === undefined ? undefined : Number(asked);
          if (asked !== undefined && !isVersionNumber(to)) {
            throw new InvalidRequestError(
              `"version" must be a version number, got ${JSON.stringify(asked)}`,
            );
          }
          const result = await this.registry.rollback(route.model, { to });
          await this.refresh();
          return {
            model: route.model,
            from_version: String(result.from),
            default_version: String(result.to),
          };
        })
        .then(
          (result) => sendJson(res, 200, result),
          (error: unknown) => sendError(res, error),
        );
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe();
      if (this.pollTimer) clearInterval(this.pollTimer);
      if (this.watchTimer) clearTimeout(this.watchTimer);
      for (const watcher of this.watchers.values()) watcher.close();
      this.watchers.clear();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      const force = setTimeout(() => this.server.closeAllConnections(), 5000);
      force.unref();
      await closed;
      clearTimeout(force);
      this.pool.close();
    })();
    return this.closing;
  }
}

type ServedPredictorShape = { historyDays: number; needsDates: boolean };

/**
 * Starts a model server over a models directory. Resolves once every version found is loaded
 * and the server listens.
 * @throws ServingOptionsError on invalid options; the listen error (EADDRINUSE …) when it cannot
 *   listen
 */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const server = new ModelHttpServer(settleServerOptions(options));
  try {
    await server.start();
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
  return server;
}
