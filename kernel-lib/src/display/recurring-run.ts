/**
 * Recurring runs as outputs: one output per recurring run in the vendor MIME type
 * {@link RECURRING_RUN_MIME_TYPE} (Pipelab's JupyterLab extension collects them to show a
 * notebook's schedules), with an HTML card and a text line as fallbacks.
 */
import type { V2beta1RecurringRun, V2beta1Trigger } from '../client/types';
import {
  escapeHtml,
  formatDuration,
  RECURRING_RUN_MIME_TYPE,
  safeHref,
  type MimeBundle,
} from './mime';

/** The content of the {@link RECURRING_RUN_MIME_TYPE} output. Field names follow KFP's REST API. */
export interface RecurringRunData {
  /** 1; a renderer should ignore versions it does not know. */
  version: number;
  recurring_run_id: string;
  /** The recurring run's display name. */
  name: string;
  /** The API server's base URL. */
  endpoint: string;
  /** Its page in the UI (`<ui>/#/recurringrun/details/<id>`, KFP's route). */
  link: string;
  /** The trigger in words: `cron 0 0 6 * * *`, `every 1 day`. */
  trigger: string;
  /** `ENABLED` or `DISABLED` (from `status`, else `mode`). */
  status: string;
  experiment_id?: string;
  pipeline_id?: string;
  /** Pinned version; absent when each run takes the pipeline's latest version. */
  pipeline_version_id?: string;
  max_concurrency?: number;
  no_catchup?: boolean;
}

/** What {@link recurringRunData} needs besides the recurring run. */
export interface RecurringRunOptions {
  /** The API server's base URL. */
  endpoint: string;
  /** The UI's base URL for the link. @default the endpoint */
  uiUrl?: string;
}

/** A trigger in words: `cron 0 0 6 * * *` or `every 1 day` (`every 15 min`...). */
export function triggerText(trigger: V2beta1Trigger | undefined): string {
  const cron = trigger?.cron_schedule?.cron;
  if (cron !== undefined && cron !== '') return `cron ${cron}`;
  const seconds = Number(trigger?.periodic_schedule?.interval_second ?? NaN);
  if (!Number.isFinite(seconds) || seconds <= 0) return 'no trigger';
  for (const [unit, size] of [
    ['day', 86_400],
    ['h', 3600],
    ['min', 60],
  ] as const) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return `every ${n} ${unit === 'day' && n !== 1 ? 'days' : unit}`;
    }
  }
  return `every ${formatDuration(seconds * 1000)}`;
}

function statusOf(r: V2beta1RecurringRun): string {
  if (r.status !== undefined && r.status !== 'STATUS_UNSPECIFIED') return r.status;
  if (r.mode === 'ENABLE') return 'ENABLED';
  if (r.mode === 'DISABLE') return 'DISABLED';
  return 'UNKNOWN';
}

/** The output's data for a recurring run as the API returned it. */
export function recurringRunData(
  r: V2beta1RecurringRun,
  options: RecurringRunOptions,
): RecurringRunData {
  const id = r.recurring_run_id ?? '';
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const ui = (options.uiUrl ?? endpoint).replace(/\/+$/, '');
  const reference = r.pipeline_version_reference;
  const concurrency = Number(r.max_concurrency);
  return {
    version: 1,
    recurring_run_id: id,
    name: r.display_name ?? id,
    endpoint,
    link: `${ui}/#/recurringrun/details/${encodeURIComponent(id)}`,
    trigger: triggerText(r.trigger),
    status: statusOf(r),
    ...(r.experiment_id ? { experiment_id: r.experiment_id } : {}),
    ...(reference?.pipeline_id ? { pipeline_id: reference.pipeline_id } : {}),
    ...(reference?.pipeline_version_id
      ? { pipeline_version_id: reference.pipeline_version_id }
      : {}),
    ...(Number.isFinite(concurrency) && concurrency > 0 ? { max_concurrency: concurrency } : {}),
    ...(r.no_catchup !== undefined ? { no_catchup: r.no_catchup } : {}),
  };
}

function summary(data: RecurringRunData): string {
  return [
    data.status,
    data.trigger,
    data.pipeline_version_id ? `version ${data.pipeline_version_id}` : 'latest version',
    ...(data.max_concurrency !== undefined ? [`at most ${data.max_concurrency} at once`] : []),
    ...(data.no_catchup === true ? ['no catch-up'] : []),
  ].join(', ');
}

/** The recurring run as text. */
export function recurringRunText(data: RecurringRunData): string {
  return `Recurring run '${data.name}' (${data.recurring_run_id}): ${summary(data)}\n  ${data.link}`;
}

/** The recurring run as an HTML card. */
export function recurringRunHtml(data: RecurringRunData): string {
  const color = data.status === 'ENABLED' ? '#2e7d32' : '#757575';
  const href = safeHref(data.link);
  const title = escapeHtml(data.name);
  const name = href
    ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${title}</a>`
    : title;
  return (
    `<div class="pipelab-recurring-run" style="border-left:4px solid ${color};padding:4px 10px">` +
    `<div><strong>${name}</strong></div>` +
    `<div style="font-size:90%"><span style="color:${color};font-weight:600">${escapeHtml(data.status)}</span>` +
    `${escapeHtml(summary(data).slice(data.status.length))}</div>` +
    `<div style="opacity:0.7;font-size:90%">recurring run ${escapeHtml(data.recurring_run_id)} · ${escapeHtml(data.endpoint)}</div>` +
    `</div>`
  );
}

/** The recurring-run bundle: {@link RECURRING_RUN_MIME_TYPE}, `text/html` and `text/plain`. */
export function recurringRunBundle(data: RecurringRunData): MimeBundle {
  return {
    [RECURRING_RUN_MIME_TYPE]: data,
    'text/html': recurringRunHtml(data),
    'text/plain': recurringRunText(data),
  };
}
