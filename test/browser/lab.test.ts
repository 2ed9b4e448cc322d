/**
 * The extension in a real JupyterLab 4 (the harness, served by Debian's jupyter-server) in
 * Debian's Chromium, against a real embedded engine: the panel, upload, run details (graph,
 * logs, metrics, plots), a run link in a notebook turning from running to succeeded, the
 * recurring-run form, and the engine going down and coming back. Screenshots go to
 * $PIPELAB_ARTIFACTS (default /tmp/pipelab-browser-artifacts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineToYaml } from '../../kernel-lib/src/compiler/yaml';
import { compile } from '../../kernel-lib/src/compiler';
import type { EngineHandle } from '../../kernel-lib/src/engine';
import { ROOT, requireBrowserStack } from './support/env';
import { demoPipeline, slowPipeline } from './support/fixtures';
import { hasRecurringRuns, seed, type Seeded } from './support/seed';
import {
  freePort,
  openBrowser,
  startLab,
  startTestEngine,
  type BrowserSession,
  type Lab,
} from './support/stack';

const RUN_MIME = 'application/vnd.pipelab.run+json';
/** Errors of the harness's server that are not ours: Debian's jupyter-server 1.x has no /api/me or /api/events. */
const HARNESS_NOISE = [/api\/me/, /api\/events/];

const ready = requireBrowserStack('JupyterLab browser tests', { lab: true });

describe.skipIf(!ready)('the JupyterLab extension in Chromium', { timeout: 120_000 }, () => {
  let engine: EngineHandle;
  let enginePort: number;
  let dataDir: string;
  let data: Seeded;
  let lab: Lab;
  let session: BrowserSession;
  let root: string;
  let engineDown = false;

  beforeAll(async () => {
    const labPort = await freePort();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-browser-engine-'));
    engine = await startTestEngine(dataDir, [`http://127.0.0.1:${labPort}`]);
    enginePort = engine.port;
    data = await seed(engine);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-browser-root-'));
    // The extension is installed by the documented command, into a labextensions directory.
    const labextensions = path.join(root, '.labextensions');
    const install = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'extension', 'scripts', 'install-lab.mjs'),
        'install',
        '--dir',
        labextensions,
      ],
      { encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);
    lab = await startLab({
      port: labPort,
      root,
      labextensions,
      settings: { endpoint: engine.url, token: engine.token, refreshInterval: 0.5 },
    });
    // Until recurring runs land in the engine its 501 answers are expected (one per panel load).
    const recurring = (await hasRecurringRuns(engine))
      ? []
      : [/501 \(Not Implemented\).*recurringruns/];
    session = await openBrowser({
      ignoreErrors: [...HARNESS_NOISE, ...recurring, /ERR_CONNECTION_REFUSED|Failed to fetch/],
    });
    await session.page.goto(`${lab.url}/lab?token=${lab.token}`);
    await session.page.waitForSelector('body[data-harness-ready="true"]', {
      state: 'attached',
      timeout: 60_000,
    });
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await lab?.close();
    if (!engineDown) await engine?.close();
  });

  const page = () => session.page;
  const command = (id: string, args: Record<string, unknown> = {}): Promise<unknown> =>
    page().evaluate(
      ([id, args]) =>
        (
          globalThis as unknown as {
            jupyterapp: { commands: { execute(i: string, a: unknown): Promise<unknown> } };
          }
        ).jupyterapp.commands.execute(id as string, args),
      [id, args] as const,
    );

  it('loads the prebuilt extension as a federated extension', async () => {
    const names = await page().evaluate(() =>
      Object.keys((globalThis as unknown as { _JUPYTERLAB: object })._JUPYTERLAB),
    );
    expect(names).toContain('pipelab-jupyterlab');
  });

  it('lists the pipelines, experiments and runs the engine holds', async () => {
    await command('pipelab:open-panel');
    const panel = page().locator('#pipelab-panel');
    await expect.poll(() => panel.getByTestId('pl-status').textContent()).toContain(engine.url);
    await panel.locator('[data-testid=pl-pipeline]', { hasText: 'Browser demo' }).waitFor();
    await panel.locator('[data-testid=pl-experiment]', { hasText: 'Browser tests' }).waitFor();
    const ok = panel.locator(`[data-run-id="${data.succeededRunId}"]`);
    await expect.poll(() => ok.getAttribute('data-state')).toBe('SUCCEEDED');
    await expect.poll(() => ok.textContent()).toMatch(/2\/2/);
    const failed = panel.locator(`[data-run-id="${data.failedRunId}"]`);
    await expect.poll(() => failed.getAttribute('data-state')).toBe('FAILED');
    expect(await failed.getByTestId('pl-retry').count()).toBe(1);
    await session.screenshot('lab-panel');
  });

  it('uploads a compiled pipeline file with the file picker', async () => {
    const file = path.join(root, 'uploaded-demo.yaml');
    fs.writeFileSync(
      file,
      pipelineToYaml({ ...compile(demoPipeline), pipelineInfo: { name: 'uploaded-demo' } }),
    );
    await page().locator('#pipelab-panel [data-testid=pl-upload-input]').setInputFiles(file);
    await page()
      .locator('#pipelab-panel [data-testid=pl-pipeline]', { hasText: 'uploaded-demo' })
      .waitFor();
    const names = (await data.client.pipelines.list()).items.map((p) => p.name);
    expect(names).toContain('uploaded-demo');
  });

  it('opens run details: the graph with task states, logs, metrics and plots', async () => {
    await page()
      .locator(`#pipelab-panel [data-run-id="${data.succeededRunId}"] .pl-Item-name`)
      .click();
    const details = page().locator(`.pl-Details[data-run-id="${data.succeededRunId}"]`);
    await details.waitFor();
    await expect
      .poll(() => details.getByTestId('pl-details-state').textContent())
      .toBe('Succeeded');
    const train = details.locator('.pl-Dag-node[data-task="train"]');
    await expect.poll(() => train.getAttribute('data-state')).toBe('SUCCEEDED');
    expect(
      await details.locator('.pl-Dag-node[data-task="count-days"]').getAttribute('data-state'),
    ).toBe('SUCCEEDED');
    expect(await details.locator('.pl-Dag-edge').count()).toBeGreaterThanOrEqual(1);
    await train.click();
    await expect
      .poll(() => details.getByTestId('pl-log').textContent())
      .toContain('trained for 5 epochs');
    const metrics = details.getByTestId('pl-metrics-table');
    await expect.poll(() => metrics.textContent()).toMatch(/rmse.*71\.8/);
    await details
      .locator('[data-testid=pl-plot].pl-mod-plotted')
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await details.locator('[data-testid=pl-plot].js-plotly-plot').count()).toBe(2);
    expect(await details.getByTestId('pl-parameters-table').textContent()).toBeDefined();
    await details.getByTestId('pl-compare-button').click();
    await expect
      .poll(() => details.getByTestId('pl-compare-table').textContent(), { timeout: 20_000 })
      .toContain('demo run');
    await session.screenshot('lab-run-details');
  });

  it('shows a failed task and its log', async () => {
    await command('pipelab:open-run', { runId: data.failedRunId });
    const details = page().locator(`.pl-Details[data-run-id="${data.failedRunId}"]`);
    await details.waitFor();
    const node = details.locator('.pl-Dag-node[data-task="explode"]');
    await expect.poll(() => node.getAttribute('data-state')).toBe('FAILED');
    await expect
      .poll(() => details.getByTestId('pl-log').textContent())
      .toContain('something went wrong on purpose');
  });

  it('renders a run bundle in a notebook as a live run link, from running to succeeded', async () => {
    const run = await data.client.runs.create({
      pipeline: slowPipeline,
      displayName: 'slow run',
      parameters: { ms: 3000 },
    });
    const notebook = {
      cells: [
        {
          cell_type: 'code',
          execution_count: 1,
          id: 'run-cell',
          metadata: {},
          source: ['const run = await client.runs.create({ pipeline: slow });\n', 'display(run)'],
          outputs: [
            {
              output_type: 'display_data',
              metadata: {},
              data: {
                'text/plain': `run ${run.id}`,
                [RUN_MIME]: {
                  run_id: run.id,
                  display_name: 'slow run',
                  endpoint: engine.url,
                  link: run.link,
                  state: 'PENDING',
                },
              },
            },
          ],
        },
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    fs.writeFileSync(path.join(root, 'runs.ipynb'), JSON.stringify(notebook));
    await command('docmanager:open', { path: 'runs.ipynb' });
    const link = page().locator('.jp-Notebook [data-testid=pl-run-link]');
    await link.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => link.getAttribute('data-state'), { timeout: 20_000 })
      .toMatch(/PENDING|RUNNING/);
    await session.screenshot('lab-notebook-run-running');
    await expect.poll(() => link.getAttribute('data-state'), { timeout: 30_000 }).toBe('SUCCEEDED');
    await expect.poll(() => link.textContent()).toContain('1/1 steps');
    await session.screenshot('lab-notebook-run-succeeded');
    // The notebook's toolbar button narrows the panel to the notebook's runs.
    await page().locator('.pl-NotebookButton').first().click();
    const runs = page().locator('#pipelab-panel [data-testid=pl-run]');
    await expect.poll(() => runs.count()).toBe(1);
    await page().locator('#pipelab-panel [data-testid=pl-clear-filter]').click();
    await expect.poll(() => runs.count()).toBeGreaterThan(1);
    // The link opens the run's details.
    await link.getByTestId('pl-run-link-open').click();
    await page().locator(`.pl-Details[data-run-id="${run.id}"]`).waitFor();
  });

  it('checks a cron as it is typed in the recurring-run form', async () => {
    await command('pipelab:new-recurring-run');
    const form = page().getByTestId('pl-recurring-form');
    await form.waitFor();
    await form.getByTestId('pl-form-cron-kind').check();
    await form.getByTestId('pl-form-cron').fill('0 2 * * *');
    await expect.poll(() => form.getByTestId('pl-error-cron').textContent()).toMatch(/6 fields/);
    await form.getByTestId('pl-form-cron').fill('0 0 2 * * *');
    await expect.poll(() => form.getByTestId('pl-error-cron').textContent()).toBe('');
    await expect.poll(() => form.locator('[data-testid=pl-form-preview] li').count()).toBe(5);
    await form.getByTestId('pl-param-epochs').waitFor();
    expect(await form.getByTestId('pl-param-epochs').inputValue()).toBe('5');
    await session.screenshot('lab-recurring-form');
    if (!(await hasRecurringRuns(engine))) {
      console.warn(
        '*** the engine does not serve recurring runs yet: creating one through the form is not tested.',
      );
      await form.getByTestId('pl-form-cancel').click();
      return;
    }
    await form.getByTestId('pl-form-periodic').check();
    await form.getByTestId('pl-form-interval').fill('1');
    await form.getByTestId('pl-form-unit').selectOption({ label: 'minutes' });
    await form.getByTestId('pl-form-name').fill('every minute');
    await form.getByTestId('pl-form-submit').click();
    const item = page().locator('#pipelab-panel [data-testid=pl-recurring-run]', {
      hasText: 'every minute',
    });
    await item.waitFor({ timeout: 20_000 });
    await item.getByTestId('pl-recurring-toggle').uncheck();
    await expect.poll(() => item.getAttribute('data-status')).toBe('disabled');
  });

  it('says when the engine is down, and recovers when it is back', async () => {
    await command('pipelab:open-panel');
    await engine.close();
    engineDown = true;
    const status = page().locator('#pipelab-panel [data-testid=pl-status]');
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toMatch(/Cannot reach/);
    await session.screenshot('lab-engine-down');
    engine = await startTestEngine(dataDir, [new URL(lab.url).origin], enginePort);
    engineDown = false;
    await command('pipelab:refresh');
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).not.toMatch(/Cannot reach/);
    await page().locator(`#pipelab-panel [data-run-id="${data.succeededRunId}"]`).waitFor();
  });

  it('follows the dark theme', async () => {
    await command('pipelab:open-run', { runId: data.succeededRunId });
    await command('apputils:change-theme', { theme: 'JupyterLab Dark' });
    await expect
      .poll(() => page().locator('body').getAttribute('data-jp-theme-light'), { timeout: 20_000 })
      .toBe('false');
    await page().waitForTimeout(500);
    await session.screenshot('lab-run-details-dark');
    await command('apputils:change-theme', { theme: 'JupyterLab Light' });
  });

  it('logged no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});
