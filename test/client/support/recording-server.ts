/**
 * A small HTTP server on 127.0.0.1:0 that records every request the client sends and answers
 * from routes the test declares. With a {@link Swagger}, it checks each JSON request body and
 * each answer against the KFP swagger and collects what does not conform in `violations`.
 *
 * With a `prefix` it impersonates a Kubernetes API server's service proxy: requests must start
 * with the prefix, which is stripped before routing.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Swagger } from './swagger';

/** A multipart file part. */
export interface RecordedFile {
  readonly field: string;
  readonly fileName: string;
  readonly type: string;
  readonly bytes: Buffer;
}

/** One request as the server received it. */
export interface Recorded {
  readonly method: string;
  /** The path as requested (with any proxy prefix). */
  readonly rawPath: string;
  /** The path after the prefix, without the query. */
  readonly path: string;
  /** Query parameters, each with all its values. */
  readonly query: Record<string, string[]>;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The JSON body, when there was one. */
  readonly json: unknown;
  /** Multipart files, when the body was multipart/form-data. */
  readonly files: readonly RecordedFile[];
}

/** An answer. */
export interface Reply {
  /** @default 200 */
  readonly status?: number;
  /** A JSON body. */
  readonly json?: unknown;
  /** A text body. */
  readonly text?: string;
  /** A streamed text body: each chunk is written after `chunkDelayMs`. */
  readonly chunks?: readonly string[];
  readonly chunkDelayMs?: number;
  readonly contentType?: string;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

export type Handler = (request: Recorded, params: Record<string, string>) => Reply | Promise<Reply>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: string[];
  readonly handler: Handler;
}

function compile(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      if (!part.startsWith('{')) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(part.slice(1, -1));
      return '([^/]+?)';
    })
    .join('');
  return { pattern: new RegExp(`^${source}$`), names };
}

async function readAll(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function multipartFiles(body: Buffer, contentType: string): Promise<RecordedFile[]> {
  // The platform's multipart parser: a Request built from the raw body.
  const form = await new Request('http://local/', {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  }).formData();
  const files: RecordedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') continue;
    files.push({
      field,
      fileName: value.name,
      type: value.type,
      bytes: Buffer.from(await value.arrayBuffer()),
    });
  }
  return files;
}

/** The recording server. */
export class RecordingServer {
  readonly requests: Recorded[] = [];
  /** Requests and answers that broke the swagger (and unexpected requests). */
  readonly violations: string[] = [];
  private readonly routes: Route[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly prefix: string,
    private readonly swagger: Swagger | undefined,
  ) {}

  /** Starts a server; `prefix` makes it a Kubernetes service proxy. */
  static async start(
    options: { swagger?: Swagger; prefix?: string } = {},
  ): Promise<RecordingServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const recording = new RecordingServer(
      server,
      `http://127.0.0.1:${port}`,
      options.prefix ?? '',
      options.swagger,
    );
    server.on('request', (req, res) => {
      recording.handle(req, res).catch((error: unknown) => {
        recording.violations.push(`server error: ${String(error)}`);
        res.destroy();
      });
    });
    return recording;
  }

  /** Answers `method template` (template as in the swagger, e.g. `/apis/v2beta1/runs/{run_id}`). */
  on(method: string, template: string, handler: Handler | Reply): this {
    const { pattern, names } = compile(template);
    const fn: Handler = typeof handler === 'function' ? handler : () => handler;
    this.routes.unshift({ method, pattern, names, handler: fn });
    return this;
  }

  /** The requests made to `method path` (path after the prefix, no query). */
  made(method: string, path?: string): Recorded[] {
    return this.requests.filter(
      (r) => r.method === method && (path === undefined || r.path === path),
    );
  }

  /** Forgets recorded requests and violations (routes stay). */
  reset(): void {
    this.requests.length = 0;
    this.violations.length = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const body = await readAll(req);
    const contentType = req.headers['content-type'] ?? '';
    let json: unknown;
    if (/application\/json/.test(contentType) && body.length > 0)
      json = JSON.parse(body.toString('utf8'));
    const files = /multipart\/form-data/.test(contentType)
      ? await multipartFiles(body, contentType)
      : [];
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    let path = url.pathname;
    if (this.prefix !== '') {
      if (!path.startsWith(`${this.prefix}/`)) {
        this.violations.push(`request outside the proxy prefix: ${method} ${path}`);
        this.send(res, {
          status: 404,
          json: { kind: 'Status', code: 404, message: 'not proxied' },
        });
        return;
      }
      path = path.slice(this.prefix.length);
    }
    const recorded: Recorded = {
      method,
      rawPath: url.pathname,
      path,
      query,
      headers: req.headers,
      body,
      json,
      files,
    };
    this.requests.push(recorded);
    const operation = this.swagger?.operation(method, path);
    if (operation?.body !== undefined && json !== undefined && this.swagger !== undefined) {
      for (const e of this.swagger.check(operation.body, json)) {
        this.violations.push(`request ${method} ${path} body: ${e}`);
      }
    }
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m === null) continue;
      const params = Object.fromEntries(
        route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]),
      );
      const reply = await route.handler(recorded, params);
      if (operation !== undefined && this.swagger !== undefined && reply.json !== undefined) {
        const status = reply.status ?? 200;
        const schema = status === 200 ? operation.ok : { $ref: 'kfp#/definitions/googleRpcStatus' };
        for (const e of this.swagger.check(schema, reply.json)) {
          this.violations.push(`answer to ${method} ${path} (${status}): ${e}`);
        }
      }
      if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
      await this.send(res, reply);
      return;
    }
    this.violations.push(`unexpected request ${method} ${path}`);
    // What grpc-gateway answers for a path no operation serves.
    await this.send(res, { status: 404, json: { code: 5, message: 'Not Found', details: [] } });
  }

  private async send(res: http.ServerResponse, reply: Reply): Promise<void> {
    const status = reply.status ?? 200;
    if (reply.chunks !== undefined) {
      res.writeHead(status, { 'Content-Type': reply.contentType ?? 'text/plain; charset=utf-8' });
      for (const chunk of reply.chunks) {
        await new Promise((r) => setTimeout(r, reply.chunkDelayMs ?? 10));
        if (res.destroyed) return;
        res.write(chunk);
      }
      res.end();
      return;
    }
    const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
    const type =
      reply.contentType ??
      (reply.json !== undefined ? 'application/json' : 'text/plain; charset=utf-8');
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}
