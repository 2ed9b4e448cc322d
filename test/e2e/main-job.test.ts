/**
 * The main job (`npm start`) on a fresh home directory: warehouse, engine, model server, the
 * Chicago pipeline uploaded, run, deployed and scheduled; started again, it reuses everything and
 * does not retrain on unchanged data.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '../../kernel-lib/src/client/client';
import { startMainJob, DAILY_SCHEDULE, type MainJob } from '../../kernel-lib/src/main-job/start';

const home = mkdtempSync(path.join(tmpdir(), 'pipelab-main-'));
// The warehouse outside the home, through $PIPELAB_WAREHOUSE, as the query step finds it too.
const warehouse = path.join(mkdtempSync(path.join(tmpdir(), 'pipelab-main-wh-')), 'w.duckdb');
// Not the pipeline's default model name: the job follows the run's.
const MODEL = 'chicago_e2e';
const jobs: MainJob[] = [];
const homeBefore = process.env.PIPELAB_HOME;
afterAll(async () => {
  for (const job of jobs) await job.close().catch(() => undefined);
});

async function start(lines: string[]): Promise<MainJob> {
  const job = await startMainJob({
    home,
    enginePort: 0,
    servingPort: 0,
    env: { ...process.env, PIPELAB_WAREHOUSE: warehouse },
    runParameters: { epochs: 2, model_name: MODEL },
    log: (line) => lines.push(line),
  });
  jobs.push(job);
  return job;
}

describe('the main job', () => {
  it('runs the Chicago pipeline end to end, deploys it, schedules it, and serves forecasts', async () => {
    const lines: string[] = [];
    const job = await start(lines);
    const out = lines.join('\n');
    expect(job.runState, out).toBe('SUCCEEDED');
    // The steps got the home through the engine's task environment, not this process's.
    expect(process.env.PIPELAB_HOME).toBe(homeBefore);
    expect(out).toContain(`warehouse: ${warehouse} (created`);
    expect(existsSync(path.join(home, 'warehouse.duckdb'))).toBe(false);
    expect(out).toMatch(/test RMSE: LSTM \d+\.\d; naive: yesterday \d+\.\d/);
    expect(job.deployedVersion).toBe('1');
    expect(out).toMatch(new RegExp(`deployed: ${MODEL} version 1 \\(default: true\\)`));
    expect(out).toContain(`/v1/models/${MODEL}:forecast`);
    expect(out).toMatch(
      /recurring run: Chicago daily retraining \(0 0 3 \* \* \* America\/Chicago\), created/,
    );

    const forecast = await fetch(`${job.modelServerUrl}/v1/models/${MODEL}:forecast`, {
      method: 'POST',
      body: JSON.stringify({ days: 3 }),
    });
    expect(forecast.status).toBe(200);
    const body = (await forecast.json()) as { forecasts: { day: string; count: number }[] };
    expect(body.forecasts).toHaveLength(3);
    for (const f of body.forecasts) expect(f.count).toBeGreaterThan(0);

    const token = readFileSync(path.join(home, 'engine', 'token'), 'utf8').trim();
    const client = new Client({ endpoint: job.engineUrl, token });
    const schedules = await client.recurringRuns.list({});
    expect(schedules.items.map((r) => r.display_name)).toEqual([DAILY_SCHEDULE]);
    await job.close();
    jobs.pop();
  }, 240_000);

  it('started again: the pipeline is unchanged, the data too, so it does not retrain', async () => {
    const lines: string[] = [];
    const job = await start(lines);
    const out = lines.join('\n');
    expect(job.runState, out).toBe('SUCCEEDED');
    expect(out).toMatch(/pipeline: chicago-crime-prediction unchanged/);
    expect(out).toMatch(/no retraining/);
    expect(out).toContain(`warehouse: ${warehouse} (up to date`);
    expect(out).toMatch(/recurring run: .*, exists/);
    expect(job.deployedVersion).toBeUndefined();
  }, 240_000);
});
