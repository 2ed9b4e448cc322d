/**
 * Runs one attempt of a task as a local process, the way a pod runs a container: the argv is
 * passed to `spawn` as is (never through a shell we build), the process leads its own process
 * group so the whole tree can be signalled, its output goes to a log file and, line by line, to
 * a callback. When the main process exits, whatever it left behind in its group is killed, as
 * when a pod's main container ends.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

/** How to run one process. */
export interface ProcessOptions {
  /** The program, then its arguments. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Receives stdout and stderr, interleaved as they come. */
  logPath: string;
  /** Aborting terminates the process tree: SIGTERM, then SIGKILL after the grace period. */
  signal: AbortSignal;
  killGracePeriodMs: number;
  /** Each complete line of output (without its newline). */
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Called once the process started, with its pid (also its process group id). */
  onSpawn?: (pid: number) => void;
}

/** How a process ended. */
export interface ProcessOutcome {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** The run was aborted while (or before) it ran. */
  canceled: boolean;
  /** The process could not be started (the program does not exist, say). */
  spawnError?: Error;
  /** The last lines it wrote to stderr, for error messages. */
  stderrTail: string[];
}

const TAIL_LINES = 20;

/** Sends `signal` to a process group, falling back to the process; ignores ones already gone. */
export function killProcessTree(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        emit(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    flush() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}

/** Runs a process to its end. Never rejects: problems are reported in the outcome. */
export async function runProcess(options: ProcessOptions): Promise<ProcessOutcome> {
  const stderrTail: string[] = [];
  if (options.signal.aborted)
    return { exitCode: null, exitSignal: null, canceled: true, stderrTail };
  const log = fs.createWriteStream(options.logPath, { flags: 'w' });
  const logClosed = new Promise<void>((resolve) => {
    log.on('close', resolve);
    log.on('error', () => resolve());
  });
  const [program, ...args] = options.argv;

  const outcome = await new Promise<ProcessOutcome>((resolve) => {
    let canceled = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

    const child = spawn(program ?? '', args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);

    const finish = (result: Omit<ProcessOutcome, 'canceled' | 'stderrTail'>) => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      resolve({ ...result, canceled, stderrTail });
    };

    const onAbort = () => {
      if (canceled || child.pid === undefined) return;
      canceled = true;
      killProcessTree(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        if (child.pid !== undefined) killProcessTree(child.pid, 'SIGKILL');
      }, options.killGracePeriodMs);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });

    const splitters = {
      stdout: lineSplitter((line) => options.onLine('stdout', line)),
      stderr: lineSplitter((line) => {
        stderrTail.push(line);
        if (stderrTail.length > TAIL_LINES) stderrTail.shift();
        options.onLine('stderr', line);
      }),
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      source.setEncoding('utf8');
      source.on('data', (chunk: string) => {
        log.write(chunk);
        splitters[stream].push(chunk);
      });
    }

    child.on('error', (error) => {
      // Spawning failed; 'close' may or may not follow.
      log.write(`pipelab: could not start ${JSON.stringify(program)}: ${error.message}\n`);
      finish({ exitCode: null, exitSignal: null, spawnError: error });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Like a pod: when the main process ends, nothing it started may outlive it.
      if (child.pid !== undefined) killProcessTree(child.pid, 'SIGKILL');
    });
    child.on('close', (code, signal) => {
      splitters.stdout.flush();
      splitters.stderr.flush();
      finish({ exitCode: exit?.code ?? code, exitSignal: exit?.signal ?? signal });
    });
    if (options.signal.aborted) onAbort();
  });

  log.end();
  await logClosed;
  return outcome;
}
