/**
 * Node only: a `fetch` over `node:http`/`node:https` that lets each request be prepared with
 * Node request options — an https Agent carrying a cluster's CA and client certificate, the
 * headers of a kubeconfig's credentials. (Node's global fetch takes no Agent.)
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import type { FetchFunction } from './connection';

/** Fills in the Node request options (agent, headers, auth) of one request. */
export type PrepareRequest = (options: https.RequestOptions) => Promise<void>;

function headerValue(value: number | string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

async function encodeBody(
  body: RequestInit['body'],
): Promise<{ bytes: Buffer; contentType: string | null } | undefined> {
  if (body === undefined || body === null) return undefined;
  // Response serializes every body kind fetch accepts, multipart FormData included.
  const encoded = new Response(body);
  return {
    bytes: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type'),
  };
}

/**
 * A fetch function whose requests are prepared by `prepare`. Headers set by the caller win over
 * the prepared ones. Network failures reject with `TypeError('fetch failed')` and the Node error
 * as `cause`, as Node's own fetch does.
 */
export function preparedFetch(prepare: PrepareRequest): FetchFunction {
  return async (input, init) => {
    const url = new URL(input);
    const prepared: https.RequestOptions = {};
    await prepare(prepared);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(prepared.headers ?? {})) {
      const text = headerValue(value);
      if (text !== undefined) headers[name.toLowerCase()] = text;
    }
    if (prepared.auth && headers.authorization === undefined) {
      headers.authorization = `Basic ${Buffer.from(prepared.auth).toString('base64')}`;
    }
    new Headers(init.headers).forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const body = await encodeBody(init.body);
    if (body !== undefined) {
      if (body.contentType !== null && headers['content-type'] === undefined) {
        headers['content-type'] = body.contentType;
      }
      headers['content-length'] = String(body.bytes.length);
    }
    const secure = url.protocol === 'https:';
    const method = init.method ?? 'GET';
    return new Promise<Response>((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        {
          method,
          headers,
          // The prepared agent speaks TLS; a plain-http cluster (a test, a local proxy) needs none.
          ...(secure && prepared.agent !== undefined ? { agent: prepared.agent } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            responseHeaders.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
          }
          const empty = status === 204 || status === 304 || method === 'HEAD';
          if (empty) res.resume();
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage ?? '',
              headers: responseHeaders,
            }),
          );
        },
      );
      request.on('error', (error) => {
        if (init.signal?.aborted) reject(init.signal.reason);
        else reject(new TypeError('fetch failed', { cause: error }));
      });
      request.end(body?.bytes);
    });
  };
}
