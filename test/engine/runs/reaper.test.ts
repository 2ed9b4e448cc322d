/**
 * The task process watchdog: the groups it was told about and not told ended are killed when
 * its pipe closes (as when the engine dies), and a reaper that replaces a dead one learns the
 * groups still alive.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Reaper } from '../../../kernel-lib/src/engine/runs/reaper';
import { eventually, isAlive } from '../api/helpers';

const started: number[] = [];

/** A process group of its own, as the runner starts tasks: `sleep` with a child `sleep`. */
function group(): number {
  const child = spawn('sh', ['-c', 'sleep 60 & sleep 60'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid ?? 0;
  started.push(pid);
  return pid;
}

afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
});

describe('the reaper', () => {
  it('kills the groups still registered when its pipe closes, and only those', async () => {
    const reaper = new Reaper(() => undefined);
    const kept = group();
    const ended = group();
    reaper.started(kept);
    reaper.started(ended);
    reaper.ended(ended);
    expect(reaper.pid).toBeGreaterThan(0);
    await reaper.close();
    await eventually(() => !isAlive(kept), 5000, 'the registered group to be killed');
    expect(isAlive(ended)).toBe(true);
  });

  it('starts again after dying, knowing the groups alive', async () => {
    const logged: string[] = [];
    const reaper = new Reaper((m) => logged.push(m));
    const first = group();
    reaper.started(first);
    const pid = reaper.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await eventually(() => reaper.pid === undefined, 5000, 'the reaper to be seen dead');
    expect(logged.join('\n')).toContain('watchdog stopped');
    const second = group();
    reaper.started(second);
    expect(reaper.pid).not.toBe(pid);
    await reaper.close();
    await eventually(() => !isAlive(first) && !isAlive(second), 5000, 'both groups killed');
  });
});
