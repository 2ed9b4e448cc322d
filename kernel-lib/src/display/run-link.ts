/**
 * The run link: one output per run, in the vendor MIME type {@link RUN_MIME_TYPE} that Pipelab's
 * JupyterLab extension renders as a live widget, with an HTML card and a text line as fallbacks.
 * While a cell waits for the run, the output is replaced in place as the run and its tasks move
 * on, so a saved notebook shows how the run ended.
 *
 * The bundle carries no credentials: notebooks get shared and committed.
 */
import type { RunHandle, WaitOptions } from '../client/run-handle';
import { isFinalState } from '../client/run-helpers';
import type { RuntimeState, V2beta1PipelineTaskDetail, V2beta1Run } from '../client/types';
import { escapeHtml, formatDuration, RUN_MIME_TYPE, safeHref, type MimeBundle } from './mime';
import { DisplayHandle } from './output';

/** The version of {@link RunLinkData}'s shape; a renderer should ignore versions it does not know. */
export const RUN_LINK_VERSION = 1;

/** One task of a run, as the run link shows it. */
export interface RunLinkTask {
  /** The task's name in the pipeline (`query`, `train`...). */
  name: string;
  /** Its state (`SKIPPED` for a cache hit), `PENDING` when unknown. */
  state: RuntimeState;
}

/** The content of the {@link RUN_MIME_TYPE} output. Field names follow KFP's REST API. */
export interface RunLinkData {
  /** {@link RUN_LINK_VERSION}. */
  version: number;
  run_id: string;
  /** The run's display name. */
  name: string;
  /** The API server's base URL (`/apis/v2beta1` lives below it): where a renderer polls the run. */
  endpoint: string;
  /** The run's page in the UI (the engine's dashboard, or KFP's UI). */
  link: string;
  /** The state when the output was last written (`RUNTIME_STATE_UNSPECIFIED` before the first look). */
  state: RuntimeState;
  experiment_id?: string;
  /** Set when a recurring run started the run. */
  recurring_run_id?: string;
  created_at?: string;
  finished_at?: string;
  /** The run's container tasks, in the order the server lists them. */
  tasks?: RunLinkTask[];
  /** Why the run failed or was canceled. */
  error?: string;
}

/** What {@link runLinkData} needs besides the run. */
export interface RunLinkOptions {
  /** The run's UI page. */
  link: string;
  /** The API server's base URL. @default the link's origin and path before `/#/` */
  endpoint?: string;
}

/** The UI base of a run link: everything before its `/#/` route. */
export function endpointOfLink(link: string): string {
  const cut = link.indexOf('/#/');
  return cut >= 0 ? link.slice(0, cut) : link.replace(/\/+$/, '');
}

/**
 * The leaf tasks of a run (containers, importers), in the order they started (servers list them
 * in no particular order); DAG groups and the root are left out.
 */
function leafTasks(run: V2beta1Run): V2beta1PipelineTaskDetail[] {
  const tasks = run.run_details?.task_details ?? [];
  const parents = new Set(tasks.map((t) => t.parent_task_id).filter((id) => id !== undefined));
  const started = (t: V2beta1PipelineTaskDetail): number => {
    const time = Date.parse(t.start_time ?? t.create_time ?? '');
    return Number.isNaN(time) ? Infinity : time;
  };
  return tasks
    .filter((t) => (t.child_tasks?.length ?? 0) === 0 && !(t.task_id && parents.has(t.task_id)))
    .sort((a, b) => started(a) - started(b));
}

/** The run link's data for a run as the API returned it. */
export function runLinkData(run: V2beta1Run, options: RunLinkOptions): RunLinkData {
  const runId = run.run_id ?? endpointlessId(options.link);
  const tasks = leafTasks(run).map((t) => ({
    name: t.display_name ?? t.task_id ?? '?',
    state: t.state ?? 'PENDING',
  }));
  return {
    version: RUN_LINK_VERSION,
    run_id: runId,
    name: run.display_name ?? runId,
    endpoint: (options.endpoint ?? endpointOfLink(options.link)).replace(/\/+$/, ''),
    link: options.link,
    state: run.state ?? 'RUNTIME_STATE_UNSPECIFIED',
    ...(run.experiment_id ? { experiment_id: run.experiment_id } : {}),
    ...(run.recurring_run_id ? { recurring_run_id: run.recurring_run_id } : {}),
    ...(run.created_at ? { created_at: run.created_at } : {}),
    ...(run.finished_at ? { finished_at: run.finished_at } : {}),
    ...(tasks.length > 0 ? { tasks } : {}),
    ...(run.error?.message ? { error: run.error.message } : {}),
  };
}

function endpointlessId(link: string): string {
  const id = link.split('/#/runs/details/')[1];
  return id === undefined ? '' : decodeURIComponent(id);
}

const STATE_MARKS: Partial<Record<RuntimeState, string>> = {
  SUCCEEDED: '✓',
  SKIPPED: '↷',
  FAILED: '✗',
  CANCELED: '⊘',
  CANCELING: '⊘',
  RUNNING: '▶',
  PENDING: '○',
  PAUSED: '‖',
};

const STATE_COLORS: Partial<Record<RuntimeState, string>> = {
  SUCCEEDED: '#2e7d32',
  SKIPPED: '#2e7d32',
  FAILED: '#c62828',
  CANCELED: '#6d4c41',
  CANCELING: '#6d4c41',
  RUNNING: '#1565c0',
  PENDING: '#757575',
};

function mark(state: RuntimeState): string {
  return STATE_MARKS[state] ?? '?';
}

/** How long the run took, when it has finished and both times are known. */
function duration(data: RunLinkData): string | undefined {
  if (data.created_at === undefined || data.finished_at === undefined) return undefined;
  const ms = Date.parse(data.finished_at) - Date.parse(data.created_at);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : undefined;
}

/** The run link as text: what shows where the MIME type is not rendered. */
export function runLinkText(data: RunLinkData): string {
  const took = duration(data);
  const lines = [
    `Run '${data.name}' (${data.run_id}): ${data.state}${took ? ` after ${took}` : ''}`,
    `  ${data.link}`,
  ];
  if (data.tasks !== undefined && data.tasks.length > 0) {
    const done = data.tasks.filter((t) => isFinalState(t.state)).length;
    lines.push(
      `  tasks ${done}/${data.tasks.length}: ${data.tasks.map((t) => `${t.name} ${mark(t.state)}`).join(' · ')}`,
    );
  }
  if (data.error !== undefined) lines.push(`  error: ${data.error}`);
  return lines.join('\n');
}

/** The run link as an HTML card. */
export function runLinkHtml(data: RunLinkData): string {
  const color = STATE_COLORS[data.state] ?? '#757575';
  const href = safeHref(data.link);
  const title = escapeHtml(data.name);
  const name = href
    ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${title}</a>`
    : title;
  const took = duration(data);
  const tasks = (data.tasks ?? [])
    .map(
      (t) =>
        `<span title="${escapeHtml(t.state)}" style="margin-right:0.8em;color:${STATE_COLORS[t.state] ?? 'inherit'}">${escapeHtml(mark(t.state))} ${escapeHtml(t.name)}</span>`,
    )
    .join('');
  return [
    `<div class="pipelab-run-link" style="border-left:4px solid ${color};padding:4px 10px;font-family:var(--jp-ui-font-family,sans-serif)">`,
    `<div><strong>${name}</strong> <span style="color:${color};font-weight:600">${escapeHtml(data.state)}</span>`,
    took ? ` <span style="opacity:0.7">in ${escapeHtml(took)}</span>` : '',
    `</div>`,
    `<div style="opacity:0.7;font-size:90%">run ${escapeHtml(data.run_id)} · ${escapeHtml(data.endpoint)}</div>`,
    tasks ? `<div style="font-size:90%">${tasks}</div>` : '',
    data.error !== undefined
      ? `<div style="color:${STATE_COLORS.FAILED};font-size:90%">${escapeHtml(data.error)}</div>`
      : '',
    `</div>`,
  ].join('');
}

/** The run link bundle: {@link RUN_MIME_TYPE}, `text/html` and `text/plain`. */
export function runLinkBundle(data: RunLinkData): MimeBundle {
  return {
    [RUN_MIME_TYPE]: data,
    'text/html': runLinkHtml(data),
    'text/plain': runLinkText(data),
  };
}

/** A run handle or anything shaped like one (`client.runs.create()` returns one). */
export type RunSource = Pick<RunHandle, 'id' | 'link' | 'run' | 'get' | 'wait'>;

/** Options of {@link RunDisplay.wait}: those of `RunHandle.wait`. */
export type RunWaitOptions = WaitOptions;

/** A run's link, shown as an output that follows the run. Made by {@link showRun}. */
export class RunDisplay {
  private readonly output: DisplayHandle;
  private current: RunLinkData;

  constructor(
    private readonly handle: RunSource,
    private readonly options: { endpoint?: string } = {},
  ) {
    this.current = this.dataOf(handle.run ?? { run_id: handle.id });
    this.output = new DisplayHandle(runLinkBundle(this.current));
  }

  /** What the output shows now. */
  get data(): RunLinkData {
    return this.current;
  }

  private dataOf(run: V2beta1Run): RunLinkData {
    return runLinkData(run, {
      link: this.handle.link,
      ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint } : {}),
    });
  }

  /** Shows this state of the run (when it differs from what is shown). */
  show(run: V2beta1Run): RunLinkData {
    const next = this.dataOf(run);
    if (JSON.stringify(next) !== JSON.stringify(this.current)) {
      this.current = next;
      this.output.update(runLinkBundle(next));
    }
    return next;
  }

  /** Fetches the run and shows it. */
  async refresh(): Promise<V2beta1Run> {
    const run = await this.handle.get();
    this.show(run);
    return run;
  }

  /**
   * Waits for the run to end (`RunHandle.wait`), updating the output as its state and its tasks
   * change, and resolves with the final run.
   */
  async wait(options: RunWaitOptions = {}): Promise<V2beta1Run> {
    const interval = options.pollIntervalMs ?? 1000;
    // wait() fetches the run every interval and keeps the last one on the handle: show that.
    const timer = setInterval(
      () => {
        const seen = this.handle.run;
        if (seen !== undefined) this.show(seen);
      },
      Math.max(100, interval),
    );
    try {
      const run = await this.handle.wait({
        ...options,
        onUpdate: (r) => {
          this.show(r);
          options.onUpdate?.(r);
        },
      });
      this.show(run);
      return run;
    } catch (error) {
      const seen = this.handle.run;
      if (seen !== undefined) this.show(seen);
      throw error;
    } finally {
      clearInterval(timer);
    }
  }
}

/** Outputs a run's link (it follows the run while {@link RunDisplay.wait} runs). */
export function showRun(run: RunSource, options: { endpoint?: string } = {}): RunDisplay {
  return new RunDisplay(run, options);
}
