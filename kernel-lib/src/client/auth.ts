/**
 * Where the bearer token of a request comes from. The first source that is configured wins:
 *
 * 1. the `token` option (a string, or a function asked before every request);
 * 2. the `tokenFile` option: a file read fresh (with a short cache), since projected service
 *    account tokens rotate;
 * 3. the `dataDir` option: the embedded engine's access token, `<dataDir>/token` (no token is
 *    sent while that file does not exist, for an engine that does not ask for one);
 * 4. `$PIPELAB_TOKEN`, then `$KF_PIPELINES_TOKEN`;
 * 5. `$KF_PIPELINES_SA_TOKEN_PATH`: a token file, as the KFP Python client reads it.
 *
 * Files are read by `token-file.ts`, loaded only when a file is configured, so this module (and
 * the client core) runs in a browser.
 */
import { ClientOptionsError } from './errors';

/** A bearer token, or a function that returns the current one (called before each request). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** The environment variables the client reads. */
export const ENV = {
  /** The API endpoint (the client's default `endpoint`). */
  endpoint: 'PIPELAB_ENDPOINT',
  /** The endpoint variable of the KFP Python client, read after {@link ENV.endpoint}. */
  kfpEndpoint: 'KF_PIPELINES_ENDPOINT',
  /** A bearer token. */
  token: 'PIPELAB_TOKEN',
  /** A bearer token, as the KFP Python client reads it. */
  kfpToken: 'KF_PIPELINES_TOKEN',
  /** The path of a (rotating) service account token file, as the KFP Python client reads it. */
  kfpTokenPath: 'KF_PIPELINES_SA_TOKEN_PATH',
} as const;

/** The environment: variable names to values. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The process environment in Node; an empty one in a browser. */
export function defaultEnv(): Env {
  const proc = (globalThis as { process?: { env?: Env } }).process;
  return proc?.env ?? {};
}

/** Options that choose the bearer token. */
export interface AuthOptions {
  /** A bearer token, or a function returning the current one. @default from the environment */
  token?: TokenSource;
  /** A file holding the bearer token (Node only), re-read as it rotates. @default $KF_PIPELINES_SA_TOKEN_PATH */
  tokenFile?: string;
  /**
   * The embedded engine's data directory (Node only): its access token is read from
   * `<dataDir>/token`. @default none
   */
  dataDir?: string;
  /** How long a token read from a file is reused before the file is read again. @default 5000 */
  tokenCacheMs?: number;
}

/** Returns the token for the next request, or undefined to send none. */
export interface BearerProvider {
  (): Promise<string | undefined>;
  /** Where the token comes from, for messages (`token option`, `token file /x`...). */
  readonly source: string;
}

function provider(source: string, get: () => Promise<string | undefined>): BearerProvider {
  return Object.assign(get, { source });
}

function clean(token: string | undefined): string | undefined {
  const t = token?.trim();
  return t === undefined || t === '' ? undefined : t;
}

function fileProvider(
  file: string,
  what: string,
  optional: boolean,
  cacheMs: number,
): BearerProvider {
  let reader: (() => Promise<string | undefined>) | undefined;
  return provider(`${what} ${file}`, async () => {
    if (reader === undefined) {
      const { tokenFileReader } = await import('./token-file.js');
      reader = tokenFileReader(file, { optional, cacheMs, what });
    }
    return reader();
  });
}

/**
 * The bearer token provider for a set of options and an environment.
 *
 * @param options - The token options.
 * @param env - The environment (for `$PIPELAB_TOKEN` and friends).
 * @param useEnv - Whether the environment may supply a token (not when a kubeconfig's credentials apply).
 */
export function bearerProvider(options: AuthOptions, env: Env, useEnv = true): BearerProvider {
  const cacheMs = options.tokenCacheMs ?? 5000;
  if (!Number.isFinite(cacheMs) || cacheMs < 0) {
    throw new ClientOptionsError(
      'tokenCacheMs',
      `tokenCacheMs must be a number ≥ 0; got ${String(cacheMs)}.`,
    );
  }
  const { token } = options;
  if (typeof token === 'string') {
    const value = clean(token);
    if (value === undefined) throw new ClientOptionsError('token', 'the token option is empty.');
    return provider('the token option', async () => value);
  }
  if (typeof token === 'function') {
    return provider('the token function', async () => clean(await token()));
  }
  if (token !== undefined) {
    throw new ClientOptionsError('token', 'token must be a string or a function returning one.');
  }
  if (options.tokenFile !== undefined) {
    if (typeof options.tokenFile !== 'string' || options.tokenFile.trim() === '') {
      throw new ClientOptionsError('tokenFile', 'tokenFile must be a non-empty path.');
    }
    return fileProvider(options.tokenFile, 'token file', false, cacheMs);
  }
  if (options.dataDir !== undefined) {
    if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
      throw new ClientOptionsError('dataDir', 'dataDir must be a non-empty path.');
    }
    const dir = options.dataDir.replace(/[\\/]+$/, '');
    return fileProvider(`${dir}/token`, "the engine's token file", true, cacheMs);
  }
  if (useEnv) {
    for (const name of [ENV.token, ENV.kfpToken]) {
      const value = clean(env[name]);
      if (value !== undefined) return provider(`$${name}`, async () => value);
    }
    const path = clean(env[ENV.kfpTokenPath]);
    if (path !== undefined) {
      return fileProvider(path, `token file ($${ENV.kfpTokenPath})`, false, cacheMs);
    }
  }
  return provider('no token', async () => undefined);
}
