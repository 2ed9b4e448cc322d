/**
 * One connection to a server speaking the KFP REST API v2beta1 — the embedded engine or
 * Kubeflow Pipelines. It builds URLs, adds the bearer token, applies the request timeout, and
 * turns failures into {@link KfpApiError} (the server said no) or {@link ConnectionError} (there
 * was no server to say anything). It uses `fetch` only, so it runs in Node and in a browser.
 */
import {
  bearerProvider,
  defaultEnv,
  ENV,
  type AuthOptions,
  type BearerProvider,
  type Env,
} from './auth';
import { ClientOptionsError, ConnectionError, KfpApiError } from './errors';
import { anySignal } from './signals';
import type { GoogleRpcStatus } from './types';

/**
 * The default endpoint: the embedded engine on this machine, at its default port (8765, not
 * KFP's 8888, which Jupyter takes). The same value as `DEFAULT_ENGINE_URL` in `defaults.ts`,
 * repeated here because that module is Node-only; a test keeps the two equal.
 */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8765';

/** The prefix of every API path. */
export const API_PREFIX = '/apis/v2beta1';

/** A `fetch` function (the global one, or a replacement). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** How to reach the server. */
export interface ConnectionOptions extends AuthOptions {
  /**
   * The server's base URL (the API lives under `<endpoint>/apis/v2beta1`).
   * @default $PIPELAB_ENDPOINT, else $KF_PIPELINES_ENDPOINT, else `http://127.0.0.1:8765` (the engine)
   */
  endpoint?: string;
  /** Headers added to every request (a proxy's cookie, say). @default {} */
  headers?: Record<string, string>;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: FetchFunction;
  /**
   * How long a request may take before it fails with a {@link ConnectionError} (`timedOut`).
   * Streams (followed logs) are exempt. @default 60000
   */
  timeoutMs?: number;
  /**
   * The environment read for the default endpoint and token.
   * @default `process.env` in Node, empty in a browser
   */
  env?: Env;
}

/** Options of requests that only take a signal. */
export interface RequestOptions {
  /** Cancels the request. @default none */
  signal?: AbortSignal;
}

/** Query parameters; undefined ones are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** One request. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** The path below `/apis/v2beta1`, starting with `/`, its segments already encoded. */
  readonly path: string;
  readonly query?: Query;
  /** A JSON body. */
  readonly json?: unknown;
  /** A multipart body. */
  readonly form?: FormData;
  readonly signal?: AbortSignal | undefined;
  /** The Accept header. @default 'application/json' */
  readonly accept?: string;
  /** Whether the connection's timeout applies. @default true */
  readonly timeout?: boolean;
}

/** Connection details a transport (the kubeconfig one) fixes. */
export interface TransportOverrides {
  /** Requests go through the Kubernetes API server's service proxy. */
  readonly viaKubernetes?: boolean;
  /** Whether `$PIPELAB_TOKEN` and friends may supply the token. @default true */
  readonly tokenFromEnv?: boolean;
}

/** Encodes one path segment (an id), refusing an empty one. */
export function segment(value: string, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ClientOptionsError(
      what,
      `${what} must be a non-empty string; got ${JSON.stringify(value)}.`,
    );
  }
  return encodeURIComponent(value);
}

/** Normalizes an endpoint: a scheme is added when missing, trailing slashes and `/apis/v2beta1` dropped. */
export function normalizeEndpoint(raw: string): string {
  let text = raw.trim();
  if (text === '') throw new ClientOptionsError('endpoint', 'endpoint is empty.');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new ClientOptionsError('endpoint', `endpoint '${raw}' is not a URL.`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ClientOptionsError(
      'endpoint',
      `endpoint '${raw}' must be an http:// or https:// URL.`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ClientOptionsError(
      'endpoint',
      `endpoint '${raw}' must not have a query or fragment.`,
    );
  }
  let base = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  if (base.endsWith(API_PREFIX)) base = base.slice(0, -API_PREFIX.length);
  return base;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    const plain: Record<string, string> = {
      ECONNREFUSED: 'connection refused',
      ENOTFOUND: 'host not found',
      ECONNRESET: 'connection reset',
      EHOSTUNREACH: 'host unreachable',
      ETIMEDOUT: 'connection timed out',
    };
    return `${plain[code] ?? causeMessage ?? message} (${code})`;
  }
  return causeMessage ? `${message}: ${causeMessage}` : message;
}

function parseStatus(text: string): GoogleRpcStatus | undefined {
  if (text.trim() === '') return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as GoogleRpcStatus)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Settled options of a {@link Connection}. */
interface Settled {
  endpoint: string;
  headers: Record<string, string>;
  fetch: FetchFunction;
  timeoutMs: number;
  bearer: BearerProvider;
}

/** All defaults and checks of {@link ConnectionOptions}, in one place. */
function settle(options: ConnectionOptions, overrides: TransportOverrides): Settled {
  if (typeof options !== 'object' || options === null) {
    throw new ClientOptionsError('options', 'client options must be an object.');
  }
  const env = options.env ?? defaultEnv();
  const fromEnv = [env[ENV.endpoint], env[ENV.kfpEndpoint]].find(
    (v) => v !== undefined && v.trim() !== '',
  );
  const endpoint = normalizeEndpoint(options.endpoint ?? fromEnv ?? DEFAULT_ENDPOINT);
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ClientOptionsError(
      'timeoutMs',
      `timeoutMs must be a positive number; got ${String(timeoutMs)}.`,
    );
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ClientOptionsError('fetch', 'fetch must be a function.');
  }
  const custom = options.fetch;
  // Called through a closure: a browser's fetch throws when called as a method of another object.
  const fetchFn: FetchFunction = custom ?? ((input, init) => globalThis.fetch(input, init));
  return {
    endpoint,
    headers: { ...(options.headers ?? {}) },
    fetch: fetchFn,
    timeoutMs,
    bearer: bearerProvider(options, env, overrides.tokenFromEnv ?? true),
  };
}

/** A connection to one server. Sub-clients share it. */
export class Connection {
  /** The server's base URL, normalized (no trailing slash, no `/apis/v2beta1`). */
  readonly endpoint: string;
  /** True when requests go through a Kubernetes API server's service proxy (so the server is KFP). */
  readonly viaKubernetes: boolean;
  /** Where the bearer token comes from, for messages. */
  readonly tokenSource: string;
  private readonly settled: Settled;

  constructor(options: ConnectionOptions = {}, overrides: TransportOverrides = {}) {
    this.settled = settle(options, overrides);
    this.endpoint = this.settled.endpoint;
    this.viaKubernetes = overrides.viaKubernetes ?? false;
    this.tokenSource = this.settled.bearer.source;
  }

  /** The full URL of an API path. */
  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.append(key, String(value));
    }
    const search = params.toString();
    return `${this.endpoint}${API_PREFIX}${path}${search === '' ? '' : `?${search}`}`;
  }

  /** Sends a request and returns the (2xx) response; the body is not read. */
  send(request: ApiRequest): Promise<Response> {
    return this.dispatch(request, this.timeoutSignal(request));
  }

  private timeoutSignal(request: ApiRequest): AbortSignal | undefined {
    return request.timeout === false ? undefined : AbortSignal.timeout(this.settled.timeoutMs);
  }

  private async dispatch(request: ApiRequest, timeout: AbortSignal | undefined): Promise<Response> {
    const { method, path } = request;
    const apiPath = `${API_PREFIX}${path}`;
    const url = this.url(path, request.query);
    const headers = new Headers(this.settled.headers);
    headers.set('Accept', request.accept ?? 'application/json');
    const token = await this.settled.bearer();
    if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
    let body: RequestInit['body'];
    if (request.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      body = request.form;
    }
    const signal = anySignal([request.signal, timeout]);
    let response: Response;
    try {
      response = await this.settled.fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(signal !== undefined ? { signal } : {}),
      });
    } catch (error) {
      throw this.failure(error, method, apiPath, request.signal, timeout);
    }
    if (!response.ok) {
      let rawBody = '';
      try {
        rawBody = (await response.text()).slice(0, 8192);
      } catch {
        // the status says enough
      }
      throw new KfpApiError({
        method,
        path: apiPath,
        url,
        status: response.status,
        statusText: response.statusText,
        rawBody,
        body: parseStatus(rawBody),
      });
    }
    return response;
  }

  /** Sends a request and parses its JSON answer (`{}` for an empty body). */
  async json<T>(request: ApiRequest): Promise<T> {
    const text = await this.text(request);
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new KfpApiError(
        {
          method: request.method,
          path: `${API_PREFIX}${request.path}`,
          url: this.url(request.path, request.query),
          status: 200,
          statusText: 'OK',
          rawBody: text.slice(0, 8192),
          body: {
            message: `the server answered with a body that is not JSON: ${text.slice(0, 200)}`,
          },
        },
        { cause },
      );
    }
  }

  /** Sends a request and returns its body as text. */
  async text(request: ApiRequest): Promise<string> {
    const timeout = this.timeoutSignal(request);
    const response = await this.dispatch(request, timeout);
    try {
      return await response.text();
    } catch (error) {
      throw this.failure(
        error,
        request.method,
        `${API_PREFIX}${request.path}`,
        request.signal,
        timeout,
      );
    }
  }

  private failure(
    error: unknown,
    method: string,
    apiPath: string,
    userSignal: AbortSignal | undefined,
    timeout: AbortSignal | undefined,
  ): unknown {
    if (userSignal?.aborted) return userSignal.reason ?? error;
    if (error instanceof KfpApiError || error instanceof ConnectionError) return error;
    const timedOut = timeout?.aborted === true;
    return new ConnectionError(
      {
        endpoint: this.endpoint,
        method,
        path: apiPath,
        reason: timedOut ? `no answer within ${this.settled.timeoutMs} ms` : networkReason(error),
        timedOut,
      },
      { cause: error },
    );
  }
}
