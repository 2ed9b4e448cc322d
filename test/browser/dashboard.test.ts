/**
 * The standalone dashboard page (extension/dist/dashboard) in Chromium against a real engine:
 * the panel, run details from a run link (`#/runs/details/<id>`) with their plots following the
 * browser's colour scheme, the recurring-run form on its routes (`#/recurringruns/new`,
 * `#/recurringruns/edit/<id>`) and a rename shown as soon as it is saved, and the token prompt.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineHandle } from '../../kernel-lib/src/engine';
import { DASHBOARD, requireBrowserStack } from './support/env';
import { demoPipeline } from './support/fixtures';
import { delayAnswers, recurringRunLists } from './support/network';
import { chartColours, chartColoursOnly, themeColours } from './support/plots';
import { seed, type Seeded } from './support/seed';
import { freePort, openBrowser, startTestEngine, type BrowserSession } from './support/stack';

const ready = requireBrowserStack('Dashboard browser tests', { lab: false });

/** Serves the built dashboard as the engine will. */
function serveDashboard(port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const name =
      decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') ||
      'index.html';
    const file = path.join(DASHBOARD, path.normalize(name));
    if (!file.startsWith(DASHBOARD) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': file.endsWith('.html') ? 'text/html' : 'text/javascript',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!ready)('the standalone dashboard in Chromium', { timeout: 60_000 }, () => {
  let engine: EngineHandle;
  let data: Seeded;
  let server: http.Server;
  let session: BrowserSession;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    engine = await startTestEngine(fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-dash-')), [
      origin,
    ]);
    data = await seed(engine);
    server = await serveDashboard(port);
    // The token prompt's first check is answered 401 on purpose.
    session = await openBrowser({ ignoreErrors: [/401 \(Unauthorized\)/] });
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    server?.close();
    await engine?.close();
  });

  const page = () => session.page;
  const endpoint = () => encodeURIComponent(engine.url);

  it('opens a run link on the run details, with the panel beside it', async () => {
    await page().goto(
      `${origin}/?endpoint=${endpoint()}&token=${engine.token}#/runs/details/${data.succeededRunId}`,
    );
    const details = page().locator(`.pl-Details[data-run-id="${data.succeededRunId}"]`);
    await details.waitFor();
    await expect
      .poll(() => details.locator('.pl-Dag-node[data-task="train"]').getAttribute('data-state'))
      .toBe('SUCCEEDED');
    await expect.poll(() => details.getByTestId('pl-metrics-table').textContent()).toMatch(/rmse/);
    await details
      .locator('[data-testid=pl-plot].js-plotly-plot')
      .first()
      .waitFor({ timeout: 30_000 });
    await page().locator(`[data-run-id="${data.failedRunId}"]`).waitFor();
    expect(page().url()).not.toContain('token=');
    await session.screenshot('dashboard-run-details');
    // Another run from the list.
    await page().locator(`[data-run-id="${data.failedRunId}"] .pl-Item-name`).click();
    await page().locator(`.pl-Details[data-run-id="${data.failedRunId}"]`).waitFor();
  });

  it("restyles the run's plots when the colour scheme turns dark, and back", async () => {
    await page().emulateMedia({ colorScheme: 'light' });
    await page().goto(
      `${origin}/?endpoint=${endpoint()}&token=${engine.token}#/runs/details/${data.succeededRunId}`,
    );
    const details = page().locator(`.pl-Details[data-run-id="${data.succeededRunId}"]`);
    await details
      .locator('[data-testid=pl-plot].pl-mod-plotted')
      .nth(1)
      .waitFor({ timeout: 30_000 });
    const drawn = await chartColours(details);
    const light = await themeColours(details);
    expect((await chartColoursOnly(details)).map((c) => c.font)).toEqual(
      drawn.map(() => light.font),
    );
    try {
      // The dashboard's theme is the browser's colour scheme (prefers-color-scheme).
      await page().emulateMedia({ colorScheme: 'dark' });
      const dark = await themeColours(details);
      expect(dark.font).not.toBe(light.font);
      expect(dark.grid).not.toBe(light.grid);
      await expect
        .poll(() => chartColoursOnly(details), { timeout: 10_000 })
        .toEqual(drawn.map(() => dark));
      expect((await chartColours(details)).map((c) => c.width)).toEqual(drawn.map((c) => c.width));
      await session.screenshot('dashboard-run-details-dark');
    } finally {
      await page().emulateMedia({ colorScheme: 'light' });
    }
    await expect
      .poll(() => chartColoursOnly(details), { timeout: 10_000 })
      .toEqual(drawn.map(() => light));
  });

  it('creates, edits and deletes a recurring run with the form on its own route', async () => {
    await page().goto(`${origin}/?endpoint=${endpoint()}&token=${engine.token}#/recurringruns/new`);
    const form = page().getByTestId('pl-recurring-form');
    const preview = form.getByTestId('pl-form-preview');
    await form.getByTestId('pl-param-epochs').waitFor();
    await form.getByTestId('pl-form-name').fill('dashboard nightly');
    await form.getByTestId('pl-form-cron-kind').check();
    await form.getByTestId('pl-form-cron').fill('0 0 3 * * *');
    await form.getByTestId('pl-form-tz').fill('Europe/Berlin');
    await expect.poll(() => preview.getAttribute('data-source')).toBe('server');
    await expect.poll(() => preview.locator('li').count()).toBe(5);
    await form.getByTestId('pl-form-submit').click();
    await form.waitFor({ state: 'detached' });
    expect(new URL(page().url()).hash).toBe('#/');
    const item = page().locator('[data-testid=pl-recurring-run]', { hasText: 'dashboard nightly' });
    await item.waitFor({ timeout: 20_000 });
    expect(await item.getByTestId('pl-recurring-trigger').textContent()).toBe(
      'cron 0 0 3 * * * (Europe/Berlin)',
    );
    const berlin = async (): Promise<string> =>
      new Date(
        (await item.getByTestId('pl-recurring-next').getAttribute('data-next-fire-time')) ?? '',
      ).toLocaleTimeString('en-GB', { timeZone: 'Europe/Berlin' });
    expect(await berlin()).toBe('03:00:00');
    // The edit route, prefilled; the engine's PATCH changes the cron in place.
    await item.getByTestId('pl-recurring-edit').click();
    await form.waitFor();
    expect(new URL(page().url()).hash).toMatch(/^#\/recurringruns\/edit\//);
    expect(await form.getByTestId('pl-form-tz').inputValue()).toBe('Europe/Berlin');
    await form.getByTestId('pl-form-cron').fill('0 30 4 * * *');
    await expect.poll(() => preview.locator('li').first().textContent()).toContain('04:30:00');
    await form.getByTestId('pl-form-submit').click();
    await form.waitFor({ state: 'detached' });
    await expect
      .poll(() => item.getByTestId('pl-recurring-trigger').textContent(), { timeout: 10_000 })
      .toBe('cron 0 30 4 * * * (Europe/Berlin)');
    await expect.poll(berlin).toBe('04:30:00');
    // Delete, after the browser's confirmation.
    page().once('dialog', (dialog) => void dialog.accept());
    await item.getByTestId('pl-recurring-delete').click();
    await item.waitFor({ state: 'detached' });
    expect((await data.client.recurringRuns.list()).items).toHaveLength(0);
  });

  it('edits a recurring run whose pipeline was sent inline, keeping its pipeline', async () => {
    const created = await data.client.recurringRuns.create({
      displayName: 'inline nightly',
      pipeline: demoPipeline,
      trigger: { cron: '0 0 3 * * *' },
      enabled: false,
    });
    const id = created.recurring_run_id ?? '';
    await page().goto(
      `${origin}/?endpoint=${endpoint()}&token=${engine.token}#/recurringruns/edit/${id}`,
    );
    const form = page().getByTestId('pl-recurring-form');
    await form.getByTestId('pl-param-epochs').waitFor();
    // Its own pipeline is offered (not the first uploaded one), with its parameters.
    expect(await form.getByTestId('pl-form-pipeline').inputValue()).toBe('__inline__');
    expect(
      await form.getByTestId('pl-form-pipeline').locator('option:checked').textContent(),
    ).toContain('browser-demo');
    await form.getByTestId('pl-param-epochs').fill('9');
    const patched = page().waitForRequest((r) => r.method() === 'PATCH');
    await form.getByTestId('pl-form-submit').click();
    const body = (await patched).postDataJSON() as Record<string, unknown>;
    expect(body.pipeline_version_reference).toBeUndefined();
    expect(body.trigger).toBeUndefined();
    await form.waitFor({ state: 'detached' });
    const edited = await data.client.recurringRuns.get(id);
    expect(edited.pipeline_spec).toBeDefined();
    expect(edited.pipeline_version_reference).toBeUndefined();
    expect(edited.runtime_config?.parameters?.epochs).toBe(9);
    expect(edited.status).toBe('DISABLED');
    await data.client.recurringRuns.delete(id);
  });

  it("shows a recurring run's new name as soon as its edit is saved, in the list and the filter", async () => {
    const created = await data.client.recurringRuns.create({
      displayName: 'nightly report',
      pipeline: demoPipeline,
      trigger: { cron: '0 0 3 * * *' },
      enabled: false,
    });
    const id = created.recurring_run_id ?? '';
    await page().goto(`${origin}/?endpoint=${endpoint()}&token=${engine.token}#/`);
    const item = page().locator(`[data-testid=pl-recurring-run][data-recurring-run-id="${id}"]`);
    const name = item.getByTestId('pl-recurring-name');
    await expect.poll(() => name.textContent(), { timeout: 10_000 }).toBe('nightly report');
    await name.click();
    const label = page().getByTestId('pl-filter-label');
    await expect.poll(() => label.textContent()).toContain('the recurring run nightly report');
    // A slow network: the lists of recurring runs arrive 2 s after the engine answered them.
    const restore = await delayAnswers(page(), recurringRunLists, 2000);
    try {
      await item.getByTestId('pl-recurring-edit').click();
      const form = page().getByTestId('pl-recurring-form');
      await form.getByTestId('pl-param-epochs').waitFor();
      await form.getByTestId('pl-form-name').fill('weekly report');
      await form.getByTestId('pl-form-submit').click();
      await form.waitFor({ state: 'detached' });
      // At once, from the engine's answer to the edit: no list could have answered yet.
      await expect.poll(() => name.textContent(), { timeout: 1000 }).toBe('weekly report');
      await expect
        .poll(() => label.textContent(), { timeout: 1000 })
        .toContain('the recurring run weekly report');
      // The lists asked for before the save arrive meanwhile: the old name does not come back.
      await page().waitForTimeout(2500);
      expect(await name.textContent()).toBe('weekly report');
      expect(await label.textContent()).toContain('the recurring run weekly report');
      expect((await data.client.recurringRuns.get(id)).display_name).toBe('weekly report');
    } finally {
      await restore();
      await page().getByTestId('pl-clear-filter').click();
      await data.client.recurringRuns.delete(id);
    }
  });

  it('asks for the token when it has none', async () => {
    const context = await session.browser.newContext();
    const fresh = await context.newPage();
    await fresh.goto(`${origin}/?endpoint=${endpoint()}`);
    await fresh.getByTestId('pl-login-token').waitFor();
    await fresh.getByTestId('pl-login-token').fill(engine.token);
    await fresh.getByTestId('pl-login-token').press('Enter');
    await fresh.locator(`[data-run-id="${data.succeededRunId}"]`).waitFor({ timeout: 20_000 });
    await context.close();
  });

  it('logged no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});
