/**
 * What the browser tests need from the machine: Debian's Chromium, Debian's Python with
 * jupyter-server and jupyterlab-server, and the built extension and harness. Missing pieces fail
 * the tests under CI and skip them with a visible notice elsewhere.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inCi } from '../../support/ci';

export const ROOT = path.resolve(__dirname, '../../..');
export const CHROMIUM = process.env.PIPELAB_CHROMIUM ?? '/usr/bin/chromium';
export const PYTHON = process.env.PIPELAB_PYTHON ?? '/usr/bin/python3';
export const LABEXTENSION = path.join(ROOT, 'extension', 'dist', 'labextension');
export const DASHBOARD = path.join(ROOT, 'extension', 'dist', 'dashboard');
export const HARNESS = path.join(ROOT, 'test', 'browser', 'harness');
export const HARNESS_BUILD = path.join(HARNESS, 'dist');
/** tslab, the TypeScript kernel the notebooks run on (installed by npm install). */
export const TSLAB_BIN = path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab');
/** The built kernel-lib, which the notebooks import as the `pipelab` package. */
export const KERNEL_LIB_DIST = path.join(ROOT, 'kernel-lib', 'dist');

/** Where screenshots go: $PIPELAB_ARTIFACTS, else a folder under the system temp directory. */
export const ARTIFACTS =
  process.env.PIPELAB_ARTIFACTS ??
  path.join(process.env.TMPDIR ?? '/tmp', 'pipelab-browser-artifacts');

/** True when the harness has not been built, or was built before its sources last changed. */
function harnessBuildIsStale(): boolean {
  const built = path.join(HARNESS_BUILD, 'static', 'bootstrap.js');
  if (!fs.existsSync(built)) return true;
  const sources = [
    path.join(HARNESS, 'build.mjs'),
    path.join(HARNESS, 'extensions.json'),
    ...fs.readdirSync(path.join(HARNESS, 'app')).map((name) => path.join(HARNESS, 'app', name)),
  ];
  const builtAt = fs.statSync(built).mtimeMs;
  return sources.some((source) => fs.statSync(source).mtimeMs > builtAt);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The harness is test infrastructure: built here when missing or older than its sources (about
 * two seconds). Test files load in parallel, so one process builds while the others wait for it
 * (a lock directory in the temp directory; one left by a killed build is ignored after two
 * minutes). Returns why the build failed, or undefined.
 */
function buildHarnessIfStale(): string | undefined {
  const lock = path.join(os.tmpdir(), `pipelab-harness-build-${HARNESS.replace(/\W+/g, '-')}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    let lockedAt: number | undefined;
    try {
      lockedAt = fs.statSync(lock).mtimeMs;
    } catch {
      lockedAt = undefined;
    }
    if (lockedAt !== undefined && Date.now() - lockedAt > 120_000) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (lockedAt === undefined) {
      if (!harnessBuildIsStale()) return undefined;
      let locked = false;
      try {
        fs.mkdirSync(lock);
        locked = true;
      } catch {
        // another process took it first: wait for its build
      }
      if (locked) {
        try {
          if (!harnessBuildIsStale()) return undefined;
          const build = spawnSync(process.execPath, [path.join(HARNESS, 'build.mjs')], {
            encoding: 'utf8',
          });
          return build.status === 0 ? undefined : build.stderr || `exit code ${build.status}`;
        } finally {
          fs.rmSync(lock, { recursive: true, force: true });
        }
      }
    }
    if (Date.now() > deadline) return `another process's build did not end (lock ${lock})`;
    sleepSync(200);
  }
}

/**
 * What a suite needs: `lab`, the harness JupyterLab (else the standalone dashboard); `notebooks`,
 * also the tslab kernel and the built kernel-lib, to run the notebooks of `notebooks/` in it.
 */
export interface BrowserNeeds {
  lab: boolean;
  notebooks?: boolean;
}

/** The first missing requirement, or undefined when everything is there. */
export function missingRequirement(needs: BrowserNeeds): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `Chromium (${CHROMIUM}): apt-get install chromium`;
  if (needs.lab) {
    const probe = spawnSync(PYTHON, ['-c', 'import jupyter_server, jupyterlab_server'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) {
      return `jupyter-server and jupyterlab-server for ${PYTHON}: apt-get install python3-jupyter-server python3-jupyterlab-server`;
    }
    const harness = buildHarnessIfStale();
    if (harness !== undefined)
      return `the harness build (node test/browser/harness/build.mjs): ${harness}`;
    if (!fs.existsSync(path.join(LABEXTENSION, 'package.json'))) {
      return 'the prebuilt extension: npm run build -w extension';
    }
    if (needs.notebooks === true) {
      if (!fs.existsSync(TSLAB_BIN)) return `the tslab kernel (${TSLAB_BIN}): npm install`;
      for (const built of ['index.js', 'display/index.js', 'pipelines/chicago.js']) {
        if (!fs.existsSync(path.join(KERNEL_LIB_DIST, built))) {
          return `the built kernel-lib (kernel-lib/dist/${built}): npm run build -w kernel-lib`;
        }
      }
    }
  } else if (!fs.existsSync(path.join(DASHBOARD, 'index.html'))) {
    return 'the dashboard build: npm run build -w extension';
  }
  return undefined;
}

/**
 * Fails under CI when something is missing; elsewhere prints a notice and tells the caller to
 * skip. Returns true when the tests can run.
 */
export function requireBrowserStack(suite: string, needs: BrowserNeeds): boolean {
  const missing = missingRequirement(needs);
  if (missing === undefined) return true;
  const message = `${suite}: cannot run the browser tests, missing ${missing}.`;
  if (inCi()) throw new Error(`${message} CI requires them.`);
  console.warn(`\n*** SKIPPED ${message}\n`);
  return false;
}
