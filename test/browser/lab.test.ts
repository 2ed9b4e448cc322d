/**
 * The extension in a real JupyterLab 4 (the harness, served by Debian's jupyter-server) in
 * Debian's Chromium, against a real embedded engine: the panel, upload, run details (graph,
 * logs, metrics, plots), a run link in a notebook turning from running to succeeded, recurring
 * runs through the form (a cron checked as typed by the engine's own scheduling library, the
 * engine's preview, its refusal of a recurring run shown next to the field, a 2-second schedule
 * firing real runs, an edit in place, disable, enable, delete, and the preview computed in the
 * browser for a server without one), a rename shown as soon as it is saved (over a slow network),
 * the engine going down and coming back, and the plots restyled in the new colours after a theme
 * switch.
 * Screenshots go to $PIPELAB_ARTIFACTS (default /tmp/pipelab-browser-artifacts).
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
import { delayAnswers, recurringRunLists } from './support/network';
import { chartColours, chartColoursOnly, themeColours } from './support/plots';
import { seed, type Seeded } from './support/seed';
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
    session = await openBrowser({
      ignoreErrors: [...HARNESS_NOISE, /ERR_CONNECTION_REFUSED|Failed to fetch/],
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

  /**
   * Runs `action`, which makes the browser log failed requests on purpose (Chromium logs every
   * 4xx answer as a console error): at least `atLeast` errors matching `expected` are waited
   * for and taken out of the session's list; any other error stays there.
   */
  async function expectingConsoleErrors(
    expected: RegExp,
    atLeast: number,
    action: () => Promise<void>,
  ): Promise<void> {
    const before = session.errors.length;
    await action();
    const matching = (): number =>
      session.errors.slice(before).filter((e) => expected.test(e)).length;
    await expect.poll(matching).toBeGreaterThanOrEqual(atLeast);
    const added = session.errors.splice(before);
    session.errors.push(...added.filter((e) => !expected.test(e)));
  }

  const form = () => page().getByTestId('pl-recurring-form');
  const preview = () => form().getByTestId('pl-form-preview');
  const previewTimes = async (): Promise<number[]> =>
    (
      await preview()
        .locator('li[data-time]')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-time') ?? ''))
    ).map((t) => Date.parse(t));
  const recurringItem = (id: string) =>
    page().locator(`#pipelab-panel [data-testid=pl-recurring-run][data-recurring-run-id="${id}"]`);
  let recurringRunId = '';

  it('checks a cron as it is typed, and previews its fire times with the engine', async () => {
    await command('pipelab:new-recurring-run');
    await form().waitFor();
    await form().getByTestId('pl-form-cron-kind').check();
    // A classic 5-field crontab line is refused at once, in the browser, with the fix.
    await form().getByTestId('pl-form-cron').fill('0 2 * * *');
    await expect
      .poll(() => form().getByTestId('pl-error-cron').textContent())
      .toMatch(/has 5 fields, but KFP's cron has a seconds field first: write '0 0 2 \* \* \*'/);
    expect(await preview().locator('li').count()).toBe(0);
    // So is 7 for Sunday, which KFP's cron (and the engine) do not take.
    await form().getByTestId('pl-form-cron').fill('0 0 9 * * 7');
    await expect
      .poll(() => form().getByTestId('pl-error-cron').textContent())
      .toMatch(/7 for Sunday/);
    // And one whose every field is valid but that can never fire: the browser runs the engine's
    // scheduling library (pipelab/schedule), which refuses it before the server is asked.
    await form().getByTestId('pl-form-cron').fill('0 0 0 30 2 *');
    await expect
      .poll(() => form().getByTestId('pl-error-cron').textContent())
      .toMatch(/can never fire: day 30 does not occur in FEB/);
    expect(await preview().getAttribute('data-source')).toBe('none');
    expect(await preview().locator('li').count()).toBe(0);
    // A good cron: the engine's :preview says when its scheduler will fire it.
    await form().getByTestId('pl-form-cron').fill('0 0 2 * * *');
    await expect.poll(() => form().getByTestId('pl-error-cron').textContent()).toBe('');
    await expect.poll(() => preview().getAttribute('data-source')).toBe('server');
    await expect.poll(() => preview().locator('li').count()).toBe(5);
    for (const t of await previewTimes()) expect(new Date(t).toISOString()).toMatch(/T02:00:00/);
    await expect
      .poll(() => form().getByTestId('pl-form-preview-source').textContent())
      .toMatch(/engine/);
    // In a time zone: 02:00 in Chicago, whatever daylight saving says.
    await form().getByTestId('pl-form-tz').fill('America/Chicago');
    const chicagoHour = (t: number): string =>
      new Date(t).toLocaleString('en-US', {
        timeZone: 'America/Chicago',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    await expect
      .poll(async () => (await previewTimes()).map(chicagoHour))
      .toEqual(['02:00', '02:00', '02:00', '02:00', '02:00']);
    expect(await preview().locator('li').first().textContent()).toContain('America/Chicago');
    // The pipeline's parameters, with their defaults.
    await form().getByTestId('pl-param-epochs').waitFor();
    expect(await form().getByTestId('pl-param-epochs').inputValue()).toBe('5');
    await session.screenshot('lab-recurring-form');
  });

  it("shows the engine's refusal of a recurring run next to the field it concerns", async () => {
    // Only the server can know this one: the experiment chosen in the form is deleted meanwhile.
    const doomed = await data.client.experiments.create({ displayName: 'Deleted meanwhile' });
    const doomedId = doomed.experiment_id ?? '';
    const experiment = form().getByTestId('pl-form-experiment');
    const usual = await experiment.inputValue();
    await form().getByTestId('pl-form-cancel').click();
    await form().waitFor({ state: 'detached' });
    await command('pipelab:new-recurring-run');
    await form().waitFor();
    await experiment.selectOption(doomedId);
    await form().getByTestId('pl-form-name').fill('never');
    await form().getByTestId('pl-form-cron-kind').check();
    const creates: string[] = [];
    const onRequest = (r: { method(): string; url(): string }): void => {
      if (r.method() === 'POST' && /\/apis\/v2beta1\/recurringruns$/.test(r.url())) {
        creates.push(r.url());
      }
    };
    page().on('request', onRequest);
    try {
      // A cron that can never fire is refused in the browser, on submit too: nothing is sent.
      const cron = form().getByTestId('pl-form-cron');
      const cronError = form().getByTestId('pl-error-cron');
      await cron.fill('0 0 0 30 2 *');
      await expect.poll(() => cronError.textContent()).toMatch(/can never fire/);
      await form().getByTestId('pl-form-submit').click();
      expect(await cronError.textContent()).toMatch(/day 30 does not occur in FEB/);
      expect(await preview().getAttribute('data-source')).toBe('none');
      // A good cron, which the engine previews; then the experiment goes away.
      await cron.fill('0 0 3 * * *');
      await expect.poll(() => cronError.textContent()).toBe('');
      await expect.poll(() => preview().getAttribute('data-source')).toBe('server');
      await expect.poll(() => preview().locator('li').count()).toBe(5);
      await data.client.experiments.delete(doomedId);
      const experimentError = form().getByTestId('pl-error-experiment');
      await expectingConsoleErrors(/400 \(Bad Request\).*recurringruns/, 1, async () => {
        const answered = page().waitForResponse(
          (r) => r.request().method() === 'POST' && /\/apis\/v2beta1\/recurringruns$/.test(r.url()),
        );
        await form().getByTestId('pl-form-submit').click();
        const response = await answered;
        expect(response.status()).toBe(400);
        const body = (await response.json()) as {
          details: { field_violations?: { field: string; description: string }[] }[];
        };
        const violation = body.details.flatMap((d) => d.field_violations ?? [])[0];
        expect(violation?.field).toBe('recurring_run.experiment_id');
        // The server's own words, next to the experiment.
        await expect.poll(() => experimentError.textContent()).toBe(violation?.description);
      });
      expect(await experimentError.textContent()).toMatch(/there is no experiment/);
      expect(await cronError.textContent()).toBe('');
      expect(await form().getByTestId('pl-form-error').textContent()).toBe('');
      // One request reached the server: the refused cron never left the browser.
      expect(creates).toHaveLength(1);
    } finally {
      page().off('request', onRequest);
    }
    await session.screenshot('lab-recurring-form-server-error');
    const names = (await data.client.recurringRuns.list()).items.map((r) => r.display_name);
    expect(names).not.toContain('never');
    await experiment.selectOption(usual);
  });

  it('creates a periodic recurring run through the form and sees it fire', async () => {
    await form().getByTestId('pl-form-periodic').check();
    await form().getByTestId('pl-form-interval').fill('2');
    await form().getByTestId('pl-form-unit').selectOption({ label: 'seconds' });
    await expect.poll(() => preview().getAttribute('data-source')).toBe('server');
    await expect
      .poll(async () => {
        const times = await previewTimes();
        return times.slice(1).map((t, i) => t - (times[i] ?? 0));
      })
      .toEqual([2000, 2000, 2000, 2000]);
    await form().getByTestId('pl-form-name').fill('every 2 seconds');
    await form().getByTestId('pl-form-submit').click();
    await form().waitFor({ state: 'detached' });
    const item = page().locator('#pipelab-panel [data-testid=pl-recurring-run]', {
      hasText: 'every 2 seconds',
    });
    await item.waitFor({ timeout: 20_000 });
    recurringRunId = (await item.getAttribute('data-recurring-run-id')) ?? '';
    expect(recurringRunId).not.toBe('');
    expect(await item.getAttribute('data-status')).toBe('enabled');
    expect(await item.getByTestId('pl-recurring-trigger').textContent()).toBe('every 2 seconds');
    // The engine's scheduler fires it: its last run (the API's last_run) succeeds...
    const lastRun = item.getByTestId('pl-recurring-last-run');
    await expect
      .poll(() => lastRun.getAttribute('data-state'), { timeout: 30_000 })
      .toBe('SUCCEEDED');
    // ...and its next fire time (the API's next_fire_time) is a moment away.
    const next = Date.parse(
      (await item.getByTestId('pl-recurring-next').getAttribute('data-next-fire-time')) ?? '',
    );
    expect(Math.abs(next - Date.now())).toBeLessThan(10_000);
    const stored = await data.client.recurringRuns.get(recurringRunId);
    expect(stored.last_run?.run_id).toBeDefined();
    expect(stored.next_fire_time).toBeDefined();
    // Its runs are in the list of runs, named as KFP's controller names them.
    const runs = page().locator(
      `#pipelab-panel [data-testid=pl-run][data-recurring-run-id="${recurringRunId}"]`,
    );
    await runs.first().waitFor({ timeout: 20_000 });
    expect(await runs.first().locator('.pl-Item-name').textContent()).toMatch(
      /^every 2 seconds-\d+-\d+$/,
    );
    // The recurring run's name narrows the panel to it and its runs.
    await item.getByTestId('pl-recurring-name').click();
    await expect
      .poll(() => page().locator('#pipelab-panel [data-testid=pl-filter-label]').textContent())
      .toContain('every 2 seconds');
    await expect.poll(() => runs.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => page().locator('#pipelab-panel [data-testid=pl-run]').count())
      .toBe(await runs.count());
    // Its last run opens on the run details.
    const lastRunId = (await lastRun.getAttribute('data-run-id')) ?? '';
    await lastRun.click();
    await page().locator(`.pl-Details[data-run-id="${lastRunId}"]`).waitFor();
    await expect
      .poll(() =>
        page()
          .locator(`.pl-Details[data-run-id="${lastRunId}"] .pl-Dag-node[data-task="train"]`)
          .getAttribute('data-state'),
      )
      .toMatch(/SUCCEEDED|CACHED/);
    await session.screenshot('lab-recurring-fired');
  });

  it('edits a recurring run through the form, disables, enables and deletes it', async () => {
    const item = recurringItem(recurringRunId);
    await item.getByTestId('pl-recurring-edit').click();
    await form().waitFor();
    expect(await form().getByTestId('pl-form-name').inputValue()).toBe('every 2 seconds');
    expect(await form().getByTestId('pl-form-interval').inputValue()).toBe('2');
    expect(await form().getByTestId('pl-form-unit').inputValue()).toBe('1');
    await expect.poll(() => preview().getAttribute('data-source')).toBe('server');
    await form().getByTestId('pl-param-epochs').waitFor();
    // Another trigger and another parameter value: the engine's PATCH, in place.
    await form().getByTestId('pl-form-interval').fill('1');
    await form().getByTestId('pl-form-unit').selectOption({ label: 'hours' });
    await form().getByTestId('pl-param-epochs').fill('7');
    const patched = page().waitForRequest(
      (r) => r.method() === 'PATCH' && r.url().endsWith(`/recurringruns/${recurringRunId}`),
    );
    await form().getByTestId('pl-form-submit').click();
    const patch = (await patched).postDataJSON() as {
      trigger?: { periodic_schedule?: { interval_second?: string } };
      runtime_config?: { parameters?: Record<string, unknown> };
    };
    expect(patch.trigger?.periodic_schedule?.interval_second).toBe('3600');
    expect(patch.runtime_config?.parameters?.epochs).toBe(7);
    await form().waitFor({ state: 'detached' });
    await expect
      .poll(() => item.getByTestId('pl-recurring-trigger').textContent(), { timeout: 10_000 })
      .toBe('every hour');
    const next = Date.parse(
      (await item.getByTestId('pl-recurring-next').getAttribute('data-next-fire-time')) ?? '',
    );
    expect(Math.abs(next - Date.now() - 3_600_000)).toBeLessThan(60_000);
    const edited = await data.client.recurringRuns.get(recurringRunId);
    expect(edited.trigger?.periodic_schedule?.interval_second).toBe('3600');
    expect(edited.runtime_config?.parameters?.epochs).toBe(7);
    // A rename leaves the trigger alone: the edit does not send it.
    await item.getByTestId('pl-recurring-edit').click();
    await form().getByTestId('pl-form-name').fill('hourly');
    const renamed = page().waitForRequest(
      (r) => r.method() === 'PATCH' && r.url().endsWith(`/recurringruns/${recurringRunId}`),
    );
    await form().getByTestId('pl-form-submit').click();
    expect(((await renamed).postDataJSON() as { trigger?: unknown }).trigger).toBeUndefined();
    await form().waitFor({ state: 'detached' });
    await expect
      .poll(() => item.getByTestId('pl-recurring-name').textContent(), { timeout: 10_000 })
      .toBe('hourly');
    await session.screenshot('lab-recurring-edited');
    // Disable: no next fire time, and the engine says DISABLED.
    await item.getByTestId('pl-recurring-toggle').uncheck();
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 10_000 }).toBe('disabled');
    expect(await item.getByTestId('pl-recurring-status').textContent()).toBe('Disabled');
    expect(await item.getByTestId('pl-recurring-next').count()).toBe(0);
    expect((await data.client.recurringRuns.get(recurringRunId)).status).toBe('DISABLED');
    // Enable again.
    await item.getByTestId('pl-recurring-toggle').check();
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 10_000 }).toBe('enabled');
    await item.getByTestId('pl-recurring-next').waitFor();
    expect((await data.client.recurringRuns.get(recurringRunId)).status).toBe('ENABLED');
    // Delete, after saying yes: it is gone, its runs are kept.
    await item.getByTestId('pl-recurring-delete').click();
    await page().locator('.jp-Dialog').getByRole('button', { name: 'OK' }).click();
    await item.waitFor({ state: 'detached' });
    expect(
      (await data.client.recurringRuns.list()).items.map((r) => r.recurring_run_id),
    ).not.toContain(recurringRunId);
    const kept = await data.client.runs.list({
      filter: {
        predicates: [
          { key: 'recurring_run_id', operation: 'EQUALS', string_value: recurringRunId },
        ],
      },
    });
    expect(kept.items.length).toBeGreaterThan(0);
    await page().locator('#pipelab-panel [data-testid=pl-clear-filter]').click();
  });

  it('computes the preview in the browser when the server has none (Kubeflow Pipelines)', async () => {
    // KFP's API server answers an unknown path 404 with a google.rpc.Status body.
    const route = '**/apis/v2beta1/recurringruns:preview';
    await page().route(route, (r) =>
      r.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({ code: 5, message: 'Not Found', details: [] }),
      }),
    );
    try {
      await expectingConsoleErrors(/404 \(Not Found\).*recurringruns:preview/, 1, async () => {
        await command('pipelab:new-recurring-run');
        await form().getByTestId('pl-form-cron-kind').check();
        await form().getByTestId('pl-form-cron').fill('0 30 6 * * MON-FRI');
        await expect.poll(() => preview().getAttribute('data-source')).toBe('browser');
      });
      expect(await form().getByTestId('pl-form-preview-source').textContent()).toMatch(
        /Computed in the browser/,
      );
      const times = await previewTimes();
      expect(times).toHaveLength(5);
      for (const t of times) {
        const d = new Date(t);
        expect(d.toISOString()).toMatch(/T06:30:00/);
        expect([1, 2, 3, 4, 5]).toContain(d.getUTCDay());
      }
      // Daylight saving as the engine's scheduler has it: on the day Chicago springs forward,
      // 02:30 does not exist, and that day's run is at 03:00 CDT, once. The times computed in the
      // browser are the engine's.
      const year = new Date().getUTCFullYear() + 1;
      const springForward = 8 + ((7 - new Date(Date.UTC(year, 2, 1)).getUTCDay()) % 7);
      const day = (d: number): string => `${year}-03-${String(d).padStart(2, '0')}`;
      await form().getByTestId('pl-form-tz').fill('America/Chicago');
      await form()
        .locator('input[name=start_time]')
        .fill(`${day(springForward - 1)}T12:00`);
      await form().getByTestId('pl-form-cron').fill('0 30 2 * * *');
      const chicagoWall = (t: number): string =>
        new Date(t).toLocaleString('sv-SE', {
          timeZone: 'America/Chicago',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        });
      await expect
        .poll(async () => (await previewTimes()).map(chicagoWall))
        .toContain(`${day(springForward)} 03:00`);
      const walls = (await previewTimes()).map(chicagoWall);
      expect(walls).toHaveLength(5);
      expect(walls).toContain(`${day(springForward + 1)} 02:30`);
      expect(walls.filter((w) => w.startsWith(day(springForward)))).toHaveLength(1);
      // The start as the form sends it: its local time, in the browser's zone.
      const startTime = await page().evaluate(
        (local) => new Date(local).toISOString(),
        await form().locator('input[name=start_time]').inputValue(),
      );
      const planned = await fetch(`${engine.url}/apis/v2beta1/recurringruns:preview`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${engine.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          trigger: {
            cron_schedule: {
              cron: '0 30 2 * * *',
              time_zone: 'America/Chicago',
              start_time: startTime,
            },
          },
          count: 5,
        }),
      });
      expect(planned.status).toBe(200);
      const fireTimes = ((await planned.json()) as { fire_times: string[] }).fire_times;
      expect(await previewTimes()).toEqual(fireTimes.map((t) => Date.parse(t)));
    } finally {
      await page().unroute(route);
    }
    await form().getByTestId('pl-form-cancel').click();
    await form().waitFor({ state: 'detached' });
  });

  it("shows a recurring run's new name as soon as its edit is saved, in the list and the filter", async () => {
    const created = await data.client.recurringRuns.create({
      displayName: 'nightly report',
      pipeline: demoPipeline,
      trigger: { cron: '0 0 3 * * *' },
      enabled: false,
    });
    const id = created.recurring_run_id ?? '';
    await command('pipelab:open-panel');
    const item = recurringItem(id);
    const name = item.getByTestId('pl-recurring-name');
    await expect.poll(() => name.textContent(), { timeout: 10_000 }).toBe('nightly report');
    // Its name narrows the panel to its runs, and the filter names it.
    await name.click();
    const label = page().locator('#pipelab-panel [data-testid=pl-filter-label]');
    await expect.poll(() => label.textContent()).toContain('the recurring run nightly report');
    // A slow network: the lists of recurring runs arrive 2 s after the engine answered them, so
    // those the panel asked for before the save still say the old name after it.
    const restore = await delayAnswers(page(), recurringRunLists, 2000);
    try {
      await item.getByTestId('pl-recurring-edit').click();
      await form().getByTestId('pl-param-epochs').waitFor();
      await form().getByTestId('pl-form-name').fill('weekly report');
      await form().getByTestId('pl-form-submit').click();
      await form().waitFor({ state: 'detached' });
      // At once, from the engine's answer to the edit: no list could have answered yet.
      await expect.poll(() => name.textContent(), { timeout: 1000 }).toBe('weekly report');
      await expect
        .poll(() => label.textContent(), { timeout: 1000 })
        .toContain('the recurring run weekly report');
      // The lists asked for before the save arrive meanwhile: the old name does not come back.
      await page().waitForTimeout(2500);
      expect(await name.textContent()).toBe('weekly report');
      expect(await label.textContent()).toContain('the recurring run weekly report');
      expect(await item.getByTestId('pl-recurring-edit').getAttribute('title')).toBe(
        'Edit weekly report',
      );
      expect((await data.client.recurringRuns.get(id)).display_name).toBe('weekly report');
    } finally {
      await restore();
      await page().locator('#pipelab-panel [data-testid=pl-clear-filter]').click();
      await data.client.recurringRuns.delete(id);
    }
    await item.waitFor({ state: 'detached', timeout: 10_000 });
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

  it("restyles open plots in the new theme's colours, from light to dark and back", async () => {
    const body = page().locator('body');
    await expect
      .poll(() => body.getAttribute('data-jp-theme-light'), { timeout: 20_000 })
      .toBe('true');
    // A plotly figure in a notebook, which will be in a tab behind the run details.
    const figure = {
      data: [{ type: 'scatter', mode: 'lines', x: [1, 2, 3], y: [3, 1, 2] }],
      layout: { title: { text: 'A notebook figure' } },
    };
    const notebook = {
      cells: [
        {
          cell_type: 'code',
          execution_count: 1,
          id: 'plot-cell',
          metadata: {},
          source: ['display(figure)'],
          outputs: [
            {
              output_type: 'display_data',
              metadata: {},
              data: { 'text/plain': 'a figure', 'application/vnd.plotly.v1+json': figure },
            },
          ],
        },
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    fs.writeFileSync(path.join(root, 'plot.ipynb'), JSON.stringify(notebook));
    await command('docmanager:open', { path: 'plot.ipynb' });
    const output = page().locator('.jp-Notebook .pl-PlotlyOutput');
    await output.locator('.pl-mod-plotted').waitFor({ timeout: 30_000 });
    const outputWidths = (await chartColours(output)).map((c) => c.width);
    // The run details, with their plots (and the comparison's), in front.
    await command('pipelab:open-run', { runId: data.succeededRunId });
    const details = page().locator(`.pl-Details[data-run-id="${data.succeededRunId}"]`);
    await details
      .locator('[data-testid=pl-plot].pl-mod-plotted')
      .nth(1)
      .waitFor({ timeout: 30_000 });
    const drawn = await chartColours(details);
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    const light = await themeColours(details);
    const fonts = async (scope: typeof details): Promise<string[]> =>
      (await chartColoursOnly(scope)).map((c) => c.font);
    expect(await fonts(details)).toEqual(drawn.map(() => light.font));
    expect(await fonts(output)).toEqual([light.font]);
    try {
      await command('apputils:change-theme', { theme: 'JupyterLab Dark' });
      await expect
        .poll(() => body.getAttribute('data-jp-theme-light'), { timeout: 20_000 })
        .toBe('false');
      const dark = await themeColours(details);
      expect(dark.font).not.toBe(light.font);
      expect(dark.grid).not.toBe(light.grid);
      // Text, grid and the drawn titles in the dark theme's colours.
      await expect
        .poll(() => chartColoursOnly(details), { timeout: 10_000 })
        .toEqual(drawn.map(() => dark));
      // Restyled, not resized.
      expect((await chartColours(details)).map((c) => c.width)).toEqual(drawn.map((c) => c.width));
      await session.screenshot('lab-run-details-dark-plots');
      // The notebook's figure was restyled too, in its tab behind the run details.
      await command('docmanager:open', { path: 'plot.ipynb' });
      await expect.poll(() => chartColoursOnly(output), { timeout: 10_000 }).toEqual([dark]);
      expect((await chartColours(output)).map((c) => c.width)).toEqual(outputWidths);
    } finally {
      await command('apputils:change-theme', { theme: 'JupyterLab Light' });
    }
    await expect
      .poll(() => body.getAttribute('data-jp-theme-light'), { timeout: 20_000 })
      .toBe('true');
    await expect.poll(() => chartColoursOnly(output), { timeout: 10_000 }).toEqual([light]);
    await command('pipelab:open-run', { runId: data.succeededRunId });
    await expect
      .poll(() => chartColoursOnly(details), { timeout: 10_000 })
      .toEqual(drawn.map(() => light));
  });

  it('logged no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});
