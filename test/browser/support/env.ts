/**
 * What the browser tests need from the machine: Debian's Chromium, Debian's Python with
 * jupyter-server and jupyterlab-server, and the built extension and harness. Missing pieces fail
 * the tests under CI and skip them with a visible notice elsewhere.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const CHROMIUM = process.env.PIPELAB_CHROMIUM ?? '/usr/bin/chromium';
export const PYTHON = process.env.PIPELAB_PYTHON ?? '/usr/bin/python3';
export const LABEXTENSION = path.join(ROOT, 'extension', 'dist', 'labextension');
export const DASHBOARD = path.join(ROOT, 'extension', 'dist', 'dashboard');
export const HARNESS = path.join(ROOT, 'test', 'browser', 'harness');
export const HARNESS_BUILD = path.join(HARNESS, 'dist');

/** Where screenshots go: $PIPELAB_ARTIFACTS, else a folder under the system temp directory. */
export const ARTIFACTS =
  process.env.PIPELAB_ARTIFACTS ??
  path.join(process.env.TMPDIR ?? '/tmp', 'pipelab-browser-artifacts');

/** The first missing requirement, or undefined when everything is there. */
export function missingRequirement(needs: { lab: boolean }): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `Chromium (${CHROMIUM}): apt-get install chromium`;
  if (needs.lab) {
    const probe = spawnSync(PYTHON, ['-c', 'import jupyter_server, jupyterlab_server'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) {
      return `jupyter-server and jupyterlab-server for ${PYTHON}: apt-get install python3-jupyter-server python3-jupyterlab-server`;
    }
    if (!fs.existsSync(path.join(HARNESS_BUILD, 'static', 'bootstrap.js'))) {
      // The harness is test infrastructure: built here when missing (about two seconds).
      const build = spawnSync(process.execPath, [path.join(HARNESS, 'build.mjs')], {
        encoding: 'utf8',
      });
      if (build.status !== 0)
        return `the harness build (node test/browser/harness/build.mjs): ${build.stderr}`;
    }
    if (!fs.existsSync(path.join(LABEXTENSION, 'package.json'))) {
      return 'the prebuilt extension: npm run build -w extension';
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
export function requireBrowserStack(suite: string, needs: { lab: boolean }): boolean {
  const missing = missingRequirement(needs);
  if (missing === undefined) return true;
  const message = `${suite}: cannot run the browser tests, missing ${missing}.`;
  if (process.env.CI) throw new Error(`${message} CI requires them.`);
  console.warn(`\n*** SKIPPED ${message}\n`);
  return false;
}
