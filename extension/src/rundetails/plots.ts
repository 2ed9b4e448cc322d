/**
 * Plots with plotly.js, loaded on first use (it is large): the Chicago run's predictions against
 * the actual counts and its loss curve, metric comparisons, and any plotly figure.
 */

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

/** Draws a figure into `node`, in the page's theme colours. */
export async function renderFigure(node: HTMLElement, figure: Figure): Promise<void> {
  const Plotly = await loadPlotly();
  const font = cssVar(node, '--jp-ui-font-color1', '#333');
  const grid = cssVar(node, '--jp-border-color2', '#ddd');
  const layout = {
    autosize: true,
    height: 320,
    margin: { l: 50, r: 20, t: 40, b: 40 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: font, family: cssVar(node, '--jp-ui-font-family', 'sans-serif') },
    xaxis: { gridcolor: grid },
    yaxis: { gridcolor: grid },
    ...(figure.layout ?? {}),
  };
  await Plotly.newPlot(node, figure.data, layout, {
    responsive: true,
    displaylogo: false,
    ...(figure.config ?? {}),
  });
  node.classList.add('pl-mod-plotted');
}

export function purgeFigure(node: HTMLElement): void {
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
