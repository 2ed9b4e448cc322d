/**
 * A watchdog that outlives the engine. Task processes lead their own process groups, so killing
 * the engine (`kill -9`, a crash, the OOM killer) would leave them running, writing into a run
 * that is over. The reaper is a tiny Node process the engine tells about every task process
 * group it starts (`+<pid>`) and sees end (`-<pid>`) over a pipe; when that pipe closes without
 * the engine having stopped its tasks — the engine died — it kills the groups left and exits.
 *
 * It is started on the first task process, so an engine that never runs tasks never starts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ProcessMonitor } from '../runner';

/** The reaper's program (`node -e`): no files, no modules beyond Node's own. */
const REAPER_PROGRAM = `
'use strict';
const groups = new Set();
let pending = '';
const reap = () => {
  for (const pid of groups) {
    try { process.kill(-pid, 'SIGKILL'); } catch (e) { /* already gone */ }
  }
  process.exit(0);
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let nl = pending.indexOf('\\n'); nl >= 0; nl = pending.indexOf('\\n')) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const pid = Number(line.slice(1));
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    if (line[0] === '+') groups.add(pid);
    else if (line[0] === '-') groups.delete(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

/** The engine's side of the reaper: a {@link ProcessMonitor} for the runner. */
export class Reaper implements ProcessMonitor {
  private child: ChildProcess | undefined;
  private unavailable = false;
  private closed = false;
  /** The groups alive now: told again to a reaper started after one that died. */
  private readonly live = new Set<number>();

  constructor(private readonly log: (message: string) => void) {}

  /** The reaper process's pid, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  started(pid: number): void {
    this.live.add(pid);
    this.send(`+${pid}\n`);
  }

  ended(pid: number): void {
    this.live.delete(pid);
    this.send(`-${pid}\n`);
  }

  private send(line: string): void {
    const fresh = this.child === undefined;
    const child = this.ensure();
    if (!child?.stdin?.writable) return;
    if (fresh) {
      // A new reaper (the first, or one replacing a reaper that died) learns every live group.
      for (const pid of this.live) child.stdin.write(`+${pid}\n`);
      if (line.startsWith('+')) return;
    }
    child.stdin.write(line);
  }

  private ensure(): ChildProcess | undefined {
    if (this.child !== undefined || this.unavailable || this.closed) return this.child;
    try {
      const child = spawn(process.execPath, ['-e', REAPER_PROGRAM], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
        // Not the engine's NODE_OPTIONS: a loader there (tsx) would only slow the reaper down.
        env: { PATH: process.env.PATH ?? '' },
      });
      child.on('error', (error) => {
        this.unavailable = true;
        this.child = undefined;
        this.log(`the task process watchdog could not start: ${error.message}`);
      });
      child.on('exit', (code, signal) => {
        if (this.closed || this.child !== child) return;
        this.child = undefined;
        this.log(
          `the task process watchdog stopped (${signal ?? `exit code ${String(code)}`}); it starts again with the next task process.`,
        );
      });
      child.stdin?.on('error', () => undefined);
      // Neither the reaper nor its pipe keeps the engine's process alive.
      child.unref();
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      this.child = child;
      return child;
    } catch (error) {
      this.unavailable = true;
      this.log(
        `the task process watchdog could not start: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  }

  /** Lets the reaper go: it kills whatever is still registered (nothing, after a clean shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    // Waited for with references held: an unreferenced child alone would let the loop drain.
    child.ref();
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      timer = setTimeout(resolve, 2000);
    });
    child.stdin?.end();
    await exited;
    clearTimeout(timer);
    child.unref();
  }
}
