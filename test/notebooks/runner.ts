/**
 * Runs the notebooks of `notebooks/` headlessly for tests: a tslab kernelspec written to a
 * temporary Jupyter path (nothing is installed globally), then nbclient (Debian's
 * `python3-nbclient`, driven by `execute_notebook.py` beside this file) executes the notebook
 * top to bottom, stopping at the first failing cell, and the executed notebook is read back.
 *
 *   /usr/bin/python3 test/notebooks/execute_notebook.py --kernel pipelab-tslab-test \
 *     --cwd notebooks --timeout 300 <in.ipynb> <out.ipynb>
 *
 * with JUPYTER_PATH / JUPYTER_DATA_DIR / JUPYTER_RUNTIME_DIR / JUPYTER_CONFIG_DIR in the
 * temporary directory. tslab sends a failing cell's message to the cell's stderr stream only, so
 * {@link describeFailure} prints the failing cell's source with its stderr.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: this file lives in `<root>/test/notebooks`. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Debian's Python, which has nbclient; the first `python3` on PATH may be another one. */
export const PYTHON = '/usr/bin/python3';
/** The name of the kernelspec written for the tests. */
export const KERNEL_NAME = 'pipelab-tslab-test';
const DRIVER = path.join(__dirname, 'execute_notebook.py');

/**
 * The short run the notebook tests (headless and in the browser) give the notebooks: three years
 * of data, a few epochs (the notebooks' defaults are the real ones).
 */
export const FIRST_DAY = '2019-01-01';
export const EPOCHS = 8;
/** The parameters of the Chicago pipeline run in pipeline.ipynb ($CHICAGO_RUN_PARAMETERS). */
export const CHICAGO_RUN_PARAMETERS = {
  query:
    'SELECT count(*) AS count, TIMESTAMP_TRUNC(date, DAY) AS day FROM ' +
    `\`bigquery-public-data.chicago_crime.crime\` WHERE date >= '${FIRST_DAY}' GROUP BY day ORDER BY day`,
  preset: 'default',
  epochs: EPOCHS,
};
const TSLAB_BIN = path.join(REPO_ROOT, 'node_modules', 'tslab', 'bin', 'tslab');

/** A notebook, as nbformat 4 writes it (the fields the tests read). */
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata: { tags?: string[]; execution?: Record<string, string>; [key: string]: unknown };
  execution_count?: number | null;
  outputs?: CellOutput[];
}

export interface CellOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: 'stdout' | 'stderr';
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** Whether Jupyter's pieces the runner needs are here, and what is missing if not. */
export interface JupyterCheck {
  ok: boolean;
  missing: string;
}

/** Checks for Debian's python3 with nbclient, nbformat and jupyter_client. */
export function checkJupyter(): JupyterCheck {
  if (!fs.existsSync(PYTHON)) return { ok: false, missing: `${PYTHON} does not exist` };
  const probe = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, jupyter_client'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (probe.status !== 0) {
    return {
      ok: false,
      missing: `${PYTHON} cannot import nbclient/nbformat/jupyter_client (${(probe.stderr || String(probe.error ?? '')).trim()}); install Debian's python3-nbclient and python3-jupyter-client`,
    };
  }
  if (!fs.existsSync(TSLAB_BIN)) {
    return { ok: false, missing: `${TSLAB_BIN} is missing (npm install installs tslab)` };
  }
  return { ok: true, missing: '' };
}

/** The kernelspec of tslab: the argv `tslab install` writes, with this Node and this tslab. */
export function tslabKernelSpec(): Record<string, unknown> {
  return {
    argv: [process.execPath, TSLAB_BIN, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (pipelab tests)',
    language: 'typescript',
  };
}

/**
 * Writes the tslab kernelspec below `dir` and returns the environment that makes Jupyter find it
 * there (and keep its runtime and config files there too).
 */
export function jupyterEnvironment(dir: string): Record<string, string> {
  const dataDir = path.join(dir, 'jupyter-data');
  const kernelDir = path.join(dataDir, 'kernels', KERNEL_NAME);
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.writeFileSync(path.join(kernelDir, 'kernel.json'), JSON.stringify(tslabKernelSpec(), null, 1));
  const runtime = path.join(dir, 'jupyter-runtime');
  const config = path.join(dir, 'jupyter-config');
  fs.mkdirSync(runtime, { recursive: true });
  fs.mkdirSync(config, { recursive: true });
  return {
    JUPYTER_PATH: dataDir,
    JUPYTER_DATA_DIR: dataDir,
    JUPYTER_RUNTIME_DIR: runtime,
    JUPYTER_CONFIG_DIR: config,
  };
}

/** Options of {@link executeNotebook}. */
export interface ExecuteOptions {
  /** The notebook file. */
  notebook: string;
  /** Where the executed notebook is written. */
  output: string;
  /** The environment of nbclient and so of the kernel (added to this process's). */
  env: Record<string, string>;
  /** Time for the whole notebook. @default 120000 */
  timeoutMs?: number;
  /** Time for one cell, in seconds. @default 300 */
  cellTimeoutSeconds?: number;
}

/** How a notebook ran. */
export interface ExecuteResult {
  ok: boolean;
  /** The executed notebook (the cells that ran have their outputs). */
  notebook: Notebook | undefined;
  /** Index (in the executed notebook) of the cell that failed. */
  failedCell: number | undefined;
  /** nbclient's message, or why the notebook could not run. */
  message: string;
  /** What nbclient and the kernel process wrote to stderr. */
  stderr: string;
  /** Seconds per executed code cell, from nbclient's timing metadata. */
  cellSeconds: { cell: number; seconds: number }[];
  /** Seconds for the whole execution, kernel start included. */
  seconds: number;
}

/** The source of a cell as one string. */
export function sourceOf(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

function timings(notebook: Notebook | undefined): { cell: number; seconds: number }[] {
  const out: { cell: number; seconds: number }[] = [];
  notebook?.cells.forEach((cell, i) => {
    const t = cell.metadata.execution;
    const start = t?.['iopub.status.busy'];
    const end = t?.['iopub.status.idle'];
    if (start !== undefined && end !== undefined) {
      out.push({ cell: i, seconds: (Date.parse(end) - Date.parse(start)) / 1000 });
    }
  });
  return out;
}

/** Executes a notebook with nbclient on the tslab kernel (see the module comment). */
export async function executeNotebook(options: ExecuteOptions): Promise<ExecuteResult> {
  const started = Date.now();
  const argv = [
    DRIVER,
    '--kernel',
    KERNEL_NAME,
    '--cwd',
    path.dirname(path.resolve(options.notebook)),
    '--timeout',
    String(options.cellTimeoutSeconds ?? 300),
    options.notebook,
    options.output,
  ];
  const child = spawn(PYTHON, argv, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: a timeout takes the kernel down with it
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      stderr += `\ncannot start ${PYTHON}: ${error.message}`;
      resolve(null);
    });
    child.on('close', (exitCode) => resolve(exitCode));
  });
  clearTimeout(timer);

  let notebook: Notebook | undefined;
  try {
    notebook = JSON.parse(fs.readFileSync(options.output, 'utf8')) as Notebook;
  } catch {
    notebook = undefined;
  }
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  let summary: { ok?: boolean; failed_cell?: number | null; message?: string } = {};
  try {
    summary = JSON.parse(lastLine) as typeof summary;
  } catch {
    summary = {};
  }
  const message = timedOut
    ? `the notebook did not finish within ${timeoutMs} ms (killed)`
    : (summary.message ?? `nbclient exited with code ${String(code)} without a summary`);
  return {
    ok: !timedOut && code === 0 && summary.ok === true,
    notebook,
    failedCell: summary.failed_cell ?? undefined,
    message,
    stderr,
    cellSeconds: timings(notebook),
    seconds: (Date.now() - started) / 1000,
  };
}

function streamText(output: CellOutput): string {
  return Array.isArray(output.text) ? output.text.join('') : (output.text ?? '');
}

/** The text a cell wrote to one stream. */
export function cellStream(cell: NotebookCell, name: 'stdout' | 'stderr'): string {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === name)
    .map(streamText)
    .join('');
}

/** What to print when a notebook failed: the failing cell's source and its stderr, and more. */
export function describeFailure(name: string, result: ExecuteResult): string {
  const cells = result.notebook?.cells ?? [];
  // nbclient's message repeats the cell's source, printed below: its first line is enough then.
  const message = result.failedCell !== undefined ? result.message.split('\n')[0] : result.message;
  const lines = [`notebook ${name} failed after ${result.seconds.toFixed(1)} s: ${message}`];
  const index =
    result.failedCell ??
    cells.reduce(
      (last, c, i) => (c.execution_count !== undefined && c.execution_count !== null ? i : last),
      -1,
    );
  const cell = index >= 0 ? cells[index] : undefined;
  if (cell !== undefined) {
    lines.push(
      `--- failing cell ${index} ---`,
      sourceOf(cell),
      `--- its stderr ---`,
      cellStream(cell, 'stderr') || '(nothing)',
      `--- its stdout (last 2000 characters) ---`,
      cellStream(cell, 'stdout').slice(-2000) || '(nothing)',
    );
  }
  if (result.stderr.trim() !== '') {
    lines.push(
      '--- nbclient / kernel stderr (last 4000 characters) ---',
      result.stderr.slice(-4000),
    );
  }
  return lines.join('\n');
}

/** Every rich output of the notebook that carries `mimeType`, with its cell index. */
export function bundlesOf(
  notebook: Notebook,
  mimeType: string,
): { cell: number; value: unknown; data: Record<string, unknown> }[] {
  const found: { cell: number; value: unknown; data: Record<string, unknown> }[] = [];
  notebook.cells.forEach((cell, i) => {
    for (const output of cell.outputs ?? []) {
      const data = output.data;
      if (data !== undefined && mimeType in data)
        found.push({ cell: i, value: data[mimeType], data });
    }
  });
  return found;
}

/** A text representation as nbformat stores it (a string, or a list of lines) as one string. */
export function mimeText(value: unknown): string {
  if (Array.isArray(value)) return value.join('');
  return typeof value === 'string' ? value : '';
}

/** The `text/plain` of every rich output of the notebook, in order. */
export function plainTexts(notebook: Notebook): string[] {
  return notebook.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data !== undefined)
    .map((o) => mimeText(o.data?.['text/plain']));
}

/** All stdout of the notebook, in cell order. */
export function allStdout(notebook: Notebook): string {
  return notebook.cells.map((c) => cellStream(c, 'stdout')).join('');
}
