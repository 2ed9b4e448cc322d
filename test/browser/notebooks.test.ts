/**
 * The notebooks of `notebooks/` in the harness JupyterLab (Chromium, Debian's jupyter-server), on
 * the tslab kernel, against a fresh embedded engine and model server: each notebook is opened,
 * run with Run → Run All Cells, and must finish with every code cell executed, no failing cell,
 * and its rich outputs rendered by the extension (plotly figures in research.ipynb, a live run
 * link that reaches SUCCEEDED in pipeline.ipynb). A screenshot of each whole notebook goes to
 * $PIPELAB_ARTIFACTS (default /tmp/pipelab-browser-artifacts): notebook-research.png,
 * notebook-pipeline.png.
 *
 * The kernel: the tslab kernelspec of test/notebooks/runner.ts, written to a temporary Jupyter
 * path that the server finds through JUPYTER_PATH (nothing installed globally). The kernels
 * inherit the server's environment, which carries what test/notebooks/notebooks.test.ts gives
 * the notebooks: a fresh PIPELAB_HOME, a short stretch of data and few epochs, the engine's
 * endpoint and token, the model server. The notebooks are copied into the server's root, beside
 * a `node_modules` link to the repository's, so that `import ... from 'pipelab'` resolves to the
 * built kernel-lib as it does from `notebooks/`.
 *
 * Needs what the other browser tests need, plus tslab and a built kernel-lib
 * (`npm run build -w kernel-lib`); without them the suite is skipped with a notice, except in CI.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../kernel-lib/src/client';
import { ensureWarehouse } from '../../kernel-lib/src/components/data';
import { pipelabCommandResolver } from '../../kernel-lib/src/components/local-commands';
import { PLOTLY_MIME_TYPE, RUN_MIME_TYPE, type RunLinkData } from '../../kernel-lib/src/display';
import { startEngine, type EngineHandle } from '../../kernel-lib/src/engine';
import { defaultModelsDir, startModelServer, type ModelServer } from '../../kernel-lib/src/serving';
import {
  CHICAGO_RUN_PARAMETERS,
  EPOCHS,
  FIRST_DAY,
  KERNEL_NAME,
  bundlesOf,
  cellStream,
  describeFailure,
  jupyterEnvironment,
  tslabKernelSpec,
  type Notebook,
} from '../notebooks/runner';
import { ROOT, requireBrowserStack } from './support/env';
import { freePort, openBrowser, startLab, type BrowserSession, type Lab } from './support/stack';

const NOTEBOOKS_DIR = path.join(ROOT, 'notebooks');
/** Errors of the harness's server that are not ours: Debian's jupyter-server 1.x has no /api/me or /api/events. */
const HARNESS_NOISE = [/api\/me/, /api\/events/];
/**
 * What a failing cell leaves in stderr: tslab's compile errors (`line:column - message`), or a
 * thrown error and its stack.
 */
const ERROR_TRACE = /^\d+:\d+ - |error TS\d+|\b[A-Z]\w*Error\b:|^\s+at \S.*:\d+:\d+\)?$/m;
/** How long Run All Cells may take for one notebook. */
const RUN_TIMEOUT_MS = 180_000;
/** How long one test may take: opening the notebook and starting its kernel, the run, the checks. */
const TEST_TIMEOUT_MS = RUN_TIMEOUT_MS + 60_000;

/** A reply of the kernel to an execute request, as the page saw it. */
interface ExecuteReply {
  status: string;
  executionCount: number | null;
}

/** What the page tells about one open notebook. */
interface NotebookState {
  open: boolean;
  /** The id of its panel in the DOM. */
  panelId: string;
  kernel: string | null;
  kernelStatus: string | null;
  /** The notebook as nbformat, with the outputs it has so far. */
  notebook: Notebook | null;
  replies: ExecuteReply[];
}

/** The parts of the harness's JupyterLab (window.jupyterapp) these tests use. */
interface KernelLike {
  name: string;
  status: string;
  anyMessage: {
    connect(
      fn: (
        sender: unknown,
        args: {
          direction: string;
          msg: { header: { msg_type: string }; content: Record<string, unknown> };
        },
      ) => void,
    ): void;
  };
}
interface NotebookPanelLike {
  id: string;
  context?: { path: string };
  sessionContext?: { session: { kernel: KernelLike | null } | null };
  content?: { model: { toJSON(): unknown } | null };
}
interface TestWindow {
  jupyterapp: {
    shell: { widgets(area: string): Iterable<NotebookPanelLike> };
  };
  pipelabNotebooks?: {
    watch(path: string): boolean;
    state(path: string): NotebookState;
  };
}

/**
 * Installs `window.pipelabNotebooks` in the page: `watch(path)` records the kernel's execute
 * replies for the notebook open at `path`; `state(path)` reports its kernel and contents.
 */
function installPageHelpers(): void {
  const w = globalThis as unknown as TestWindow;
  const replies = new Map<string, ExecuteReply[]>();
  const watched = new Set<KernelLike>();
  const find = (notebookPath: string): NotebookPanelLike | undefined => {
    for (const widget of w.jupyterapp.shell.widgets('main')) {
      if (widget.context?.path === notebookPath && widget.content !== undefined) return widget;
    }
    return undefined;
  };
  w.pipelabNotebooks = {
    watch: (notebookPath) => {
      const kernel = find(notebookPath)?.sessionContext?.session?.kernel;
      if (kernel === null || kernel === undefined) return false;
      replies.set(notebookPath, []);
      if (!watched.has(kernel)) {
        watched.add(kernel);
        kernel.anyMessage.connect((_sender, args) => {
          if (args.direction !== 'recv' || args.msg.header.msg_type !== 'execute_reply') return;
          replies.get(notebookPath)?.push({
            status: String(args.msg.content.status),
            executionCount: (args.msg.content.execution_count as number | undefined) ?? null,
          });
        });
      }
      return true;
    },
    state: (notebookPath) => {
      const panel = find(notebookPath);
      const kernel = panel?.sessionContext?.session?.kernel ?? null;
      return {
        open: panel !== undefined,
        panelId: panel?.id ?? '',
        kernel: kernel?.name ?? null,
        kernelStatus: kernel?.status ?? null,
        notebook: (panel?.content?.model?.toJSON() as Notebook | undefined) ?? null,
        replies: replies.get(notebookPath) ?? [],
      };
    },
  };
}

const codeCells = (notebook: Notebook) => notebook.cells.filter((c) => c.cell_type === 'code');

const ready = requireBrowserStack('Notebook browser tests', { lab: true, notebooks: true });

describe.skipIf(!ready)('the notebooks, run in JupyterLab', { timeout: TEST_TIMEOUT_MS }, () => {
  let work: string;
  let root: string;
  let engine: EngineHandle;
  let modelServer: ModelServer;
  let lab: Lab;
  let session: BrowserSession;
  const savedHome = process.env.PIPELAB_HOME;
  const savedWarehouse = process.env.PIPELAB_WAREHOUSE;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-browser-notebooks-'));
    // The tslab kernelspec, where the server looks for kernelspecs through JUPYTER_PATH.
    const jupyterEnv = jupyterEnvironment(path.join(work, 'jupyter'));
    // A fresh Pipelab home (warehouse, models) for the engine's tasks, the model server and the
    // kernels, which inherit this process's environment through the server's.
    process.env.PIPELAB_HOME = path.join(work, 'home');
    delete process.env.PIPELAB_WAREHOUSE;
    await ensureWarehouse();

    const labPort = await freePort();
    engine = await startEngine({
      dataDir: path.join(work, 'engine'),
      port: 0,
      commandResolver: pipelabCommandResolver,
      allowedOrigins: [`http://127.0.0.1:${labPort}`],
    });
    modelServer = await startModelServer({ modelsDir: defaultModelsDir(), port: 0 });

    root = path.join(work, 'root');
    fs.mkdirSync(root);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    for (const name of ['research.ipynb', 'pipeline.ipynb'])
      fs.copyFileSync(path.join(NOTEBOOKS_DIR, name), path.join(root, name));

    lab = await startLab({
      port: labPort,
      root,
      settings: { endpoint: engine.url, token: engine.token, refreshInterval: 1 },
      env: {
        JUPYTER_PATH: jupyterEnv.JUPYTER_PATH as string,
        PIPELAB_HOME: process.env.PIPELAB_HOME,
        RESEARCH_FIRST_DAY: FIRST_DAY,
        RESEARCH_EPOCHS: String(EPOCHS),
        PIPELAB_ENDPOINT: engine.url,
        PIPELAB_TOKEN: engine.token,
        CHICAGO_RUN_PARAMETERS: JSON.stringify(CHICAGO_RUN_PARAMETERS),
        PIPELAB_MODEL_SERVER: modelServer.url,
      },
    });
    session = await openBrowser({
      ignoreErrors: HARNESS_NOISE,
    });
    await session.page.goto(`${lab.url}/lab?token=${lab.token}`);
    await session.page.waitForSelector('body[data-harness-ready="true"]', {
      state: 'attached',
      timeout: 60_000,
    });
    await session.page.evaluate(installPageHelpers);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    await lab?.close();
    await engine?.close();
    await modelServer?.close();
    if (savedHome === undefined) delete process.env.PIPELAB_HOME;
    else process.env.PIPELAB_HOME = savedHome;
    if (savedWarehouse !== undefined) process.env.PIPELAB_WAREHOUSE = savedWarehouse;
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  const page = () => session.page;
  const state = (name: string): Promise<NotebookState> =>
    page().evaluate(
      (n) => (globalThis as unknown as TestWindow).pipelabNotebooks?.state(n) as NotebookState,
      name,
    );

  /**
   * Opens the notebook, with the tslab kernel (picked by JupyterLab for the notebook's language,
   * or in the kernel dialog when it asks), and waits until the kernel is idle.
   */
  async function open(name: string): Promise<void> {
    await page().evaluate(
      (n) =>
        (
          globalThis as unknown as {
            jupyterapp: { commands: { execute(i: string, a: unknown): Promise<unknown> } };
          }
        ).jupyterapp.commands.execute('docmanager:open', { path: n }),
      name,
    );
    const dialog = page().locator('.jp-Dialog');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now = await state(name);
      if (now.kernel === KERNEL_NAME && now.kernelStatus === 'idle') return;
      if (now.kernel !== null && now.kernel !== KERNEL_NAME) {
        throw new Error(`${name} started the kernel ${now.kernel}, not ${KERNEL_NAME}`);
      }
      if ((await dialog.count()) > 0 && (await dialog.locator('select').count()) > 0) {
        await dialog
          .locator('select')
          .selectOption({ label: tslabKernelSpec().display_name as string });
        await dialog.locator('.jp-mod-accept').click();
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the tslab kernel of ${name} is not ready after 60 s: ${JSON.stringify({ ...now, notebook: undefined })}`,
        );
      }
      await page().waitForTimeout(250);
    }
  }

  /** Run → Run All Cells, then waits until every code cell has run, or one has failed. */
  async function runAll(name: string): Promise<Notebook> {
    const watching = await page().evaluate(
      (n) => (globalThis as unknown as TestWindow).pipelabNotebooks?.watch(n) ?? false,
      name,
    );
    expect(watching, `the kernel of ${name}`).toBe(true);
    await page().locator('.lm-MenuBar-item', { hasText: /^Run$/ }).click();
    await page()
      .locator('.lm-Menu-item', { hasText: /^Run All Cells/ })
      .click();
    const started = Date.now();
    for (;;) {
      const now = await state(name);
      const notebook = now.notebook as Notebook;
      const failed = now.replies.find((r) => r.status !== 'ok');
      const pending = codeCells(notebook).filter(
        (c) => c.execution_count === null || c.execution_count === undefined,
      );
      if (failed !== undefined) {
        const report = describeFailure(name, {
          ok: false,
          notebook,
          failedCell: undefined,
          message: `a cell's execute reply was ${failed.status} (execution count ${String(failed.executionCount)})`,
          stderr: '',
          cellSeconds: [],
          seconds: (Date.now() - started) / 1000,
        });
        await session.screenshot(`notebook-${path.basename(name, '.ipynb')}-failed`);
        console.error(report);
        expect.fail(report);
      }
      if (pending.length === 0 && now.kernelStatus === 'idle') {
        console.log(
          `[pipelab] ${name} ran in JupyterLab in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        return notebook;
      }
      if (Date.now() - started > RUN_TIMEOUT_MS) {
        await session.screenshot(`notebook-${path.basename(name, '.ipynb')}-timeout`);
        expect.fail(
          `${name} did not finish within ${RUN_TIMEOUT_MS / 1000} s: ${pending.length} code cells not run, kernel ${String(now.kernelStatus)}`,
        );
      }
      await page().waitForTimeout(500);
    }
  }

  /** No cell failed: no error output, no error trace in what tslab writes to stderr. */
  async function expectNoErrors(name: string, notebook: Notebook): Promise<void> {
    for (const [i, cell] of notebook.cells.entries()) {
      const errors = (cell.outputs ?? []).filter((o) => o.output_type === 'error');
      expect(errors, `${name} cell ${i}`).toEqual([]);
      expect(cellStream(cell, 'stderr'), `${name} cell ${i}`).not.toMatch(ERROR_TRACE);
    }
    const panel = page().locator(`#${(await state(name)).panelId}`);
    const stderr = await panel
      .locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .allTextContents();
    for (const text of stderr) expect(text, `stderr shown in ${name}`).not.toMatch(ERROR_TRACE);
  }

  /** The Markdown cells are rendered: the notebook's title and section headings. */
  async function expectMarkdownRendered(name: string): Promise<void> {
    const panel = page().locator(`#${(await state(name)).panelId}`);
    expect(await panel.locator('.jp-MarkdownCell .jp-RenderedMarkdown h1').count()).toBe(1);
    expect(await panel.locator('.jp-MarkdownCell .jp-RenderedMarkdown h2').count()).toBeGreaterThan(
      2,
    );
  }

  /** A screenshot of the whole notebook: the page made as tall as the notebook, for a moment. */
  async function screenshotNotebook(name: string): Promise<string> {
    const panel = page().locator(`#${(await state(name)).panelId}`);
    const scroller = panel.locator('.jp-WindowedPanel-outer');
    const viewport = page().viewportSize() ?? { width: 1400, height: 900 };
    const { scrollHeight, clientHeight } = await scroller.evaluate((el) => {
      el.scrollTo(0, 0);
      return { scrollHeight: el.scrollHeight, clientHeight: el.clientHeight };
    });
    const height = Math.min(viewport.height + scrollHeight - clientHeight, 16_000);
    await page().setViewportSize({ width: viewport.width, height });
    try {
      await page().waitForTimeout(1000); // plotly follows the new size
      return await session.screenshot(`notebook-${path.basename(name, '.ipynb')}`, {
        fullPage: true,
      });
    } finally {
      await page().setViewportSize(viewport);
    }
  }

  it('research.ipynb runs, and its plotly figures render', async () => {
    await open('research.ipynb');
    const notebook = await runAll('research.ipynb');
    await expectNoErrors('research.ipynb', notebook);
    await expectMarkdownRendered('research.ipynb');
    const figures = bundlesOf(notebook, PLOTLY_MIME_TYPE);
    expect(figures.length).toBeGreaterThanOrEqual(8);
    const panel = page().locator(`#${(await state('research.ipynb')).panelId}`);
    const plotted = panel.locator('.pl-PlotlyOutput .pl-Plot.pl-mod-plotted');
    await expect.poll(() => plotted.count(), { timeout: 30_000 }).toBe(figures.length);
    expect(await panel.locator('.pl-PlotlyOutput .pl-Plot .main-svg').count()).toBeGreaterThan(0);
    const file = await screenshotNotebook('research.ipynb');
    console.log(`[pipelab] screenshot: ${file}`);
  });

  it('pipeline.ipynb runs, and its run link shows the run succeeded', async () => {
    await open('pipeline.ipynb');
    const notebook = await runAll('pipeline.ipynb');
    await expectNoErrors('pipeline.ipynb', notebook);
    await expectMarkdownRendered('pipeline.ipynb');
    const links = bundlesOf(notebook, RUN_MIME_TYPE).map((b) => b.value as RunLinkData);
    expect(links).toHaveLength(1);
    const runId = (links[0] as RunLinkData).run_id;
    const panel = page().locator(`#${(await state('pipeline.ipynb')).panelId}`);
    const link = panel.locator('.pl-RunLinkOutput [data-testid=pl-run-link]');
    const rendered = await link.waitFor({ timeout: 30_000 }).then(
      () => true,
      () => false,
    );
    if (!rendered) {
      const shownAs = await panel
        .locator('.jp-OutputArea-output:has(.pipelab-run-link)')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-mime-type') ?? '?'));
      await screenshotNotebook('pipeline.ipynb');
      expect.fail(
        `the run bundle of ${runId} is not rendered by the extension's run-link renderer (${RUN_MIME_TYPE}): JupyterLab shows it as ${shownAs.join(', ') || 'nothing'}`,
      );
    }
    await expect.poll(() => link.getAttribute('data-state'), { timeout: 30_000 }).toBe('SUCCEEDED');
    const run = await new Client({ endpoint: engine.url, token: engine.token, env: {} }).runs.get(
      runId,
    );
    expect(run.state).toBe('SUCCEEDED');
    const text = (await link.textContent()) ?? '';
    expect(text).toContain(run.display_name);
    expect(text).toMatch(/(\d+)\/\1 steps/);
    for (const file of ['chicago.pipeline.yaml', 'chicago.pipeline.tar.gz']) {
      expect(fs.statSync(path.join(root, file)).size).toBeGreaterThan(0);
    }
    const file = await screenshotNotebook('pipeline.ipynb');
    console.log(`[pipelab] screenshot: ${file}`);
  });

  it('logged no console errors', () => {
    expect(session.errors).toEqual([]);
  });
});
