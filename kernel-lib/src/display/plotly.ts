/**
 * Plotly figures as outputs: the figure JSON under {@link PLOTLY_MIME_TYPE} (rendered by
 * JupyterLab's plotly renderers, Pipelab's extension among them) and a text summary of each
 * trace — its range, or its values when there are few — for everywhere else. Two builders cover
 * what the notebooks plot: lines over a shared axis and grouped bars.
 */
import { formatNumber, PLOTLY_MIME_TYPE, type MimeBundle } from './mime';

/** A plotly trace (the fields used here; any other plotly field passes through). */
export interface PlotlyTrace {
  type?: string;
  name?: string;
  x?: readonly unknown[];
  y?: readonly unknown[];
  mode?: string;
  line?: { color?: string; width?: number; dash?: string };
  marker?: { color?: string };
  [field: string]: unknown;
}

/** A plotly figure: traces, layout and config as plotly.js takes them. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** One line of {@link lineChart}. */
export interface LineSeries {
  name: string;
  y: readonly number[];
  /** @default the chart's `x` */
  x?: readonly (string | number)[];
  /** A CSS color. @default plotly's palette */
  color?: string;
  /** @default 1.5 */
  width?: number;
  /** `solid`, `dot`, `dash`... @default 'solid' */
  dash?: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  /** The shared x values (days as `YYYY-MM-DD` become a date axis). */
  x?: readonly (string | number)[];
  series: readonly LineSeries[];
  xTitle?: string;
  yTitle?: string;
  /** @default 400 */
  height?: number;
}

/** One group of bars of {@link barChart}. */
export interface BarSeries {
  name: string;
  values: readonly number[];
  color?: string;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  title: string;
  categories: readonly (string | number)[];
  series: readonly BarSeries[];
  xTitle?: string;
  yTitle?: string;
  /** @default 350 */
  height?: number;
}

function axisTitle(text: string | undefined): Record<string, unknown> {
  return text === undefined ? {} : { title: { text } };
}

/** Lines over a shared x axis (a time series, a loss curve, predictions over actual values). */
export function lineChart(options: LineChartOptions): PlotlyFigure {
  return {
    data: options.series.map((s) => ({
      type: 'scatter',
      mode: 'lines',
      name: s.name,
      x: [...(s.x ?? options.x ?? s.y.map((_, i) => i))],
      y: [...s.y],
      line: {
        width: s.width ?? 1.5,
        ...(s.color !== undefined ? { color: s.color } : {}),
        ...(s.dash !== undefined ? { dash: s.dash } : {}),
      },
    })),
    layout: {
      title: { text: options.title },
      height: options.height ?? 400,
      xaxis: axisTitle(options.xTitle),
      yaxis: axisTitle(options.yTitle),
      legend: { orientation: 'h' },
      margin: { t: 50, r: 20, b: 40, l: 60 },
    },
  };
}

/** Bars per category, one color per series (a weekday profile, metrics side by side). */
export function barChart(options: BarChartOptions): PlotlyFigure {
  return {
    data: options.series.map((s) => ({
      type: 'bar',
      name: s.name,
      x: [...options.categories],
      y: [...s.values],
      ...(s.color !== undefined ? { marker: { color: s.color } } : {}),
    })),
    layout: {
      title: { text: options.title },
      height: options.height ?? 350,
      barmode: 'group',
      xaxis: { type: 'category', ...axisTitle(options.xTitle) },
      yaxis: axisTitle(options.yTitle),
      legend: { orientation: 'h' },
      margin: { t: 50, r: 20, b: 40, l: 60 },
    },
  };
}

function titleOf(figure: PlotlyFigure): string | undefined {
  const title = figure.layout?.title;
  if (typeof title === 'string') return title;
  const text = (title as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}

function numbers(values: readonly unknown[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

const FEW_POINTS = 12;

/** One line of text about a trace: its values when there are few, else its ranges. */
function traceSummary(trace: PlotlyTrace, index: number): string {
  const name = trace.name ?? `trace ${index + 1}`;
  const kind = trace.type ?? 'scatter';
  const y = trace.y ?? [];
  const x = trace.x ?? [];
  if (y.length === 0) return `  ${name} (${kind}): no points`;
  if (y.length <= FEW_POINTS) {
    const pairs = y.map((v, i) => `${String(x[i] ?? i)} ${formatNumber(v)}`);
    return `  ${name} (${kind}): ${pairs.join(' · ')}`;
  }
  const ys = numbers(y);
  const parts = [`  ${name} (${kind}, ${y.length.toLocaleString('en-US')} points)`];
  if (x.length > 0) parts.push(`x ${String(x[0])} … ${String(x[x.length - 1])}`);
  if (ys.length > 0) {
    const min = ys.reduce((a, b) => Math.min(a, b));
    const max = ys.reduce((a, b) => Math.max(a, b));
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    parts.push(`y ${formatNumber(min)} … ${formatNumber(max)}, mean ${formatNumber(mean)}`);
  }
  return parts.join(': ');
}

/** A figure as text: its title, then one line per trace. */
export function plotlyText(figure: PlotlyFigure): string {
  const title = titleOf(figure);
  return [`Plot${title ? `: ${title}` : ''}`, ...figure.data.map(traceSummary)].join('\n');
}

/** The plotly bundle: {@link PLOTLY_MIME_TYPE} and `text/plain`. */
export function plotlyBundle(figure: PlotlyFigure): MimeBundle {
  return {
    [PLOTLY_MIME_TYPE]: {
      data: figure.data,
      layout: figure.layout ?? {},
      ...(figure.config !== undefined ? { config: figure.config } : {}),
    },
    'text/plain': plotlyText(figure),
  };
}
