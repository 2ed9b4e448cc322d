/**
 * Starting and stopping the embedded engine: one local process that stores metadata in SQLite
 * under its data directory, executes runs with the local runner, and answers the KFP REST API
 * v2beta1 over HTTP.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { VERSION } from '../version';
import { loadOrCreateAccessToken } from './access-token';
import { AccessGuard } from './api/auth';
import type { EngineContext } from './api/context';
import { CorsPolicy } from './api/cors';
import { DailyTicker } from './daily-tick';
import { PageTokens } from './api/list-options';
import { dispatch } from './api/dispatch';
import { buildRouter } from './api/routes';
import { EngineError, EngineOptionsError } from './errors';
import { settleEngineOptions, type EngineOptions } from './options';
import { RunManager } from './runs/manager';
import { Reaper } from './runs/reaper';
import { runnerLauncher } from './runs/runner-launcher';
import { Scheduler } from './runs/scheduler';
import { openStore } from './store';

/** The name of the metadata database in the data directory. */
export const DATABASE_FILE = 'pipelab.db';

/** The folder of the data directory that stands in for object storage (`gs://`, `s3://`...). */
export const BUCKETS_DIR = 'buckets';

/** The setting holding the key that signs page tokens (tokens stay valid across restarts). */
const PAGE_TOKEN_KEY_SETTING = 'page_token_key';

/** A running engine. */
export interface EngineHandle {
  /** The base URL of the API, e.g. `http://127.0.0.1:8888` (API paths start with `/apis/v2beta1`). */
  readonly url: string;
  /** The port it listens on (the one picked when `port` was 0). */
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /**
   * The access token every API call but healthz needs (`Authorization: Bearer <token>`, or
   * `?token=` on GET links). It is also in {@link tokenFile}.
   */
  readonly token: string;
  /** `<dataDir>/token`, mode 0600: where clients on this machine read the token. */
  readonly tokenFile: string;
  /** How many unfinished runs of a previous process were closed at start-up. */
  readonly recoveredRuns: number;
  /**
   * Stops the engine: no new connections, active runs are stopped (and recorded as FAILED with
   * the reason), then the database is closed. Safe to call more than once.
   */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use`
          : error.code === 'EACCES'
            ? `permission denied to listen on ${host}:${port}`
            : error.message;
      reject(
        new EngineError(
          `the engine cannot listen on ${host}:${port}: ${reason}.`,
          {},
          { cause: error, code: 'ENGINE_LISTEN_FAILED' },
        ),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts the embedded engine.
 *
 * @example
 * ```ts
 * const engine = await startEngine({ dataDir: '.pipelab', port: 0 });
 * const health = await fetch(`${engine.url}/apis/v2beta1/healthz`);
 * await engine.close();
 * ```
 * @throws {@link EngineOptionsError} for a bad option, {@link AccessTokenError} when the token file
 *   is readable by others or empty, {@link StoreError} when the database cannot be opened,
 *   {@link EngineError} (code `ENGINE_LISTEN_FAILED`) when the port cannot be bound.
 */
export async function startEngine(options: EngineOptions): Promise<EngineHandle> {
  const settled = settleEngineOptions(options);
  const { dataDir, clock, log } = settled;
  const now = (): Date => clock.now();
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new EngineOptionsError(
      `cannot create the data directory ${dataDir}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const access = loadOrCreateAccessToken(dataDir);
  const realDataDir = fs.realpathSync(dataDir);
  const store = openStore(path.join(dataDir, DATABASE_FILE));
  let server: http.Server | undefined;
  const reaper = new Reaper(log);
  let scheduler: Scheduler | undefined;
  let daily: DailyTicker | undefined;
  try {
    const bucketsDir = path.join(dataDir, BUCKETS_DIR);
    const launcher =
      settled.launcher ??
      runnerLauncher({
        parallelism: settled.parallelism,
        cache: store.cache,
        now,
        bucketsDir,
        processMonitor: reaper,
        ...(settled.commandResolver ? { commandResolver: settled.commandResolver } : {}),
        ...(settled.taskEnv ? { env: settled.taskEnv } : {}),
      });
    const runs = new RunManager({
      store,
      launcher,
      now,
      dataDir,
      defaultPipelineRoot: settled.defaultPipelineRoot,
      bucketsDir,
      log,
      onRunEnded: (ended) => scheduler?.onRunEnded(ended),
    });
    const recoveredRuns = runs.recover();
    store.experiments.ensureDefault(now().getTime());
    scheduler = new Scheduler({ store, runs, clock, log });
    const pageTokenKey = store.settings.ensure(PAGE_TOKEN_KEY_SETTING, () =>
      randomBytes(32).toString('base64url'),
    );
    const engine: EngineContext = {
      store,
      pageTokens: new PageTokens(Buffer.from(pageTokenKey, 'base64url')),
      runs,
      scheduler,
      now,
      dataDir,
      realDataDir,
      version: VERSION,
      log,
    };
    const router = buildRouter(engine);
    const guard = new AccessGuard(access.token);
    const cors = new CorsPolicy(settled.allowedOrigins);
    const dashboardDir = settled.dashboardDir;
    const httpServer = http.createServer((req, res) => {
      dispatch(router, req, res, { log, guard, cors, dashboardDir }).catch((error: unknown) => {
        log(`request ${req.method ?? ''} ${req.url ?? ''} failed: ${String(error)}`);
        res.destroy();
      });
    });
    server = httpServer;
    httpServer.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    await listen(httpServer, settled.port, settled.host);
    scheduler.start();
    if (settled.onDailyTick !== undefined) {
      daily = new DailyTicker({
        clock,
        timeZone: settled.dailyTickTimeZone,
        onTick: settled.onDailyTick,
        log,
      });
      daily.start();
    }
    const port = (httpServer.address() as AddressInfo).port;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${urlHost(settled.host)}:${port}`,
      port,
      host: settled.host,
      dataDir,
      token: access.token,
      tokenFile: access.file,
      recoveredRuns,
      close: () => {
        closing ??= (async () => {
          const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
          httpServer.closeIdleConnections();
          scheduler?.stop();
          daily?.stop();
          await runs.shutdown(settled.shutdownGraceMs);
          await reaper.close();
          httpServer.closeAllConnections();
          await closed;
          store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    scheduler?.stop();
    daily?.stop();
    server?.close();
    await reaper.close();
    store.close();
    throw error;
  }
}
