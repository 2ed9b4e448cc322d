/**
 * The server's URL space: TensorFlow Serving's REST paths plus Pipelab's additions.
 *
 * ```
 * GET  /v1/models/{name}[/versions/{v}|/labels/{label}]            model (version) status
 * GET  /v1/models/{name}[/versions/{v}|/labels/{label}]/metadata   signature and model card
 * POST /v1/models/{name}[/versions/{v}|/labels/{label}]:predict    {"instances": …} → predictions
 * GET|POST /v1/models/{name}[/versions/{v}|/labels/{label}]:forecast   Pipelab: next day(s)
 * POST /v1/models/{name}:rollback                                  Pipelab: previous default
 * GET  /v1/models                                                  Pipelab: the models
 * GET  /healthz, /readyz                                           Pipelab: liveness, readiness
 * ```
 */
import { parseVersion } from './layout';
import type { VersionSelector } from './model-pool';

/** A parsed request target. */
export type Route =
  | { readonly kind: 'status'; readonly model: string; readonly selector: VersionSelector }
  | { readonly kind: 'metadata'; readonly model: string; readonly selector: VersionSelector }
  | {
      readonly kind: 'method';
      readonly model: string;
      readonly selector: VersionSelector;
      /** `predict`, `forecast`, `rollback`, or another (unsupported) method name. */
      readonly method: string;
    }
  | { readonly kind: 'models' }
  | { readonly kind: 'healthz' }
  | { readonly kind: 'readyz' }
  /** A version that is not a number: TensorFlow Serving answers 400. */
  | { readonly kind: 'bad-version'; readonly text: string };

const MODEL_PATH =
  /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(?:(\/metadata)|:([A-Za-z_]+))?\/?$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Parses a request path (without the query); undefined when it matches no route. */
export function parseRoute(pathname: string): Route | undefined {
  if (pathname === '/v1/models' || pathname === '/v1/models/') return { kind: 'models' };
  if (pathname === '/healthz') return { kind: 'healthz' };
  if (pathname === '/readyz') return { kind: 'readyz' };
  const match = MODEL_PATH.exec(pathname);
  if (!match) return undefined;
  const [, rawModel, rawVersion, rawLabel, metadata, method] = match;
  const model = decode(rawModel as string);
  if (model === undefined) return undefined;
  let selector: VersionSelector = { kind: 'default' };
  if (rawVersion !== undefined) {
    const version = parseVersion(rawVersion);
    if (version === undefined) return { kind: 'bad-version', text: rawVersion };
    selector = { kind: 'version', version };
  } else if (rawLabel !== undefined) {
    const label = decode(rawLabel);
    if (label === undefined) return undefined;
    selector = { kind: 'label', label };
  }
  if (metadata !== undefined) return { kind: 'metadata', model, selector };
  if (method !== undefined) return { kind: 'method', model, selector, method };
  return { kind: 'status', model, selector };
}
