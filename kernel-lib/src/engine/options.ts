/**
 * The options of {@link startEngine}, and the one function that applies their defaults and
 * checks them.
 */
import * as path from 'node:path';
import { defaultDashboardDir } from './api/static';
import { EngineOptionsError } from './errors';
import type { RunLauncher } from './runs/launcher';
import type { CommandResolver } from './runner';
import { systemClock, type Clock, type TimerHandle } from './schedule/clock';
import { isTimeZone } from './schedule/timezone';

/** What the daily hook is given. */
export interface DailyTick {
  /** When the hook was due. */
  readonly at: Date;
  /** The date that just began in the hook's time zone, `YYYY-MM-DD`. */
  readonly day: string;
}

/** How to start the embedded engine. */
export interface EngineOptions {
  /** The directory holding the database (`pipelab.db`), run files and artifacts. Created if missing. */
  dataDir: string;
  /** The address to listen on. @default '127.0.0.1' (this machine only) */
  host?: string;
  /** The port to listen on; 0 picks a free one. @default 8888 */
  port?: number;
  /** How many task processes one run may run at the same time. @default 4 */
  parallelism?: number;
  /**
   * The clock: every stored time comes from it, and the scheduler of recurring runs sets its
   * timers on it. A `Clock` (such as `FakeClock`, whose time moves only when a test says) drives
   * both; a function only tells the time, and timers then run on the real clock, offset by the
   * difference. @default the system clock
   */
  clock?: Clock | (() => Date);
  /**
   * Called once a day, at 00:05 in {@link dailyTickTimeZone} (on the engine's clock), for work
   * that follows the calendar, such as appending yesterday to the embedded warehouse. A rejected
   * promise or a throw is logged; a call still running when the next is due makes that one skip.
   * @default none
   */
  onDailyTick?: (tick: DailyTick) => unknown;
  /**
   * The IANA time zone whose midnight starts the day for {@link onDailyTick}.
   * @default the machine's time zone
   */
  dailyTickTimeZone?: string;
  /**
   * What executes runs. Tests pass a fake; the default runs each container task as a local
   * process with Pipelab's runner, with the task-output cache kept in the database.
   * @default the local runner
   */
  launcher?: RunLauncher;
  /** Maps containers to local commands (for the default launcher). @default none */
  commandResolver?: CommandResolver;
  /**
   * The environment of task processes (for the default launcher), before each container's own
   * `env`: the engine's own process environment is left as it is.
   * @default process.env
   */
  taskEnv?: NodeJS.ProcessEnv;
  /**
   * The pipeline root of runs whose `runtime_config.pipeline_root` is empty.
   * @default `file://<dataDir>/artifacts`
   */
  defaultPipelineRoot?: string;
  /** How long `close()` waits for runs to stop before recording them as failed. @default 10000 */
  shutdownGraceMs?: number;
  /** Where problems no client can be told about go. @default console.error */
  log?: (message: string) => void;
  /**
   * Browser origins (`scheme://host[:port]`, e.g. `http://localhost:8888` for JupyterLab) whose
   * pages may call the API: they get `Access-Control-Allow-Origin` and preflight answers. Other
   * origins get no CORS headers. Calls still need the access token.
   * @default [] (no cross-origin access)
   */
  allowedOrigins?: readonly string[];
  /**
   * The built dashboard to serve at `/` (run links open it); `false` serves none.
   * @default extension/dist/dashboard of this repository, when it has been built
   */
  dashboardDir?: string | false;
}

/** Options with every default applied. */
export interface SettledEngineOptions {
  dataDir: string;
  host: string;
  port: number;
  parallelism: number;
  clock: Clock;
  onDailyTick: ((tick: DailyTick) => unknown) | undefined;
  dailyTickTimeZone: string;
  launcher: RunLauncher | undefined;
  commandResolver: CommandResolver | undefined;
  taskEnv: NodeJS.ProcessEnv | undefined;
  defaultPipelineRoot: string;
  shutdownGraceMs: number;
  log: (message: string) => void;
  allowedOrigins: readonly string[];
  dashboardDir: string | undefined;
}

/** A clock that only tells the time: timers run on the real clock, offset to its time. */
function offsetClock(now: () => Date): Clock {
  return {
    now,
    setTimer(at: Date, fn: () => void): TimerHandle {
      const wait = at.getTime() - now().getTime();
      return systemClock.setTimer(new Date(Date.now() + wait), fn);
    },
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
  };
}

function settleClock(value: unknown): Clock {
  if (value === undefined) return systemClock;
  if (typeof value === 'function') return offsetClock(value as () => Date);
  const clock = value as Partial<Clock> | null;
  if (
    typeof clock === 'object' &&
    clock !== null &&
    typeof clock.now === 'function' &&
    typeof clock.setTimer === 'function' &&
    typeof clock.sleep === 'function'
  ) {
    return clock as Clock;
  }
  throw new EngineOptionsError(
    'option clock must be a Clock (now, setTimer, sleep) or a function returning a Date.',
  );
}

function localTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof zone === 'string' && isTimeZone(zone) ? zone : 'UTC';
}

function settleOrigins(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new EngineOptionsError('option allowedOrigins must be an array of origins.');
  }
  return value.map((origin: unknown) => {
    let parsed: URL | undefined;
    try {
      parsed = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {
      parsed = undefined;
    }
    if (
      typeof origin !== 'string' ||
      parsed === undefined ||
      (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
      parsed.origin !== origin
    ) {
      throw new EngineOptionsError(
        `option allowedOrigins: ${JSON.stringify(origin)} is not an origin; write each as scheme://host[:port] without a path or a trailing slash (e.g. http://localhost:8888). '*' is not accepted: list the origins.`,
      );
    }
    return origin;
  });
}

/**
 * Applies defaults and checks every option; throws {@link EngineOptionsError} naming the bad one.
 */
export function settleEngineOptions(options: EngineOptions): SettledEngineOptions {
  if (typeof options !== 'object' || options === null) {
    throw new EngineOptionsError('startEngine needs an options object with at least dataDir.');
  }
  if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
    throw new EngineOptionsError('option dataDir must be a non-empty path.');
  }
  const port = options.port ?? 8888;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new EngineOptionsError(
      `option port must be an integer from 0 to 65535; got ${String(port)}.`,
    );
  }
  const parallelism = options.parallelism ?? 4;
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new EngineOptionsError(
      `option parallelism must be a positive integer; got ${String(parallelism)}.`,
    );
  }
  const grace = options.shutdownGraceMs ?? 10_000;
  if (!Number.isFinite(grace) || grace < 0) {
    throw new EngineOptionsError(
      `option shutdownGraceMs must be a number ≥ 0; got ${String(grace)}.`,
    );
  }
  const clock = settleClock(options.clock);
  if (options.onDailyTick !== undefined && typeof options.onDailyTick !== 'function') {
    throw new EngineOptionsError('option onDailyTick must be a function.');
  }
  const dailyTickTimeZone = options.dailyTickTimeZone ?? localTimeZone();
  if (typeof dailyTickTimeZone !== 'string' || !isTimeZone(dailyTickTimeZone)) {
    throw new EngineOptionsError(
      `option dailyTickTimeZone must be an IANA time zone such as 'America/Chicago'; got ${JSON.stringify(dailyTickTimeZone)}.`,
    );
  }
  if (options.launcher !== undefined && typeof options.launcher?.launch !== 'function') {
    throw new EngineOptionsError('option launcher must have a launch(request) method.');
  }
  const dataDir = path.resolve(options.dataDir);
  return {
    dataDir,
    host: options.host ?? '127.0.0.1',
    port,
    parallelism,
    clock,
    onDailyTick: options.onDailyTick,
    dailyTickTimeZone,
    launcher: options.launcher,
    commandResolver: options.commandResolver,
    taskEnv: options.taskEnv,
    defaultPipelineRoot: options.defaultPipelineRoot ?? `file://${path.join(dataDir, 'artifacts')}`,
    shutdownGraceMs: grace,
    log: options.log ?? ((message) => console.error(`[pipelab engine] ${message}`)),
    allowedOrigins: settleOrigins(options.allowedOrigins),
    dashboardDir:
      options.dashboardDir === false
        ? undefined
        : options.dashboardDir !== undefined
          ? path.resolve(options.dashboardDir)
          : defaultDashboardDir(),
  };
}
