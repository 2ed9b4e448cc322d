/**
 * Cross-origin access for browser pages (the JupyterLab extension, the dashboard) served from
 * another origin than the engine. Only the configured origins get `Access-Control-Allow-Origin`
 * and preflight answers; any other origin gets no CORS header at all, so the browser keeps its
 * pages from reading answers. No cookies are involved (the token travels in a header), so
 * credentials are never allowed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GrpcCode } from '../errors';
import { sendStatus } from './http';

/** The methods the API answers. */
const METHODS = 'GET, POST, PATCH, DELETE';
/** The request headers a page may send. */
const HEADERS = 'Authorization, Content-Type';
/** The response headers a page may read besides the safelisted ones. */
const EXPOSED = 'Content-Disposition, Content-Length';
/** How long a browser may cache a preflight answer, in seconds. */
const MAX_AGE = '600';

/** The CORS policy of the engine. */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
  }

  private allowed(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    return origin !== undefined && this.origins.has(origin) ? origin : undefined;
  }

  /**
   * Answers a CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`);
   * returns false for any other request. A preflight from an origin not configured is refused
   * with 403 and no CORS headers.
   */
  preflight(req: IncomingMessage, res: ServerResponse): boolean {
    if (
      req.method !== 'OPTIONS' ||
      req.headers.origin === undefined ||
      req.headers['access-control-request-method'] === undefined
    ) {
      return false;
    }
    const origin = this.allowed(req);
    if (origin === undefined) {
      sendStatus(res, 403, {
        code: GrpcCode.PERMISSION_DENIED,
        message: `origin ${req.headers.origin} may not call this engine; start it with that origin in allowedOrigins.`,
        details: [],
      });
      return true;
    }
    res.writeHead(204, {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': METHODS,
      'Access-Control-Allow-Headers': HEADERS,
      'Access-Control-Max-Age': MAX_AGE,
      Vary: 'Origin',
    });
    res.end();
    return true;
  }

  /** Adds the CORS headers an allowed origin's response needs. */
  decorate(req: IncomingMessage, res: ServerResponse): void {
    if (this.origins.size === 0) return;
    res.setHeader('Vary', 'Origin');
    const origin = this.allowed(req);
    if (origin === undefined) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  }
}
