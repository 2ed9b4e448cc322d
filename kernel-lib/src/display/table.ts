/**
 * Tables as outputs: an HTML table and the same table as aligned text. {@link metricsTableBundle}
 * is the common case: one row per model or forecast, one column per metric, the best value of
 * each column marked (lowest for error metrics such as RMSE).
 */
import { escapeHtml, formatNumber, METRICS_MIME_TYPE, type MimeBundle } from './mime';

/** A cell: numbers are formatted, null and undefined left empty, anything else shown as text. */
export type TableCell = string | number | boolean | null | undefined;

/** A row: an object whose properties are the cells (an interface such as `DailyCount` will do). */
export type TableRow = object;

function cell(row: TableRow | undefined, column: string): unknown {
  return row === undefined ? undefined : (row as Record<string, unknown>)[column];
}

/** Options of {@link tableBundle}. */
export interface TableOptions {
  /** A caption above the table. @default none */
  title?: string;
  /** The columns, in order. @default every key of the rows, in order of appearance */
  columns?: readonly string[];
  /** Headers by column key. @default the keys */
  headers?: Readonly<Record<string, string>>;
  /** Significant decimals of non-integer numbers. @default 4 */
  digits?: number;
  /** Columns whose lowest (`min`) or highest (`max`) number is marked. @default none */
  best?: Readonly<Record<string, 'min' | 'max'>>;
  /** A line under the table. @default none */
  note?: string;
}

function columnsOf(rows: readonly TableRow[], options: TableOptions): string[] {
  if (options.columns !== undefined) return [...options.columns];
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** For each column with a `best` rule, the row index holding its best number. */
function bestRows(
  rows: readonly TableRow[],
  columns: readonly string[],
  best: TableOptions['best'],
): Map<string, number> {
  const result = new Map<string, number>();
  for (const column of columns) {
    const rule = best?.[column];
    if (rule === undefined) continue;
    let at = -1;
    rows.forEach((row, i) => {
      const v = cell(row, column);
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const current = at < 0 ? undefined : cell(rows[at], column);
      if (typeof current !== 'number' || (rule === 'min' ? v < current : v > current)) at = i;
    });
    if (at >= 0) result.set(column, at);
  }
  return result;
}

function cellText(value: unknown, digits: number): string {
  if (typeof value === 'number') return formatNumber(value, digits);
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The table as aligned text; the best values carry a `*`. */
export function tableText(rows: readonly TableRow[], options: TableOptions = {}): string {
  const columns = columnsOf(rows, options);
  const digits = options.digits ?? 4;
  const best = bestRows(rows, columns, options.best);
  const header = columns.map((c) => options.headers?.[c] ?? c);
  const body = rows.map((row, i) =>
    columns.map((c) => cellText(cell(row, c), digits) + (best.get(c) === i ? '*' : '')),
  );
  const widths = columns.map((_, j) =>
    Math.max(header[j]?.length ?? 0, ...body.map((r) => r[j]?.length ?? 0)),
  );
  const numeric = columns.map((c) => rows.some((r) => typeof cell(r, c) === 'number'));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, j) => (numeric[j] ? cell.padStart(widths[j] ?? 0) : cell.padEnd(widths[j] ?? 0)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (options.title !== undefined) out.push(options.title);
  out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line));
  if (best.size > 0) out.push('* best of its column');
  if (options.note !== undefined) out.push(options.note);
  return out.join('\n');
}

/** The table as HTML; the best values are bold. */
export function tableHtml(rows: readonly TableRow[], options: TableOptions = {}): string {
  const columns = columnsOf(rows, options);
  const digits = options.digits ?? 4;
  const best = bestRows(rows, columns, options.best);
  const align = (c: string): string =>
    rows.some((r) => typeof cell(r, c) === 'number') ? ' style="text-align:right"' : '';
  const head = columns
    .map((c) => `<th${align(c)}>${escapeHtml(options.headers?.[c] ?? c)}</th>`)
    .join('');
  const body = rows
    .map(
      (row, i) =>
        `<tr>${columns
          .map((c) => {
            const text = escapeHtml(cellText(cell(row, c), digits));
            return `<td${align(c)}>${best.get(c) === i ? `<strong>${text}</strong>` : text}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const caption =
    options.title !== undefined
      ? `<caption style="text-align:left;font-weight:600">${escapeHtml(options.title)}</caption>`
      : '';
  const note =
    options.note !== undefined
      ? `<div style="opacity:0.7;font-size:90%">${escapeHtml(options.note)}</div>`
      : '';
  return `<table class="pipelab-table">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${note}`;
}

/** The table bundle: `text/html` and `text/plain`. */
export function tableBundle(rows: readonly TableRow[], options: TableOptions = {}): MimeBundle {
  return { 'text/html': tableHtml(rows, options), 'text/plain': tableText(rows, options) };
}

/** Metrics of one model or forecast: metric name to value. */
export type MetricValues = Readonly<Record<string, number | undefined>>;

/** Options of {@link metricsTableBundle}. */
export interface MetricsTableOptions {
  title?: string;
  /** The metrics to show, in order. @default every metric found, in order of appearance */
  metrics?: readonly string[];
  /** Headers by metric. @default upper-cased names (`rmse` → `RMSE`) */
  headers?: Readonly<Record<string, string>>;
  /** The header of the first column. @default 'model' */
  nameHeader?: string;
  /** Metrics where higher is better (all others: lower is better). @default none */
  higherIsBetter?: readonly string[];
  digits?: number;
  note?: string;
}

/** The rows of a metrics table: one per entry, metrics as columns. */
export function metricsRows(entries: Readonly<Record<string, MetricValues>>): TableRow[] {
  return Object.entries(entries).map(([name, values]) => ({ model: name, ...values }));
}

/**
 * Metrics side by side, one row per model or forecast:
 * `metricsTableBundle({ 'LSTM': { rmse: 60.1, mae: 45 }, 'yesterday': { rmse: 77.8, mae: 58 } })`.
 * The bundle holds {@link METRICS_MIME_TYPE} (the figures, for programs), `text/html` and
 * `text/plain`.
 */
export function metricsTableBundle(
  entries: Readonly<Record<string, MetricValues>>,
  options: MetricsTableOptions = {},
): MimeBundle {
  const rows = metricsRows(entries);
  const metrics = options.metrics ?? columnsOf(rows, {}).filter((c) => c !== 'model');
  const higher = new Set(options.higherIsBetter ?? []);
  const table = tableBundle(rows, {
    columns: ['model', ...metrics],
    headers: {
      model: options.nameHeader ?? 'model',
      ...Object.fromEntries(metrics.map((m) => [m, options.headers?.[m] ?? m.toUpperCase()])),
    },
    best: Object.fromEntries(metrics.map((m) => [m, higher.has(m) ? 'max' : 'min'])),
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(options.digits !== undefined ? { digits: options.digits } : {}),
    ...(options.note !== undefined ? { note: options.note } : {}),
  });
  return {
    [METRICS_MIME_TYPE]: {
      ...(options.title !== undefined ? { title: options.title } : {}),
      metrics: Object.fromEntries(
        Object.entries(entries).map(([name, values]) => [
          name,
          Object.fromEntries(metrics.map((m) => [m, values[m] ?? null])),
        ]),
      ),
    },
    ...table,
  };
}
