/**
 * MIME bundles: what a Jupyter kernel sends as one output, the same content in several
 * representations (`{ 'text/plain': ..., 'text/html': ..., 'application/vnd.x+json': {...} }`).
 * The front end shows the richest one it can render, so every bundle built here carries a
 * `text/plain` that reads well on its own.
 */

/** The run-link bundle's own MIME type (rendered live by Pipelab's JupyterLab extension). */
export const RUN_MIME_TYPE = 'application/vnd.pipelab.run+json';
/** Recurring runs' own MIME type (Pipelab's JupyterLab extension collects a notebook's schedules). */
export const RECURRING_RUN_MIME_TYPE = 'application/vnd.pipelab.recurring-run+json';
/** Plotly's MIME type, as JupyterLab's plotly renderers and nbconvert know it. */
export const PLOTLY_MIME_TYPE = 'application/vnd.plotly.v1+json';
/** Metrics tables carry their figures as JSON too (`{ title, metrics: { name: { rmse, ... } } }`). */
export const METRICS_MIME_TYPE = 'application/vnd.pipelab.metrics+json';
/** Progress displays carry their state as JSON too, for front ends that want to draw it. */
export const PROGRESS_MIME_TYPE = 'application/vnd.pipelab.progress+json';

/** One output's representations, by MIME type. Text types are strings, JSON types are values. */
export interface MimeBundle {
  'text/plain': string;
  'text/html'?: string;
  [mimeType: string]: unknown;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe to place in HTML, in element content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** A URL safe to put in an `href`: http(s) only; anything else yields undefined. */
export function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** A number for people: integers as they are, others with `digits` significant decimals. */
export function formatNumber(value: unknown, digits = 4): string {
  if (typeof value !== 'number') return value === undefined || value === null ? '' : String(value);
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Number(value.toFixed(1)).toString();
  if (magnitude >= 1) return Number(value.toFixed(Math.max(1, digits - 2))).toString();
  return Number(value.toPrecision(digits)).toString();
}

/** A duration for people: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A text bar: `[########------------]` filled to `fraction` (clamped to 0..1). */
export function textBar(fraction: number, width = 20): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
