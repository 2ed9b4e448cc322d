/**
 * The colours plotly charts take from the theme, as layouts: what a chart is drawn with, and the
 * `Plotly.relayout` update that restyles a drawn chart when the theme changes. No DOM here: the
 * colours are read from the CSS variables by plots.ts.
 */

/** What a chart takes from the theme: JupyterLab's CSS variables (the dashboard has them too). */
export interface ThemeStyle {
  /** Text: titles, tick labels, legend. */
  font: string;
  family: string;
  /** Grid lines. */
  grid: string;
  /** Axis and zero lines. */
  line: string;
  /** The mode bar's icons, and the one under the pointer. */
  muted: string;
  strong: string;
}

/** The layout attributes that follow the theme (the backgrounds stay transparent). */
export function themeLayout(style: ThemeStyle): Record<string, unknown> {
  const axis = { gridcolor: style.grid, linecolor: style.line, zerolinecolor: style.line };
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: style.font, family: style.family },
    xaxis: { ...axis },
    yaxis: { ...axis },
    modebar: { bgcolor: 'rgba(0,0,0,0)', color: style.muted, activecolor: style.strong },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `base` with `over` laid on it, objects merged key by key: a figure that titles an axis keeps the
 * theme's grid colour on it.
 */
export function mergeLayout(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] = isPlainObject(under) && isPlainObject(value) ? mergeLayout(under, value) : value;
  }
  return merged;
}

/**
 * The `Plotly.relayout` update that puts a chart drawn from a figure with layout `own` in
 * `style`: the theme's attributes as dotted paths, without those the figure sets itself.
 */
export function themeRelayout(
  style: ThemeStyle,
  own: Record<string, unknown> = {},
): Record<string, unknown> {
  const update: Record<string, unknown> = {};
  const walk = (theme: Record<string, unknown>, figure: unknown, prefix: string): void => {
    for (const [key, value] of Object.entries(theme)) {
      const set = isPlainObject(figure) ? figure[key] : undefined;
      if (isPlainObject(value)) {
        if (set === undefined || isPlainObject(set)) walk(value, set, `${prefix}${key}.`);
      } else if (set === undefined) {
        update[`${prefix}${key}`] = value;
      }
    }
  };
  walk(themeLayout(style), own, '');
  return update;
}
