/**
 * Errors of the client. All derive from {@link PipelabError}, so `instanceof` holds across copies
 * of the module (tslab re-evaluating a cell), and carry what a caller needs to act on them.
 */
import { PipelabError } from '../errors';
import type { GoogleRpcStatus, ProtobufAny, RuntimeState, V2beta1Run } from './types';

/** google.rpc.Code names, by number. */
const GRPC_CODES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** The name of a gRPC status code (`NOT_FOUND` for 5), or undefined for an unknown one. */
export function grpcCodeName(code: number | undefined): string | undefined {
  return code === undefined ? undefined : GRPC_CODES[code];
}

/** An option given to the client (or one of its methods) is missing, malformed or contradictory. */
export class ClientOptionsError extends PipelabError {
  /** The option at fault, e.g. `endpoint` or `runs.create.pipeline`. */
  readonly option: string;
  constructor(option: string, message: string, options: { cause?: unknown } = {}) {
    super(message, {}, { ...options, code: 'INVALID_CLIENT_OPTIONS' });
    this.option = option;
  }
}

/** What {@link KfpApiError} is built from. */
export interface KfpApiErrorInit {
  readonly method: string;
  /** The API path, e.g. `/apis/v2beta1/runs/abc`, without the query. */
  readonly path: string;
  /** The full URL requested. */
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  /** The response body as received (truncated to a few KB). */
  readonly rawBody: string;
  /** The body parsed as google.rpc.Status, when it was JSON. */
  readonly body: GoogleRpcStatus | undefined;
}

function hintFor(status: number): string {
  if (status === 401) {
    return ' (not authenticated: pass a token with `token`, `tokenFile` or $KF_PIPELINES_TOKEN; for the embedded engine, `dataDir` so its token file is read)';
  }
  if (status === 403) return ' (the token is not allowed to do this; check its namespace and role)';
  return '';
}

/**
 * The server answered with a non-2xx status. `status` is the HTTP status; `body` the KFP error
 * body `{code, message, details}` (google.rpc.Status) when the server sent one.
 */
export class KfpApiError extends PipelabError {
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly body: GoogleRpcStatus | undefined;
  readonly rawBody: string;

  constructor(init: KfpApiErrorInit, options: { cause?: unknown } = {}) {
    const grpc = grpcCodeName(init.body?.code);
    const apiMessage = KfpApiError.messageOf(init);
    super(
      `${init.method} ${init.path} failed with HTTP ${init.status}${grpc ? ` (${grpc})` : ''}: ${apiMessage}${hintFor(init.status)}`,
      {},
      { ...options, code: 'KFP_API_ERROR' },
    );
    this.method = init.method;
    this.path = init.path;
    this.url = init.url;
    this.status = init.status;
    this.statusText = init.statusText;
    this.body = init.body;
    this.rawBody = init.rawBody;
  }

  private static messageOf(init: KfpApiErrorInit): string {
    const fromBody = init.body?.message ?? (init.body as { error?: unknown } | undefined)?.error;
    if (typeof fromBody === 'string' && fromBody.trim() !== '') return fromBody.trim();
    const text = init.rawBody.trim();
    if (text !== '') return text.length > 300 ? `${text.slice(0, 300)}…` : text;
    return init.statusText || 'no message';
  }

  /** The gRPC status code of the body (5 for NOT_FOUND...), when there was one. */
  get grpcCode(): number | undefined {
    return this.body?.code;
  }

  /** The server's own message, without the method, path and status this error's message adds. */
  get apiMessage(): string {
    return KfpApiError.messageOf(this);
  }

  /** The `details` of the error body. */
  get details(): readonly ProtobufAny[] {
    return this.body?.details ?? [];
  }

  /** True for HTTP 404 (the resource, or the operation, does not exist). */
  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** True for HTTP 409 (e.g. an experiment of that name exists already). */
  get isAlreadyExists(): boolean {
    return this.status === 409;
  }
}

/**
 * Whether a failed request means the server lacks the operation (Kubeflow Pipelines, or an engine
 * from before it), rather than the resource it names or the request being wrong: a 404, 405 or
 * 501 that is not the engine's own answer about the resource. With `anyUnimplemented`, any 501.
 */
export function missingOperation(error: unknown, anyUnimplemented = false): boolean {
  if (!(error instanceof KfpApiError) || ![404, 405, 501].includes(error.status)) return false;
  if (anyUnimplemented && error.status === 501) return true;
  const engine = error.details.find((d) => d.domain === 'pipelab.engine');
  return engine === undefined || engine.reason === 'ROUTE_NOT_FOUND';
}

/** The server could not be reached at all (refused, DNS, TLS, timed out). */
export class ConnectionError extends PipelabError {
  /** The endpoint the client was configured with. */
  readonly endpoint: string;
  readonly method: string;
  readonly path: string;
  /** True when the request was given up after the client's `timeoutMs`. */
  readonly timedOut: boolean;

  constructor(
    init: { endpoint: string; method: string; path: string; reason: string; timedOut?: boolean },
    options: { cause?: unknown } = {},
  ) {
    super(
      `cannot reach the pipelines API at ${init.endpoint} (${init.method} ${init.path}): ${init.reason}. ` +
        'Is the server running? Start the embedded engine with `pipelab engine start`, or point the ' +
        'client at a running server (the `endpoint` option, --endpoint, or $PIPELAB_ENDPOINT).',
      {},
      { ...options, code: 'CONNECTION_FAILED' },
    );
    this.endpoint = init.endpoint;
    this.method = init.method;
    this.path = init.path;
    this.timedOut = init.timedOut ?? false;
  }
}

/** An operation the embedded engine adds to the KFP API was asked of a server that lacks it. */
export class EngineOnlyError extends PipelabError {
  /** The operation, e.g. `GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs`. */
  readonly operation: string;
  readonly endpoint: string;
  constructor(
    operation: string,
    endpoint: string,
    advice: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${operation} is a Pipelab engine addition to the KFP API, and the server at ${endpoint} does not serve it (it is probably Kubeflow Pipelines). ${advice}`,
      {},
      { ...options, code: 'ENGINE_ONLY' },
    );
    this.operation = operation;
    this.endpoint = endpoint;
  }
}

/** `wait()` gave up before the run reached a final state. */
export class RunTimeoutError extends PipelabError {
  readonly runId: string;
  readonly timeoutMs: number;
  /** The state the run was last seen in. */
  readonly lastState: RuntimeState | undefined;
  /** The run as last seen. */
  readonly run: V2beta1Run | undefined;
  constructor(runId: string, timeoutMs: number, run: V2beta1Run | undefined) {
    super(
      `run ${runId} did not finish within ${timeoutMs} ms (last state: ${run?.state ?? 'unknown'}); it keeps running — wait again, or terminate it.`,
      {},
      { code: 'RUN_TIMEOUT' },
    );
    this.runId = runId;
    this.timeoutMs = timeoutMs;
    this.lastState = run?.state;
    this.run = run;
  }
}

/** The names and errors of a run's failed tasks, for messages. */
function failureSummary(run: V2beta1Run): string {
  const failed = (run.run_details?.task_details ?? []).filter((t) => t.state === 'FAILED');
  const parts = failed.map(
    (t) => `${t.display_name ?? t.task_id ?? '?'}${t.error?.message ? `: ${t.error.message}` : ''}`,
  );
  const runError = run.error?.message;
  if (runError && !parts.some((p) => p.includes(runError))) parts.unshift(runError);
  return parts.length > 0 ? ` — ${parts.join('; ')}` : '';
}

/** The run ended FAILED or CANCELED (thrown by `wait({ throwOnFailure: true })`). */
export class RunFailedError extends PipelabError {
  readonly runId: string;
  readonly state: RuntimeState;
  /** The final run, with its task details. */
  readonly run: V2beta1Run;
  constructor(run: V2beta1Run) {
    const runId = run.run_id ?? '?';
    const state = run.state ?? 'FAILED';
    super(
      `run ${runId}${run.display_name ? ` (${run.display_name})` : ''} ended ${state}${failureSummary(run)}`,
      {},
      { code: 'RUN_FAILED' },
    );
    this.runId = runId;
    this.state = state;
    this.run = run;
  }
}
