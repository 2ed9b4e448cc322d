/**
 * Reading request bodies and writing JSON responses, with a size limit enforced while the body
 * streams in (nothing past the limit is buffered).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError, PayloadTooLargeError, type ApiError } from '../errors';
import { statusBody, type StatusBody } from './status';

/** The most bytes a JSON request body may have: 32 MiB, like an uploaded pipeline. */
export const MAX_JSON_BODY_BYTES = 32 * 1024 * 1024;

/** Reads the whole body, failing with {@link PayloadTooLargeError} past `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(
        new PayloadTooLargeError(
          `the request body is ${declared} bytes; at most ${limit} are accepted.`,
          limit,
        ),
      );
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        parts.length = 0;
        reject(new PayloadTooLargeError(`the request body is larger than ${limit} bytes.`, limit));
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(parts));
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
      failed = true;
    });
  });
}

/**
 * Reads a JSON object body. An empty body is an empty message, as grpc-gateway treats it.
 *
 * @throws {@link InvalidArgumentError} for malformed JSON or a non-object body.
 */
export async function readJson(req: IncomingMessage, what: string): Promise<unknown> {
  const body = await readBody(req, MAX_JSON_BODY_BYTES);
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(
      `the request body is not valid JSON (${error instanceof Error ? error.message : String(error)}); expected a ${what} object.`,
      { field: what },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`the request body must be a JSON object (a ${what}).`, {
      field: what,
    });
  }
  return value;
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Writes an error response: `{code, message, details}` with the matching HTTP status. */
export function sendError(res: ServerResponse, error: ApiError): void {
  sendStatus(res, error.httpStatus, statusBody(error));
}

/** Writes a status body, unless the response is already under way. */
export function sendStatus(res: ServerResponse, httpStatus: number, body: StatusBody): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, httpStatus, body);
}
