// The main job end to end on the default data (a fresh home: warehouse created, the Chicago
// pipeline uploaded, run with its defaults, deployed and scheduled): wall time, and the share of
// it spent training (the train step's own `training_seconds`). `npm run bench:main-job`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '../../kernel-lib/src/client/client';
import { taskMetrics } from '../../kernel-lib/src/display/run-outputs';
import { startMainJob } from '../../kernel-lib/src/main-job/start';

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(tmpdir(), 'pipelab-bench-main-'));
  const lines: string[] = [];
  const t0 = performance.now();
  const job = await startMainJob({
    home,
    enginePort: 0,
    servingPort: 0,
    log: (l) => lines.push(l),
  });
  const wall = (performance.now() - t0) / 1000;
  try {
    const token = (await import('node:fs'))
      .readFileSync(path.join(home, 'engine', 'token'), 'utf8')
      .trim();
    const client = new Client({ endpoint: job.engineUrl, token });
    const metrics = await taskMetrics(client, job.runId, 'train');
    const training = metrics.training_seconds ?? NaN;
    console.log(`main job, fresh home, default parameters: run ${job.runState}`);
    console.log(
      `wall time ${wall.toFixed(1)} s; training ${training.toFixed(1)} s (${((100 * training) / wall).toFixed(0)}% of it)`,
    );
    console.log(
      `test RMSE ${metrics.rmse?.toFixed(1)} (naive: yesterday ${metrics.naive_yesterday_rmse?.toFixed(1)}, mean of 7 days ${metrics.naive_mean7_rmse?.toFixed(1)})`,
    );
  } finally {
    await job.close();
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
