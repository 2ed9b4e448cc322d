/**
 * The standalone dashboard page (extension/dist/dashboard) in Chromium against a real engine:
 * the panel, run details from a run link (`#/runs/details/<id>`), and the token prompt.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineHandle } from '../../kernel-lib/src/engine';
import { DASHBOARD, requireBrowserStack } from './support/env';
import { hasRecurringRuns, seed, type Seeded } from './support/seed';
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
    const recurring = (await hasRecurringRuns(engine))
      ? []
      : [/501 \(Not Implemented\).*recurringruns/];
    // The token prompt's first check is answered 401 on purpose.
    session = await openBrowser({ ignoreErrors: [...recurring, /401 \(Unauthorized\)/] });
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
