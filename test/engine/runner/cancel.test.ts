import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../../kernel-lib/src/engine/runner';
import { PRELUDE, isAlive, node, pipeline, task, tempDir, waitFor } from './helpers';

/** A task that starts a grandchild, writes both pids, and runs until killed. */
function longSpec(dir: string, ignoreSigterm: boolean) {
  const long = `${PRELUDE}
    ${ignoreSigterm ? "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" : ''}
    const child = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    fs.writeFileSync(argv[0] + '.tmp', JSON.stringify({ main: process.pid, grandchild: child.pid }));
    fs.renameSync(argv[0] + '.tmp', argv[0]);
    setInterval(() => {}, 1000);`;
  return pipeline({
    components: {
      long: { container: { image: 'x', command: node(long), args: [path.join(dir, 'pids.json')] } },
      after: {
        container: {
          image: 'x',
          command: node(`require('fs').writeFileSync(process.argv[1], 'ran')`),
          args: [path.join(dir, 'after-ran')],
        },
      },
    },
    tasks: { long: task('long'), after: task('after', { dependentTasks: ['long'] }) },
  });
}

async function pidsOnceStarted(dir: string): Promise<{ main: number; grandchild: number }> {
  const file = path.join(dir, 'pids.json');
  expect(await waitFor(() => fs.existsSync(file), 10_000)).toBe(true);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as { main: number; grandchild: number };
}

describe('cancellation', () => {
  it('terminates a running task and its child processes when the signal aborts', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    const handle = runPipeline(longSpec(dir, false), {
      workDir: dir,
      signal: controller.signal,
      killGracePeriodMs: 2000,
    });
    const pids = await pidsOnceStarted(dir);
    expect(isAlive(pids.grandchild)).toBe(true);
    expect(handle.snapshot().tasks.long?.state).toBe('RUNNING');

    controller.abort();
    const result = await handle.result;
    expect(result.state).toBe('CANCELED');
    expect(result.tasks.long?.state).toBe('CANCELED');
    expect(result.tasks.long?.attempts[0]?.exitSignal).toBe('SIGTERM');
    expect(result.tasks.after?.state).toBe('CANCELED');
    expect(fs.existsSync(path.join(dir, 'after-ran'))).toBe(false);
    expect(await waitFor(() => !isAlive(pids.main) && !isAlive(pids.grandchild), 3000)).toBe(true);
  });

  it('kills a task that ignores SIGTERM after the grace period', async () => {
    const dir = tempDir();
    const handle = runPipeline(longSpec(dir, true), { workDir: dir, killGracePeriodMs: 300 });
    const pids = await pidsOnceStarted(dir);
    handle.cancel();
    const result = await handle.result;
    expect(result.state).toBe('CANCELED');
    expect(result.tasks.long?.attempts[0]?.exitSignal).toBe('SIGKILL');
    expect(fs.readFileSync(result.tasks.long?.logPath ?? '', 'utf8')).toContain('ignoring SIGTERM');
    expect(await waitFor(() => !isAlive(pids.main) && !isAlive(pids.grandchild), 3000)).toBe(true);
  });

  it('runs nothing when the signal is already aborted', async () => {
    const dir = tempDir();
    const result = await runPipeline(longSpec(dir, false), {
      workDir: dir,
      signal: AbortSignal.abort(),
    }).result;
    expect(result.state).toBe('CANCELED');
    expect(result.tasks.long?.state).toBe('CANCELED');
    expect(fs.existsSync(path.join(dir, 'pids.json'))).toBe(false);
  });
});
