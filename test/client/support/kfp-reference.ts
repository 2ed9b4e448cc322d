/**
 * The requests the real Python `kfp.Client` sends, read from
 * ../shared/kfp/reference/kfp_client_requests.txt, and a comparison of the client's requests
 * with them that ignores only what does not change their meaning on the server: empty query
 * parameters kfp.Client sends anyway, and protobuf-JSON spellings of the filter (`stringValue`
 * for `string_value`, the operation's number for its name).
 */
import * as fs from 'node:fs';
import { expect } from 'vitest';
import type { Recorded } from './recording-server';

/** One request of the reference. */
export interface ReferenceRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string[]>;
  readonly contentType: string;
  readonly body: unknown;
}

/** The reference's scenarios (`upload_pipeline`, `create_experiment`…), each with its requests. */
export function readReference(file: string): Map<string, ReferenceRequest[]> {
  const scenarios = new Map<string, ReferenceRequest[]>();
  let current: ReferenceRequest[] | undefined;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const heading = /^===\s+(.*)$/.exec(line);
    if (heading) {
      current = [];
      scenarios.set((heading[1] ?? '').trim(), current);
      continue;
    }
    const request = /^(GET|POST|DELETE|PATCH|PUT) (\S+) (\{.*\}) (\S+)$/.exec(line);
    if (request && current) {
      current.push({
        method: request[1] ?? '',
        path: request[2] ?? '',
        query: JSON.parse(request[3] ?? '{}') as Record<string, string[]>,
        contentType: request[4] ?? '',
        body: undefined,
      });
      continue;
    }
    const body = /^\s+body: (.*)$/.exec(line);
    if (body && current && current.length > 0) {
      const last = current[current.length - 1] as ReferenceRequest;
      current[current.length - 1] = { ...last, body: JSON.parse(body[1] ?? 'null') as unknown };
    }
  }
  return scenarios;
}

const OPERATIONS = [
  'OPERATION_UNSPECIFIED',
  'EQUALS',
  'NOT_EQUALS',
  'GREATER_THAN',
  'GREATER_THAN_EQUALS',
  'LESS_THAN',
  'LESS_THAN_EQUALS',
  'IN',
  'IS_SUBSTRING',
];

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A filter's JSON as the server reads it: snake_case fields, operations by name. */
export function normalizeFilter(text: string): unknown {
  const filter = JSON.parse(text) as { predicates?: Record<string, unknown>[] };
  return {
    predicates: (filter.predicates ?? []).map((p) =>
      Object.fromEntries(
        Object.entries(p).map(([k, v]) => [
          snake(k),
          k === 'operation' && typeof v === 'number' ? OPERATIONS[v] : v,
        ]),
      ),
    ),
  };
}

/** The placeholder the reference writes for the compiled pipeline. */
export const SPEC_PLACEHOLDER = '<full compiled PipelineSpec dict>';

function replaceSpec(body: unknown, spec: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const copy = { ...(body as Record<string, unknown>) };
  if (copy.pipeline_spec === SPEC_PLACEHOLDER) copy.pipeline_spec = spec;
  return copy;
}

/**
 * Expects the client's request to be the reference's: same method and path, same non-empty
 * query parameters (the filter compared as the server parses it), same JSON body (the compiled
 * spec standing in for the reference's placeholder).
 */
export function expectSameRequest(ours: Recorded, theirs: ReferenceRequest, spec?: unknown): void {
  const where = `${theirs.method} ${theirs.path}`;
  expect(ours.method, where).toBe(theirs.method);
  expect(ours.path, where).toBe(theirs.path);
  const meaningful = (q: Record<string, string[]>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(q)
        .filter(([, v]) => !(v.length === 1 && v[0] === ''))
        .map(([k, v]) => [k, k === 'filter' ? v.map(normalizeFilter) : v]),
    );
  expect(meaningful(ours.query), `${where} query`).toEqual(meaningful(theirs.query));
  if (theirs.contentType === 'application/json' && theirs.body !== undefined) {
    expect(ours.json, `${where} body`).toEqual(replaceSpec(theirs.body, spec));
  }
}
