/**
 * The notebooks run top to bottom on the tslab kernel (through nbclient, see runner.ts) against
 * a fresh embedded engine, on a short stretch of data, and produce what they promise: a run link
 * of a succeeded run, plotly figures, an LSTM that beats the naive forecasts, recurring runs.
 *
 * Needs Debian's python3-nbclient (with jupyter_client and nbformat) and a built kernel-lib
 * (`npm run build`: the notebooks import the `pipelab` package). Without Jupyter the suite is
 * skipped with a notice, except in CI ($CI set), where it fails.
 *
 * The test serves the models the deploy step registers with a model server of its own (the
 * engine's is on port 8501, which a test cannot count on).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../kernel-lib/src/client';
import { ensureWarehouse } from '../../kernel-lib/src/components/data';
import {
  METRICS_MIME_TYPE,
  PLOTLY_MIME_TYPE,
  PROGRESS_MIME_TYPE,
  RECURRING_RUN_MIME_TYPE,
  RUN_MIME_TYPE,
  type ProgressState,
  type RunLinkData,
} from '../../kernel-lib/src/display';
import { pipelabCommandResolver } from '../../kernel-lib/src/components/local-commands';
import { startEngine, type EngineHandle } from '../../kernel-lib/src/engine';
import { defaultModelsDir, startModelServer, type ModelServer } from '../../kernel-lib/src/serving';
import { inCi } from '../support/ci';
import {
  CHICAGO_RUN_PARAMETERS,
  EPOCHS,
  FIRST_DAY,
  REPO_ROOT,
  bundlesOf,
  checkJupyter,
  describeFailure,
  executeNotebook,
  jupyterEnvironment,
  mimeText,
  plainTexts,
  sourceOf,
  type ExecuteResult,
  type Notebook,
} from './runner';

const NOTEBOOKS_DIR = path.join(REPO_ROOT, 'notebooks');
const NOTEBOOKS = ['research.ipynb', 'pipeline.ipynb'];

function readNotebook(name: string): Notebook {
  return JSON.parse(fs.readFileSync(path.join(NOTEBOOKS_DIR, name), 'utf8')) as Notebook;
}

describe('committed notebooks', () => {
  it.each(NOTEBOOKS)('%s has no outputs and no execution counts', (name) => {
    const notebook = readNotebook(name);
    expect(notebook.nbformat).toBe(4);
    expect((notebook.metadata.kernelspec as { name?: string } | undefined)?.name).toBe('tslab');
    for (const [i, cell] of notebook.cells.entries()) {
      const where = `${name} cell ${i}: ${sourceOf(cell).slice(0, 60)}`;
      if (cell.cell_type !== 'code') continue;
      expect(cell.outputs, where).toEqual([]);
      expect(cell.execution_count, where).toBeNull();
      expect(cell.metadata.execution, where).toBeUndefined();
    }
  });
});

const jupyter = checkJupyter();
const required = inCi();
if (!jupyter.ok && !required) {
  console.warn(
    `[pipelab] skipping the notebook runs: ${jupyter.missing}. In CI they are required (.ci/run installs Debian's jupyter-nbconvert, python3-nbclient, python3-ipykernel).`,
  );
}
const describeRuns = jupyter.ok || required ? describe : describe.skip;

/** Fails the test with the failing cell's source and stderr when the notebook did not run. */
function expectRan(name: string, result: ExecuteResult): Notebook {
  if (!result.ok) {
    const report = describeFailure(name, result);
    console.error(report);
    expect.fail(report);
  }
  console.log(
    `[pipelab] ${name} ran in ${result.seconds.toFixed(1)} s; slowest cells: ` +
      [...result.cellSeconds]
        .sort((a, b) => b.seconds - a.seconds)
        .slice(0, 3)
        .map((c) => `#${c.cell} ${c.seconds.toFixed(1)} s`)
        .join(', '),
  );
  return result.notebook as Notebook;
}

describeRuns('notebooks, executed', () => {
  let work: string;
  let engine: EngineHandle;
  let modelServer: ModelServer;
  let jupyterEnv: Record<string, string>;
  const savedHome = process.env.PIPELAB_HOME;
  const savedWarehouse = process.env.PIPELAB_WAREHOUSE;

  beforeAll(async () => {
    if (!jupyter.ok) throw new Error(`the notebook runner needs Jupyter in CI: ${jupyter.missing}`);
    for (const built of ['index.js', 'display/index.js', 'pipelines/chicago.js']) {
      if (!fs.existsSync(path.join(REPO_ROOT, 'kernel-lib', 'dist', built))) {
        throw new Error(`kernel-lib/dist/${built} is missing: run \`npm run build\` first.`);
      }
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-notebooks-'));
    jupyterEnv = jupyterEnvironment(work);
    // Pipelab's home (the warehouse, models) for this process, the engine's task processes and
    // the kernels: a fresh one, never the user's ~/.pipelab.
    process.env.PIPELAB_HOME = path.join(work, 'home');
    delete process.env.PIPELAB_WAREHOUSE;
    await ensureWarehouse();
    engine = await startEngine({
      dataDir: path.join(work, 'engine'),
      port: 0,
      commandResolver: pipelabCommandResolver,
    });
    modelServer = await startModelServer({ modelsDir: defaultModelsDir(), port: 0 });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await modelServer?.close();
    if (savedHome === undefined) delete process.env.PIPELAB_HOME;
    else process.env.PIPELAB_HOME = savedHome;
    if (savedWarehouse !== undefined) process.env.PIPELAB_WAREHOUSE = savedWarehouse;
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  it('research.ipynb explores the data, trains both presets live and beats the naive forecasts', async () => {
    const result = await executeNotebook({
      notebook: path.join(NOTEBOOKS_DIR, 'research.ipynb'),
      output: path.join(work, 'research.out.ipynb'),
      env: {
        ...jupyterEnv,
        PIPELAB_HOME: process.env.PIPELAB_HOME as string,
        RESEARCH_FIRST_DAY: FIRST_DAY,
        RESEARCH_EPOCHS: String(EPOCHS),
      },
      timeoutMs: 150_000,
    });
    const notebook = expectRan('research.ipynb', result);

    const figures = bundlesOf(notebook, PLOTLY_MIME_TYPE);
    expect(figures.length).toBeGreaterThanOrEqual(8);
    for (const figure of figures) {
      expect((figure.value as { data: unknown[] }).data.length).toBeGreaterThan(0);
      expect(mimeText(figure.data['text/plain'])).toMatch(/^Plot: /);
    }
    const titles = figures.map((f) => mimeText(f.data['text/plain']).split('\n')[0] ?? '');
    expect(titles).toEqual(
      expect.arrayContaining([
        'Plot: Crime reports per day',
        'Plot: Weekday profile: mean reports per day',
        'Plot: Monthly profile: mean reports per day',
        'Plot: The 1st of the month: reports relative to the mean of their month',
      ]),
    );
    expect(titles.filter((t) => t.startsWith('Plot: Predictions over actual values'))).toHaveLength(
      2,
    );

    const progress = bundlesOf(notebook, PROGRESS_MIME_TYPE).map((b) => b.value as ProgressState);
    expect(progress.map((p) => [p.title, p.status, p.done])).toEqual([
      ['Training the sample preset', 'done', EPOCHS],
      ['Training the default preset', 'done', expect.any(Number)],
    ]);

    const [table] = bundlesOf(notebook, METRICS_MIME_TYPE);
    const metrics = (table?.value as { metrics: Record<string, { rmse: number }> }).metrics;
    const lstm = metrics['LSTM, default preset']?.rmse as number;
    for (const naive of [
      'naive: yesterday',
      'naive: mean of the previous 7 days',
      'naive: same weekday last week',
    ]) {
      expect(lstm, `${naive}: ${JSON.stringify(metrics)}`).toBeLessThan(
        metrics[naive]?.rmse as number,
      );
    }
  }, 180_000);

  it('pipeline.ipynb compiles, uploads, runs and schedules the Chicago pipeline', async () => {
    const output = path.join(work, 'compiled');
    fs.mkdirSync(output, { recursive: true });
    const result = await executeNotebook({
      notebook: path.join(NOTEBOOKS_DIR, 'pipeline.ipynb'),
      output: path.join(work, 'pipeline.out.ipynb'),
      env: {
        ...jupyterEnv,
        PIPELAB_HOME: process.env.PIPELAB_HOME as string,
        PIPELAB_ENDPOINT: engine.url,
        PIPELAB_TOKEN: engine.token,
        CHICAGO_RUN_PARAMETERS: JSON.stringify(CHICAGO_RUN_PARAMETERS),
        PIPELAB_NOTEBOOK_OUTPUT: output,
        PIPELAB_MODEL_SERVER: modelServer.url,
      },
      timeoutMs: 150_000,
    });
    const notebook = expectRan('pipeline.ipynb', result);

    for (const file of ['chicago.pipeline.yaml', 'chicago.pipeline.tar.gz']) {
      expect(fs.statSync(path.join(output, file)).size).toBeGreaterThan(0);
    }
    const links = bundlesOf(notebook, RUN_MIME_TYPE).map((b) => b.value as RunLinkData);
    expect(links).toHaveLength(1);
    const link = links[0] as RunLinkData;
    expect(link).toMatchObject({ state: 'SUCCEEDED', endpoint: engine.url });
    expect(link.link).toBe(`${engine.url}/#/runs/details/${link.run_id}`);
    expect(link.tasks?.map((t) => t.name)).toEqual(
      expect.arrayContaining(['query', 'train', 'deploy']),
    );

    const client = new Client({ endpoint: engine.url, token: engine.token, env: {} });
    const run = await client.runs.get(link.run_id);
    expect(run.state).toBe('SUCCEEDED');
    const experiment = await client.experiments.get(run.experiment_id as string);
    expect(experiment.display_name).toBe('Chicago Crime Prediction');

    const [table] = bundlesOf(notebook, METRICS_MIME_TYPE);
    const metrics = (table?.value as { metrics: Record<string, { rmse: number }> }).metrics;
    const lstm = metrics.LSTM?.rmse as number;
    for (const naive of Object.keys(metrics).filter((k) => k.startsWith('naive'))) {
      expect(lstm, JSON.stringify(metrics)).toBeLessThan(metrics[naive]?.rmse as number);
    }

    const texts = plainTexts(notebook);
    const forecast = texts.find((t) => t.startsWith('Forecast of chicago_crime version'));
    expect(forecast, 'the forecast of the deployed model').toBeDefined();
    const forecastDays = (forecast ?? '')
      .split('\n')
      .filter((l) => /^\d{4}-\d{2}-\d{2}\s+\d+$/.test(l));
    expect(forecastDays, forecast).toHaveLength(7);

    const recurring = (await client.recurringRuns.list()).items;
    expect(recurring.map((r) => r.display_name).sort()).toEqual([
      'Chicago daily retraining',
      'Chicago retraining at 06:00 UTC (cron)',
    ]);
    expect(recurring.filter((r) => r.status === 'DISABLED' || r.mode === 'DISABLE')).toHaveLength(
      1,
    );
    const shown = bundlesOf(notebook, RECURRING_RUN_MIME_TYPE).map(
      (b) => b.value as { name: string; status: string },
    );
    expect(shown.map((r) => [r.name, r.status])).toEqual([
      ['Chicago daily retraining', 'ENABLED'],
      ['Chicago retraining at 06:00 UTC (cron)', 'DISABLED'],
    ]);
    const listing = texts.find((t) => t.startsWith('Recurring runs of Chicago Crime Prediction'));
    expect(listing).toContain('Chicago daily retraining');
    expect(listing).toContain('cron 0 0 6 * * *');
  }, 180_000);
});
