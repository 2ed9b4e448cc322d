/**
 * The HTTP entry point: answers CORS preflights, checks the access token, routes a request, runs
 * its handler, and turns whatever it throws into a `{code, message, details}` answer. Nothing a
 * request does can take the server down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GrpcCode, InvalidArgumentError } from '../errors';
import type { AccessGuard } from './auth';
import type { CorsPolicy } from './cors';
import { sendError, sendJson, sendStatus } from './http';
import { RESPONDED, type Router } from './router';
import { serveDashboard } from './static';
import { routeNotFoundBody, toApiError } from './status';

function pathSegments(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .slice(1)
      .map((part) => decodeURIComponent(part));
  } catch {
    throw new InvalidArgumentError(`the path ${pathname} is not validly percent-encoded.`);
  }
}

/** What every request goes through besides its handler. */
export interface DispatchOptions {
  /** Reports failures no client can be told about. */
  readonly log: (message: string) => void;
  /** Checks the access token; without it every request is let through. */
  readonly guard?: AccessGuard;
  /** Adds CORS headers for allowed origins and answers preflights. */
  readonly cors?: CorsPolicy;
  /** The built dashboard, served outside `/apis/`. */
  readonly dashboardDir?: string;
}

/** Answers one request with the router's handlers. */
export async function dispatch(
  router: Router,
  req: IncomingMessage,
  res: ServerResponse,
  options: DispatchOptions,
): Promise<void> {
  const { log, guard, cors, dashboardDir } = options;
  const method = req.method ?? 'GET';
  try {
    if (cors?.preflight(req, res)) return;
    cors?.decorate(req, res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (dashboardDir !== undefined && serveDashboard(dashboardDir, req, res, url.pathname)) return;
    const refusal = guard?.refusal(method, url.pathname, req.headers, url.searchParams);
    if (refusal !== undefined) {
      if (!req.complete) res.setHeader('Connection', 'close');
      res.setHeader('WWW-Authenticate', 'Bearer realm="pipelab"');
      sendStatus(res, 401, { code: GrpcCode.UNAUTHENTICATED, message: refusal, details: [] });
      return;
    }
    const match = router.match(method, pathSegments(url.pathname));
    if (match === undefined) {
      sendStatus(res, 404, routeNotFoundBody(method, url.pathname));
      return;
    }
    if (match === 'method') {
      sendStatus(res, 405, {
        code: GrpcCode.UNIMPLEMENTED,
        message: `Method Not Allowed: ${method} is not supported on ${url.pathname}`,
        details: [],
      });
      return;
    }
    const result = await match.handler({ req, res, params: match.params, query: url.searchParams });
    if (result !== RESPONDED) sendJson(res, 200, result);
  } catch (thrown) {
    const error = toApiError(thrown);
    if (error.status === 'INTERNAL') log(`${method} ${req.url ?? ''} failed: ${error.message}`);
    if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
    sendError(res, error);
  } finally {
    // Whatever the handler left unread is discarded, so the connection can be reused or closed.
    if (!req.complete) req.resume();
  }
}
