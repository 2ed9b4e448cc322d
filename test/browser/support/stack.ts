/**
 * Starts what a browser test needs: the embedded engine (with the test page's origin allowed),
 * the harness JupyterLab served by Debian's jupyter-server, and Debian's Chromium through
 * playwright-core. Everything listens on 127.0.0.1 and is stopped by `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startEngine, type EngineHandle } from '../../../kernel-lib/src/engine';
import { ARTIFACTS, CHROMIUM, HARNESS, HARNESS_BUILD, LABEXTENSION, PYTHON } from './env';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestEngine(
  dataDir: string,
  origins: string[],
  port = 0,
): Promise<EngineHandle> {
  return startEngine({ dataDir, port, allowedOrigins: origins, log: () => undefined });
}

export interface Lab {
  url: string;
  token: string;
  root: string;
  close(): Promise<void>;
}

async function waitForHttp(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the harness server exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the harness server did not answer ${url} within ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts the harness JupyterLab on `port` with the Pipelab extension configured for `engine`
 * (through the app settings' overrides.json), serving `root` as its file tree. `env` is added to
 * the server's environment, which its kernels inherit (e.g. JUPYTER_PATH, where it finds
 * kernelspecs); the harness's own Jupyter directories are not overridden by it.
 */
export async function startLab(options: {
  port: number;
  root: string;
  settings: Record<string, unknown>;
  labextensions?: string;
  env?: Record<string, string>;
}): Promise<Lab> {
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-lab-runtime-'));
  const appSettings = path.join(runtime, 'app-settings');
  fs.mkdirSync(appSettings, { recursive: true });
  fs.writeFileSync(
    path.join(appSettings, 'overrides.json'),
    JSON.stringify({
      'pipelab-jupyterlab:plugin': options.settings,
      // Keep the harness quiet: no news or update checks (there is no network).
      '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
    }),
  );
  // The labextensions directory holds the built extension under its package name.
  const labextensions = options.labextensions ?? path.join(runtime, 'labextensions');
  if (options.labextensions === undefined) {
    fs.mkdirSync(labextensions, { recursive: true });
    fs.symlinkSync(LABEXTENSION, path.join(labextensions, 'pipelab-jupyterlab'));
  }
  const token = `lab-${Math.random().toString(36).slice(2)}`;
  let output = '';
  const child = spawn(
    PYTHON,
    [
      path.join(HARNESS, 'server.py'),
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${options.port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.token=${token}`,
      '--ServerApp.open_browser=False',
      '--ServerApp.disable_check_xsrf=True',
      `--ServerApp.root_dir=${options.root}`,
      '--allow-root',
    ],
    {
      env: {
        ...process.env,
        ...options.env,
        PIPELAB_HARNESS_BUILD: HARNESS_BUILD,
        PIPELAB_HARNESS_RUNTIME: runtime,
        PIPELAB_HARNESS_APP_SETTINGS: appSettings,
        PIPELAB_LABEXTENSIONS: labextensions,
        JUPYTER_CONFIG_DIR: path.join(runtime, 'config'),
        JUPYTER_DATA_DIR: path.join(runtime, 'data'),
        JUPYTER_RUNTIME_DIR: path.join(runtime, 'rt'),
        JUPYTER_PLATFORM_DIRS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${options.port}`;
  await waitForHttp(`${url}/api/status?token=${token}`, child, () => output, 30_000);
  return {
    url,
    token,
    root: options.root,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            r(undefined);
          }, 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            r(undefined);
          });
        });
      }
      fs.rmSync(runtime, { recursive: true, force: true });
    },
  };
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  /** Saves a PNG of the page (the viewport, or the whole page) as `<ARTIFACTS>/<name>.png`. */
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** Chromium from Debian, headless, with a fresh profile; console errors are collected. */
export async function openBrowser(
  options: { ignoreErrors?: RegExp[] } = {},
): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const ignored = (text: string): boolean =>
    (options.ignoreErrors ?? []).some((re) => re.test(text));
  page.on('console', (message) => {
    const text = `${message.text()} (${message.location().url})`;
    if (message.type() === 'error' && !ignored(text)) errors.push(text);
  });
  page.on('pageerror', (error) => {
    if (!ignored(error.message)) errors.push(`page error: ${error.message}`);
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser,
    context,
    page,
    errors,
    screenshot: async (name, screenshotOptions = {}) => {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: screenshotOptions.fullPage ?? false });
      return file;
    },
    close: () => browser.close(),
  };
}
