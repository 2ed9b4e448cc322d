/**
 * Plots with plotly.js, loaded on first use (it is large): the Chicago run's predictions against
 * the actual counts and its loss curve, metric comparisons, and any plotly figure. Charts take
 * their colours from the theme when drawn, and are restyled when it changes.
 */

import type { IDisposable } from '@lumino/disposable';
import type { ThemeChanged } from '../common/theme';
import { mergeLayout, themeLayout, themeRelayout, type ThemeStyle } from './plot-theme';

/** A plotly figure as `application/vnd.plotly.v1+json` carries it. */
export interface Figure {
  data: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

type PlotlyModule = typeof import('plotly.js-dist-min').default;
let plotly: Promise<PlotlyModule> | undefined;

function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import('plotly.js-dist-min').then(
    (m) => (m as unknown as { default?: PlotlyModule }).default ?? (m as unknown as PlotlyModule),
  );
  return plotly;
}

function cssVar(node: HTMLElement, name: string, fallback: string): string {
  const value = getComputedStyle(node).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/** The theme's colours as they apply to `node` now. */
export function themeStyle(node: HTMLElement): ThemeStyle {
  return {
    font: cssVar(node, '--jp-ui-font-color1', '#333'),
    family: cssVar(node, '--jp-ui-font-family', 'sans-serif'),
    grid: cssVar(node, '--jp-border-color2', '#ddd'),
    line: cssVar(node, '--jp-border-color1', '#bbb'),
    muted: cssVar(node, '--jp-ui-font-color2', '#777'),
    strong: cssVar(node, '--jp-ui-font-color0', '#000'),
  };
}

/** The layout each drawn chart's figure asked for, for its restyles. */
const figureLayouts = new WeakMap<HTMLElement, Record<string, unknown>>();

/** Draws a figure into `node`, in the page's theme colours. */
export async function renderFigure(node: HTMLElement, figure: Figure): Promise<void> {
  const Plotly = await loadPlotly();
  const own = figure.layout ?? {};
  const style = themeStyle(node);
  const layout = mergeLayout(
    {
      autosize: true,
      height: 320,
      margin: { l: 50, r: 20, t: 40, b: 40 },
      ...themeLayout(style),
    },
    own,
  );
  await Plotly.newPlot(node, figure.data, layout, {
    responsive: true,
    displaylogo: false,
    ...(figure.config ?? {}),
  });
  figureLayouts.set(node, own);
  node.classList.add('pl-mod-plotted');
  // The theme may have changed while plotly loaded or drew.
  if (JSON.stringify(themeStyle(node)) !== JSON.stringify(style)) await restyleFigure(node);
}

/**
 * Puts a drawn chart in the theme's colours as they are now (after a theme change): a
 * `Plotly.relayout` of the colours, the figure's own choices kept. Charts not drawn (or purged)
 * are left alone: they take the colours when drawn.
 */
export async function restyleFigure(node: HTMLElement): Promise<void> {
  const own = figureLayouts.get(node);
  if (plotly === undefined || own === undefined) return;
  const Plotly = await plotly;
  if (!figureLayouts.has(node)) return;
  await Plotly.relayout(node, themeRelayout(themeStyle(node), own));
}

/** Restyles every chart drawn under `root`. */
export async function restyleFigures(root: ParentNode): Promise<void> {
  const nodes = Array.from(root.querySelectorAll<HTMLElement>('.pl-mod-plotted'));
  await Promise.all(
    nodes.map((node) =>
      restyleFigure(node).catch((error: unknown) => {
        console.warn('Pipelab: could not restyle a chart for the new theme.', error);
      }),
    ),
  );
}

/**
 * Restyles the charts drawn under `root` after each theme change, until disposed (which
 * disconnects it from the signal). JupyterLab hides and shows its shell around a theme change,
 * so the restyle waits for the frame after that; changes in a row restyle once.
 */
export class ChartRestyler implements IDisposable {
  private frame: number | undefined;
  private _isDisposed = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly themeChanged: ThemeChanged | undefined,
  ) {
    themeChanged?.connect(this.onThemeChanged, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    this.themeChanged?.disconnect(this.onThemeChanged, this);
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
  }

  private onThemeChanged(): void {
    if (this._isDisposed || this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = requestAnimationFrame(() => {
        this.frame = undefined;
        if (!this._isDisposed) void restyleFigures(this.root);
      });
    });
  }
}

export function purgeFigure(node: HTMLElement): void {
  figureLayouts.delete(node);
  node.classList.remove('pl-mod-plotted');
  if (plotly === undefined) return;
  void plotly.then((Plotly) => Plotly.purge(node));
}

/** One test day of the Chicago model (`test_predictions.json` in the Model artifact). */
export interface Prediction {
  day: string;
  actual: number;
  predicted: number;
}

/** One epoch of the loss curve (`loss_curve.json`). */
export interface EpochLoss {
  epoch: number;
  loss: number;
  val_loss?: number | null;
}

export function predictionsFigure(predictions: Prediction[]): Figure {
  const x = predictions.map((p) => p.day);
  return {
    data: [
      { type: 'scatter', mode: 'lines', name: 'actual', x, y: predictions.map((p) => p.actual) },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'predicted',
        x,
        y: predictions.map((p) => p.predicted),
      },
    ],
    layout: {
      title: { text: 'Predictions vs actual (test days)' },
      xaxis: { title: { text: 'day' } },
      yaxis: { title: { text: 'reports' } },
    },
  };
}

export function lossFigure(curve: EpochLoss[]): Figure {
  const x = curve.map((p) => p.epoch);
  const data: unknown[] = [
    { type: 'scatter', mode: 'lines', name: 'loss', x, y: curve.map((p) => p.loss) },
  ];
  if (curve.some((p) => typeof p.val_loss === 'number')) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'val_loss',
      x,
      y: curve.map((p) => p.val_loss ?? null),
    });
  }
  return {
    data,
    layout: {
      title: { text: 'Loss curve' },
      xaxis: { title: { text: 'epoch' } },
      yaxis: { title: { text: 'loss (MSE)' } },
    },
  };
}

/** One metric across runs, oldest first. */
export function comparisonFigure(
  metric: string,
  runs: { name: string; value: number | undefined }[],
): Figure {
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: metric,
        x: runs.map((r) => r.name),
        y: runs.map((r) => r.value ?? null),
      },
    ],
    layout: { title: { text: `${metric} across runs` } },
  };
}
