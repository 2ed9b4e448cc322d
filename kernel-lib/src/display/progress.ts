/**
 * A progress output that is replaced in place (Jupyter's `update_display_data`): training epochs,
 * steps of a long job. Outside a kernel each change is printed as a line. Updates are throttled so
 * that a fast loop does not flood the front end; the last state is always shown.
 */
import {
  escapeHtml,
  formatDuration,
  formatNumber,
  PROGRESS_MIME_TYPE,
  textBar,
  type MimeBundle,
} from './mime';
import { DisplayHandle } from './output';

/** What a progress output shows. */
export interface ProgressState {
  title: string;
  /** Units done. */
  done: number;
  /** Units in all, when known. */
  total?: number;
  /** What is counted, singular (`epoch`). @default 'step' */
  unit?: string;
  status: 'running' | 'done' | 'failed';
  /** Figures of the latest unit (`loss`, `val_loss`...). */
  values?: Readonly<Record<string, number | string>>;
  message?: string;
  /** Time since the start. */
  elapsedMs?: number;
}

function plural(unit: string, n: number | undefined): string {
  return n === 1 || unit.endsWith('s') ? unit : `${unit}s`;
}

function eta(state: ProgressState): string | undefined {
  const { done, total, elapsedMs } = state;
  if (state.status !== 'running' || total === undefined || elapsedMs === undefined)
    return undefined;
  if (done <= 0 || done >= total) return undefined;
  return formatDuration((elapsedMs / done) * (total - done));
}

function details(state: ProgressState): string[] {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(state.values ?? {})) {
    parts.push(`${name} ${typeof value === 'number' ? formatNumber(value) : value}`);
  }
  if (state.elapsedMs !== undefined) parts.push(formatDuration(state.elapsedMs));
  const left = eta(state);
  if (left !== undefined) parts.push(`about ${left} left`);
  if (state.message !== undefined) parts.push(state.message);
  return parts;
}

function count(state: ProgressState): string {
  const unit = state.unit ?? 'step';
  return state.total !== undefined
    ? `${state.done}/${state.total} ${plural(unit, state.total)}`
    : `${state.done} ${plural(unit, state.done)}`;
}

const STATUS_WORDS: Record<ProgressState['status'], string> = {
  running: '',
  done: 'done',
  failed: 'FAILED',
};

/** The progress as one line of text. */
export function progressText(state: ProgressState): string {
  const head = [state.title];
  if (state.total !== undefined && state.total > 0) head.push(textBar(state.done / state.total));
  head.push(count(state));
  if (STATUS_WORDS[state.status]) head.push(`(${STATUS_WORDS[state.status]})`);
  return [head.join(' '), ...details(state)].join(' · ');
}

/** The progress as HTML: a `<progress>` bar and the same details. */
export function progressHtml(state: ProgressState): string {
  const bar =
    state.total !== undefined && state.total > 0
      ? `<progress max="${state.total}" value="${Math.min(state.done, state.total)}" style="vertical-align:middle;width:14em"></progress>`
      : '';
  const color =
    state.status === 'failed' ? '#c62828' : state.status === 'done' ? '#2e7d32' : 'inherit';
  const status = STATUS_WORDS[state.status]
    ? ` <span style="color:${color};font-weight:600">${STATUS_WORDS[state.status]}</span>`
    : '';
  const rest = details(state)
    .map((d) => escapeHtml(d))
    .join(' · ');
  return (
    `<div class="pipelab-progress"><strong>${escapeHtml(state.title)}</strong> ${bar} ` +
    `${escapeHtml(count(state))}${status}` +
    (rest ? ` <span style="opacity:0.75">· ${rest}</span>` : '') +
    `</div>`
  );
}

/** The progress bundle: {@link PROGRESS_MIME_TYPE} (the state), `text/html` and `text/plain`. */
export function progressBundle(state: ProgressState): MimeBundle {
  return {
    [PROGRESS_MIME_TYPE]: state,
    'text/html': progressHtml(state),
    'text/plain': progressText(state),
  };
}

/** Options of {@link showProgress}. */
export interface ProgressOptions {
  title: string;
  /** Units in all, when known. @default unknown */
  total?: number;
  /** What is counted, singular. @default 'step' */
  unit?: string;
  /** Least time between two updates of the output, except the last. @default 250 */
  throttleMs?: number;
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
}

/** A progress output. Made by {@link showProgress}. */
export class Progress {
  private readonly output: DisplayHandle;
  private readonly started: number;
  private readonly throttleMs: number;
  private readonly now: () => number;
  private lastShown = -Infinity;
  private current: ProgressState;

  constructor(options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.throttleMs = options.throttleMs ?? 250;
    this.started = this.now();
    this.current = {
      title: options.title,
      done: 0,
      status: 'running',
      elapsedMs: 0,
      ...(options.total !== undefined ? { total: options.total } : {}),
      ...(options.unit !== undefined ? { unit: options.unit } : {}),
    };
    this.output = new DisplayHandle(progressBundle(this.current));
    this.lastShown = this.started;
  }

  /** What the output shows (or will show at the next update). */
  get state(): ProgressState {
    return this.current;
  }

  private set(change: Partial<ProgressState>, force: boolean): void {
    const now = this.now();
    this.current = { ...this.current, ...change, elapsedMs: now - this.started };
    const last = this.current.total !== undefined && this.current.done >= this.current.total;
    if (force || last || now - this.lastShown >= this.throttleMs) {
      this.lastShown = now;
      this.output.update(progressBundle(this.current));
    }
  }

  /** Records progress: units done so far, with the latest figures and a message. */
  update(done: number, values?: ProgressState['values'], message?: string): void {
    this.set(
      {
        done,
        ...(values !== undefined ? { values } : {}),
        ...(message !== undefined ? { message } : {}),
      },
      false,
    );
  }

  /** Marks the work done (always shown). */
  finish(message?: string, values?: ProgressState['values']): void {
    this.set(
      {
        status: 'done',
        ...(message !== undefined ? { message } : {}),
        ...(values !== undefined ? { values } : {}),
      },
      true,
    );
  }

  /** Marks the work failed (always shown). */
  fail(message: string): void {
    this.set({ status: 'failed', message }, true);
  }
}

/** Outputs a progress display; update it with {@link Progress.update}, end it with `finish()`. */
export function showProgress(options: ProgressOptions): Progress {
  return new Progress(options);
}
