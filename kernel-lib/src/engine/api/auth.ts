/**
 * The access check in front of every API operation but `GET /apis/v2beta1/healthz`: the request
 * must carry the engine's token as `Authorization: Bearer <token>` or — on GET requests, for
 * links, downloads and log streams a browser opens — as the `token` query parameter (Jupyter's
 * convention). Tokens are compared in constant time (as SHA-256 digests, so their lengths do not
 * leak either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The query parameter that may carry the token on GET requests. */
export const TOKEN_QUERY_PARAMETER = 'token';

/** Operations anyone may call: liveness checks. */
const OPEN: readonly (readonly [method: string, path: string])[] = [
  ['GET', '/apis/v2beta1/healthz'],
];

const WHERE =
  "The token is in the file 'token' of the engine's data directory (by default ~/.pipelab/engine/token).";

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Checks the access token of requests. */
export class AccessGuard {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  private matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.expected);
  }

  /**
   * Why a request may not proceed, or `undefined` when it may. The `token` query parameter is
   * removed from `query`, so no handler ever sees it.
   */
  refusal(
    method: string,
    pathname: string,
    headers: IncomingHttpHeaders,
    query: URLSearchParams,
  ): string | undefined {
    const fromQuery = query.get(TOKEN_QUERY_PARAMETER);
    query.delete(TOKEN_QUERY_PARAMETER);
    if (OPEN.some(([m, p]) => m === method && p === pathname)) return undefined;

    const header = headers.authorization;
    if (header !== undefined && header.trim() !== '') {
      const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
      if (match === null) {
        const scheme = header.trim().split(/\s+/)[0] ?? '';
        return `the Authorization header must be 'Bearer <token>'; got a '${scheme}' credential. ${WHERE}`;
      }
      if (this.matches(match[1] ?? '')) return undefined;
      return `the access token in the Authorization header is wrong. ${WHERE}`;
    }
    if (fromQuery !== null && fromQuery !== '') {
      if (method !== 'GET') {
        return `the '${TOKEN_QUERY_PARAMETER}' query parameter is accepted on GET requests only (links, downloads, log streams); send the header 'Authorization: Bearer <token>'.`;
      }
      if (this.matches(fromQuery)) return undefined;
      return `the access token in the '${TOKEN_QUERY_PARAMETER}' query parameter is wrong. ${WHERE}`;
    }
    return `missing access token: send the header 'Authorization: Bearer <token>' (or, on a GET link, the query parameter '?${TOKEN_QUERY_PARAMETER}=<token>'). ${WHERE}`;
  }
}
