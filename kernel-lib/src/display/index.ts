/**
 * Output helpers for tslab notebooks: run links that follow their run, plotly figures, progress
 * that updates in place, and tables of metrics. Every output is a MIME bundle whose `text/plain`
 * reads well where the rich type is not rendered (a terminal, a plain Jupyter, a diff), and
 * outside a kernel the text is printed.
 *
 * ```ts
 * import { display } from 'pipelab';
 *
 * const run = await client.runs.create({ pipeline: chicagoPipeline });
 * await display.run(run, { endpoint: client.endpoint }).wait();   // a live run link
 * display.plot(display.lineChart({ title: 'Daily reports', x: days, series: [{ name: 'count', y: counts }] }));
 * const bar = display.progress({ title: 'Training', total: 25, unit: 'epoch' });
 * bar.update(1, { loss: 0.12 });
 * display.metrics({ LSTM: { rmse: 61.2 }, yesterday: { rmse: 77.8 } }, { title: 'Test set' });
 * ```
 */
import type { MimeBundle } from './mime';
import { plotlyBundle, type PlotlyFigure } from './plotly';
import { show, showUpdatable, type DisplayHandle } from './output';
import { showProgress, type Progress, type ProgressOptions } from './progress';
import { showRun, type RunDisplay, type RunSource } from './run-link';
import { recurringRunBundle, recurringRunData, type RecurringRunOptions } from './recurring-run';
import type { V2beta1RecurringRun } from '../client/types';
import {
  metricsTableBundle,
  tableBundle,
  type MetricsTableOptions,
  type MetricValues,
  type TableOptions,
  type TableRow,
} from './table';
import { escapeHtml } from './mime';

/** Outputs a run's link; `await display.run(handle).wait()` follows the run to its end. */
export function run(handle: RunSource, options: { endpoint?: string } = {}): RunDisplay {
  return showRun(handle, options);
}

/** Outputs a recurring run (a card, and the MIME type the JupyterLab extension collects). */
export function recurringRun(r: V2beta1RecurringRun, options: RecurringRunOptions): void {
  show(recurringRunBundle(recurringRunData(r, options)));
}

/** Outputs a plotly figure (with a text summary as fallback). */
export function plot(figure: PlotlyFigure): void {
  show(plotlyBundle(figure));
}

/** Outputs a progress display that updates in place. */
export function progress(options: ProgressOptions): Progress {
  return showProgress(options);
}

/** Outputs a table (HTML, and aligned text). */
export function table(rows: readonly TableRow[], options: TableOptions = {}): void {
  show(tableBundle(rows, options));
}

/** Outputs metrics side by side, one row per model or forecast, the best of each column marked. */
export function metrics(
  entries: Readonly<Record<string, MetricValues>>,
  options: MetricsTableOptions = {},
): void {
  show(metricsTableBundle(entries, options));
}

/** Outputs a heading or a short note (HTML, and the text as it is). */
export function note(text: string, options: { heading?: boolean } = {}): void {
  const html = options.heading ? `<h4>${escapeHtml(text)}</h4>` : `<p>${escapeHtml(text)}</p>`;
  show({ 'text/html': html, 'text/plain': text });
}

/**
 * Lets the kernel send the outputs queued so far: `await display.flush()` inside a long loop
 * (a training callback) keeps a progress display live.
 */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Outputs any bundle; with `{ updatable: true }`, returns a handle to replace it later. */
export function bundle(content: MimeBundle): void;
export function bundle(content: MimeBundle, options: { updatable: true }): DisplayHandle;
export function bundle(
  content: MimeBundle,
  options: { updatable?: boolean } = {},
): DisplayHandle | void {
  if (options.updatable) return showUpdatable(content);
  show(content);
}

export {
  RUN_MIME_TYPE,
  RECURRING_RUN_MIME_TYPE,
  METRICS_MIME_TYPE,
  PLOTLY_MIME_TYPE,
  PROGRESS_MIME_TYPE,
  escapeHtml,
  formatNumber,
  formatDuration,
  type MimeBundle,
} from './mime';
export {
  DisplayHandle,
  consoleSink,
  kernelSink,
  setDisplaySink,
  inKernel,
  show,
  showUpdatable,
  type DisplaySink,
} from './output';
export {
  RUN_LINK_VERSION,
  RunDisplay,
  endpointOfLink,
  runLinkBundle,
  runLinkData,
  runLinkHtml,
  runLinkText,
  showRun,
  type RunLinkData,
  type RunLinkOptions,
  type RunLinkTask,
  type RunSource,
  type RunWaitOptions,
} from './run-link';
export {
  recurringRunBundle,
  recurringRunData,
  recurringRunHtml,
  recurringRunText,
  triggerText,
  type RecurringRunData,
  type RecurringRunOptions,
} from './recurring-run';
export {
  barChart,
  lineChart,
  plotlyBundle,
  plotlyText,
  type BarChartOptions,
  type BarSeries,
  type LineChartOptions,
  type LineSeries,
  type PlotlyFigure,
  type PlotlyTrace,
} from './plotly';
export {
  Progress,
  progressBundle,
  progressHtml,
  progressText,
  showProgress,
  type ProgressOptions,
  type ProgressState,
} from './progress';
export {
  metricsRows,
  metricsTableBundle,
  tableBundle,
  tableHtml,
  tableText,
  type MetricsTableOptions,
  type MetricValues,
  type TableCell,
  type TableOptions,
  type TableRow,
} from './table';
export {
  artifactText,
  numericMetrics,
  outputsMetrics,
  taskMetrics,
  taskOutputs,
  type HasConnection,
  type TaskArtifact,
  type TaskOutputs,
} from './run-outputs';
