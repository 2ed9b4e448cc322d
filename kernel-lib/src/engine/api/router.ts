/**
 * A small router for the API's path templates, including grpc-gateway's custom verbs
 * (`/apis/v2beta1/runs/{run_id}:terminate`). Literal segments win over parameters, so
 * `/pipelines/upload` is never read as a pipeline id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler gets. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path parameters, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** Returned by a handler that wrote the response itself (a stream, say). */
export const RESPONDED = Symbol('responded');

/** A handler returns the JSON body of a 200 response, or {@link RESPONDED}. */
export type Handler = (ctx: RequestContext) => unknown;

interface Segment {
  literal?: string;
  param?: string;
  verb?: string;
}

interface Route {
  readonly method: string;
  readonly template: string;
  readonly segments: readonly Segment[];
  readonly handler: Handler;
  readonly literals: number;
}

/** A matched route. */
export interface RouteMatch {
  readonly template: string;
  readonly handler: Handler;
  readonly params: Record<string, string>;
}

function compile(template: string): Segment[] {
  return template
    .split('/')
    .slice(1)
    .map((part) => {
      const m = /^\{([^}]+)\}(?::([A-Za-z]+))?$/.exec(part);
      if (m === null) return { literal: part };
      return m[2] === undefined ? { param: m[1] } : { param: m[1], verb: m[2] };
    });
}

export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route for `method` and a path template. */
  add(method: string, template: string, handler: Handler): this {
    const segments = compile(template);
    this.routes.push({
      method,
      template,
      segments,
      handler,
      literals: segments.filter((s) => s.literal !== undefined || s.verb !== undefined).length,
    });
    this.routes.sort((a, b) => b.literals - a.literals);
    return this;
  }

  private matchPath(route: Route, parts: readonly string[]): Record<string, string> | undefined {
    if (route.segments.length !== parts.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const segment = route.segments[i];
      const part = parts[i];
      if (segment === undefined || part === undefined) return undefined;
      if (segment.literal !== undefined) {
        if (segment.literal !== part) return undefined;
      } else if (segment.param !== undefined) {
        let value = part;
        if (segment.verb !== undefined) {
          const suffix = `:${segment.verb}`;
          if (!part.endsWith(suffix) || part.length === suffix.length) return undefined;
          value = part.slice(0, -suffix.length);
        }
        if (value === '') return undefined;
        params[segment.param] = value;
      }
    }
    return params;
  }

  /**
   * Finds the route for a request. `parts` are the decoded path segments. Returns `'method'` when
   * the path exists for another method only.
   */
  match(method: string, parts: readonly string[]): RouteMatch | 'method' | undefined {
    let otherMethod = false;
    for (const route of this.routes) {
      const params = this.matchPath(route, parts);
      if (params === undefined) continue;
      if (route.method !== method) {
        otherMethod = true;
        continue;
      }
      return { template: route.template, handler: route.handler, params };
    }
    return otherMethod ? 'method' : undefined;
  }
}
