/**
 * Run details as plain DOM: the header (state, duration, terminate, retry), the graph of tasks
 * with their states, the selected task's parameters, artifacts and log (followed while it
 * runs), the run's parameters, its Metrics as a table, plots (predictions vs actual, loss
 * curve), and a comparison of metrics across the runs of its experiment or recurring run.
 */
import type { V2beta1PipelineTaskDetail, V2beta1Run } from 'pipelab/client';
import { isFinalState } from 'pipelab/client';
import type { PipelabConnection } from '../api/connection';
import type { TaskRecord } from '../api/types';
import { button, errorMessage, h, replace, svg } from '../common/dom';
import {
  formatDuration,
  formatNumber,
  formatTime,
  runDuration,
  stateClass,
  stateLabel,
  stepProgress,
  taskDuration,
} from '../common/format';
import { Poller } from '../common/poller';
import type { ThemeChanged } from '../common/theme';
import { metricRows, plotData, taskRecords, type MetricRow } from './artifacts';
import { buildDag, taskStateName, type DagNode } from './dag';
import {
  ChartRestyler,
  comparisonFigure,
  lossFigure,
  predictionsFigure,
  purgeFigure,
  renderFigure,
} from './plots';

export interface DetailsActions {
  openRun(runId: string): void;
  /** Shown as the title of the host widget. */
  setTitle?(title: string): void;
}

export interface DetailsOptions {
  /** Emitted when the theme changes: the plots are restyled in its colours. */
  themeChanged?: ThemeChanged;
}

const NODE_W = 168;
const NODE_H = 40;
const GAP_X = 24;
const GAP_Y = 36;

export class RunDetailsView {
  readonly node: HTMLElement;
  private readonly header: HTMLElement;
  private readonly graph: HTMLElement;
  private readonly taskNode: HTMLElement;
  private readonly paramsNode: HTMLElement;
  private readonly metricsNode: HTMLElement;
  private readonly plotsNode: HTMLElement;
  private readonly compareNode: HTMLElement;
  private readonly messageNode: HTMLElement;
  private readonly poller: Poller;
  private run: V2beta1Run | undefined;
  private spec: unknown;
  private records = new Map<string, TaskRecord>();
  private selected: string | undefined;
  private logAbort: AbortController | undefined;
  private logTask: string | undefined;
  private finalLoaded = false;
  private disposed = false;
  /** Restyles the plots in the theme's colours when it changes. */
  private readonly restyler: ChartRestyler;

  constructor(
    private readonly connection: PipelabConnection,
    readonly runId: string,
    private readonly actions: DetailsActions,
    options: DetailsOptions = {},
  ) {
    this.header = h('header', { class: 'pl-Details-header' });
    this.messageNode = h('div', { class: 'pl-Message', role: 'alert' });
    this.graph = h('div', { class: 'pl-Dag', 'data-testid': 'pl-dag' });
    this.taskNode = h('div', { class: 'pl-Task', 'data-testid': 'pl-task' });
    this.paramsNode = h('div', { 'data-testid': 'pl-run-parameters' });
    this.metricsNode = h('div', { 'data-testid': 'pl-metrics' });
    this.plotsNode = h('div', { class: 'pl-Plots', 'data-testid': 'pl-plots' });
    this.compareNode = h('div', { class: 'pl-Compare', 'data-testid': 'pl-compare' });
    this.node = h(
      'div',
      { class: 'pl-Details', 'data-run-id': runId, 'data-testid': 'pl-run-details' },
      this.header,
      this.messageNode,
      this.section('Graph', this.graph),
      this.section('Task', this.taskNode),
      this.section('Run parameters', this.paramsNode),
      this.section('Metrics', this.metricsNode),
      this.section('Plots', this.plotsNode),
      this.section('Compare runs', this.compareNode),
    );
    replace(
      this.compareNode,
      button('Compare with other runs', () => this.loadComparison(), {
        testId: 'pl-compare-button',
      }),
    );
    this.poller = new Poller(
      () => this.load(),
      () => this.connection.settings.refreshIntervalMs,
    );
    this.restyler = new ChartRestyler(this.node, options.themeChanged);
  }

  start(): void {
    this.poller.start();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.restyler.dispose();
    this.poller.dispose();
    this.logAbort?.abort();
    for (const plot of this.node.querySelectorAll<HTMLElement>('.pl-mod-plotted'))
      purgeFigure(plot);
  }

  refresh(): Promise<void> {
    return this.poller.refresh();
  }

  private section(title: string, body: HTMLElement): HTMLElement {
    return h(
      'section',
      { class: 'pl-Details-section' },
      h('h3', { class: 'pl-Details-sectionTitle' }, title),
      body,
    );
  }

  private async load(): Promise<void> {
    const client = this.connection.client;
    let run: V2beta1Run;
    try {
      run = await client.runs.get(this.runId);
      replace(this.messageNode);
    } catch (error) {
      this.connection.noteError(error);
      replace(this.messageNode, `Could not load run ${this.runId}: ${errorMessage(error)}`);
      return;
    }
    if (this.disposed) return;
    const previousState = this.run?.state;
    this.run = run;
    if (this.spec === undefined) this.spec = await this.loadSpec(run);
    const final = isFinalState(run.state);
    // Task records change while the run runs; once it is final they are read one last time.
    if (!final || !this.finalLoaded || previousState !== run.state) {
      this.records = await taskRecords(client, run);
    }
    this.renderHeader(run);
    this.renderGraph(run);
    this.renderTask();
    this.renderParameters(run);
    this.renderMetrics();
    if (final && !this.finalLoaded) {
      this.finalLoaded = true;
      await this.renderPlots();
      this.poller.stop();
    } else if (!final) {
      this.finalLoaded = false;
    }
  }

  private async loadSpec(run: V2beta1Run): Promise<unknown> {
    if (run.pipeline_spec !== undefined) return run.pipeline_spec;
    const ref = run.pipeline_version_reference;
    if (ref?.pipeline_id === undefined) return undefined;
    try {
      const versions = this.connection.client.pipelines.versions;
      let versionId = ref.pipeline_version_id;
      if (versionId === undefined) {
        versionId = (
          await versions.list(ref.pipeline_id, { pageSize: 1, sortBy: 'created_at desc' })
        ).items[0]?.pipeline_version_id;
      }
      if (versionId === undefined) return undefined;
      return (await versions.get(ref.pipeline_id, versionId)).pipeline_spec;
    } catch {
      return undefined;
    }
  }

  private renderHeader(run: V2beta1Run): void {
    const duration = runDuration(run);
    const progress = stepProgress(run);
    const name = run.display_name ?? this.runId;
    this.actions.setTitle?.(name);
    replace(
      this.header,
      h('h2', { class: 'pl-Details-title' }, name),
      h(
        'span',
        { class: stateClass(run.state), 'data-testid': 'pl-details-state' },
        stateLabel(run.state),
      ),
      h('span', { class: 'pl-Item-meta' }, duration !== undefined ? formatDuration(duration) : ''),
      h('span', { class: 'pl-Item-meta' }, `${progress.done}/${progress.total} steps`),
      h('span', { class: 'pl-Item-meta' }, `created ${formatTime(run.created_at)}`),
      h(
        'span',
        { class: 'pl-Details-tools' },
        button('Refresh', () => this.refresh(), { testId: 'pl-details-refresh' }),
        !isFinalState(run.state)
          ? button('Terminate', () => this.act('terminate'), { testId: 'pl-details-terminate' })
          : null,
        run.state === 'FAILED' || run.state === 'CANCELED'
          ? button('Retry', () => this.act('retry'), { testId: 'pl-details-retry' })
          : null,
      ),
      run.error?.message ? h('div', { class: 'pl-Details-error' }, run.error.message) : null,
    );
  }

  private async act(action: 'terminate' | 'retry'): Promise<void> {
    try {
      if (action === 'terminate') await this.connection.client.runs.terminate(this.runId);
      else await this.connection.client.runs.retry(this.runId);
      this.finalLoaded = false;
      this.poller.start();
    } catch (error) {
      replace(this.messageNode, `Could not ${action} the run: ${errorMessage(error)}`);
    }
  }

  private recordOf(detail: V2beta1PipelineTaskDetail | undefined): TaskRecord | undefined {
    return detail?.task_id !== undefined ? this.records.get(detail.task_id) : undefined;
  }

  private nodeState(n: DagNode): string {
    const record = this.recordOf(n.detail);
    const state = taskStateName(n.detail, record?.cached_from !== undefined);
    if (state === 'SKIPPED' && record?.skip_reason === 'CONDITION_FALSE') return 'SKIPPED';
    return state;
  }

  private renderGraph(run: V2beta1Run): void {
    const nodes = buildDag(this.spec, run.run_details?.task_details ?? []);
    if (nodes.length === 0) {
      replace(this.graph, h('div', { class: 'pl-Empty' }, 'No tasks yet.'));
      return;
    }
    if (this.selected === undefined || !nodes.some((n) => n.detail?.task_id === this.selected)) {
      const pick =
        nodes.find((n) => n.detail?.state === 'FAILED') ??
        nodes.find((n) => n.detail?.state === 'RUNNING') ??
        [...nodes]
          .reverse()
          .find(
            (n) => !n.group && n.detail?.task_id !== undefined && n.detail.state !== 'SKIPPED',
          ) ??
        nodes.find((n) => n.detail?.task_id !== undefined);
      this.selected = pick?.detail?.task_id;
    }
    const layers = Math.max(...nodes.map((n) => n.layer)) + 1;
    const width = Math.max(...nodes.map((n) => n.column + 1)) * (NODE_W + GAP_X) + GAP_X;
    const height = layers * (NODE_H + GAP_Y) + GAP_Y;
    const pos = new Map(
      nodes.map((n) => [
        n.id,
        { x: GAP_X + n.column * (NODE_W + GAP_X), y: GAP_Y / 2 + n.layer * (NODE_H + GAP_Y) },
      ]),
    );
    const root = svg('svg', {
      class: 'pl-Dag-svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': 'Task graph',
    });
    for (const n of nodes) {
      const to = pos.get(n.id);
      for (const dep of n.deps) {
        const from = pos.get(dep);
        if (from === undefined || to === undefined) continue;
        const x1 = from.x + NODE_W / 2;
        const y1 = from.y + NODE_H;
        const x2 = to.x + NODE_W / 2;
        const y2 = to.y;
        root.appendChild(
          svg('path', {
            class: 'pl-Dag-edge',
            d: `M${x1},${y1} C${x1},${y1 + GAP_Y / 2} ${x2},${y2 - GAP_Y / 2} ${x2},${y2}`,
          }),
        );
      }
    }
    for (const n of nodes) {
      const p = pos.get(n.id);
      if (p === undefined) continue;
      const state = this.nodeState(n);
      const duration = n.detail ? taskDuration(n.detail) : undefined;
      const g = svg(
        'g',
        {
          class: `pl-Dag-node pl-Dag-${state.toLowerCase()} ${n.group ? 'pl-mod-group' : ''} ${n.detail?.task_id === this.selected ? 'pl-mod-selected' : ''}`,
          transform: `translate(${p.x},${p.y})`,
          tabindex: n.detail?.task_id !== undefined ? 0 : undefined,
          role: 'button',
          'data-task': n.name,
          'data-state': state,
          'aria-label': `${n.name}: ${stateLabel(state)}`,
        },
        svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }),
        svg(
          'text',
          { x: 10, y: 16, class: 'pl-Dag-name' },
          n.name.length > 22 ? `${n.name.slice(0, 21)}…` : n.name,
        ),
        svg(
          'text',
          { x: 10, y: 32, class: 'pl-Dag-state' },
          `${stateLabel(state)}${duration !== undefined ? ` · ${formatDuration(duration)}` : ''}`,
        ),
      );
      g.appendChild(svg('title', {}, `${n.id}: ${stateLabel(state)}`));
      const select = (): void => {
        if (n.detail?.task_id === undefined) return;
        this.selected = n.detail.task_id;
        if (this.run) this.renderGraph(this.run);
        this.renderTask();
      };
      g.addEventListener('click', select);
      g.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          select();
        }
      });
      root.appendChild(g);
    }
    replace(this.graph, root);
  }

  private renderTask(): void {
    const detail = (this.run?.run_details?.task_details ?? []).find(
      (t) => t.task_id === this.selected,
    );
    if (detail === undefined) {
      replace(this.taskNode, h('div', { class: 'pl-Empty' }, 'Select a task in the graph.'));
      return;
    }
    const record = this.recordOf(detail);
    const state = taskStateName(detail, record?.cached_from !== undefined);
    const params = record?.parameters;
    const outputs = Object.entries(record?.artifacts?.outputs ?? {});
    let log = this.taskNode.querySelector<HTMLElement>('.pl-Log');
    if (log === null || this.logTask !== detail.task_id) {
      log = h('pre', {
        class: 'pl-Log',
        'data-testid': 'pl-log',
        tabindex: 0,
        'aria-label': 'Task log',
      });
    }
    replace(
      this.taskNode,
      h(
        'div',
        { class: 'pl-Task-header' },
        h('strong', {}, detail.display_name ?? detail.task_id ?? ''),
        h('span', { class: stateClass(state) }, stateLabel(state)),
        record?.cached_from
          ? h(
              'span',
              { class: 'pl-Item-meta' },
              `cached from run ${record.cached_from.runId ?? ''}`,
            )
          : null,
        record?.skip_reason
          ? h(
              'span',
              { class: 'pl-Item-meta' },
              record.skip_reason === 'CONDITION_FALSE'
                ? 'condition was false'
                : 'an upstream task failed',
            )
          : null,
        h('span', { class: 'pl-Item-meta' }, formatDuration(taskDuration(detail) ?? NaN)),
      ),
      detail.error?.message ? h('div', { class: 'pl-Details-error' }, detail.error.message) : null,
      h(
        'div',
        { class: 'pl-Task-grid' },
        keyValueTable('Inputs', params?.inputs ?? {}, 'pl-task-inputs'),
        keyValueTable('Output parameters', params?.outputs ?? {}, 'pl-task-outputs'),
        outputs.length > 0
          ? h(
              'table',
              { class: 'pl-Table' },
              h('caption', {}, 'Output artifacts'),
              h(
                'tbody',
                {},
                outputs.map(([name, a]) =>
                  h(
                    'tr',
                    {},
                    h('th', {}, name),
                    h('td', {}, a.type?.schema_title ?? ''),
                    h(
                      'td',
                      {},
                      a.artifact_id
                        ? h(
                            'a',
                            {
                              href: this.connection.url(
                                `/artifacts/${encodeURIComponent(a.artifact_id)}:download`,
                              ),
                              target: '_blank',
                              rel: 'noopener',
                              class: 'pl-Link',
                            },
                            'download',
                          )
                        : '',
                    ),
                  ),
                ),
              ),
            )
          : null,
      ),
      h('h4', { class: 'pl-Task-logTitle' }, 'Log'),
      log,
    );
    void this.followLog(detail);
  }

  private async followLog(detail: V2beta1PipelineTaskDetail): Promise<void> {
    const taskId = detail.task_id;
    if (taskId === undefined) return;
    const running = !isFinalState(detail.state);
    if (this.logTask === taskId && (running || this.logAbort === undefined)) return;
    this.logAbort?.abort();
    const abort = new AbortController();
    this.logAbort = abort;
    this.logTask = taskId;
    const log = this.taskNode.querySelector<HTMLElement>('.pl-Log');
    if (log === null) return;
    log.textContent = '';
    try {
      if (running) {
        for await (const chunk of this.connection.client.runs.logs(this.runId, taskId, {
          follow: true,
          signal: abort.signal,
        })) {
          const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
          log.append(chunk);
          if (atEnd) log.scrollTop = log.scrollHeight;
        }
      } else {
        log.textContent = await this.connection.client.runs.logs(this.runId, taskId, {
          signal: abort.signal,
        });
      }
      if (log.textContent === '') log.textContent = '(empty log)';
    } catch (error) {
      if (!abort.signal.aborted)
        log.textContent = `The log is not available: ${errorMessage(error)}`;
    } finally {
      if (this.logAbort === abort) this.logAbort = running ? undefined : abort;
    }
  }

  private renderParameters(run: V2beta1Run): void {
    replace(
      this.paramsNode,
      keyValueTable('', run.runtime_config?.parameters ?? {}, 'pl-parameters-table'),
    );
  }

  private renderMetrics(): void {
    const rows = metricRows(this.records.values());
    replace(this.metricsNode, metricsTable(rows));
  }

  private async renderPlots(): Promise<void> {
    const data = await plotData(this.connection.client, this.records.values());
    const figures = [
      data.predictions?.length ? predictionsFigure(data.predictions) : undefined,
      data.lossCurve?.length ? lossFigure(data.lossCurve) : undefined,
    ].filter((f): f is NonNullable<typeof f> => f !== undefined);
    if (figures.length === 0) {
      replace(
        this.plotsNode,
        h('div', { class: 'pl-Empty' }, 'No plots: the run has no predictions or loss curve.'),
      );
      return;
    }
    const nodes = figures.map(() => h('div', { class: 'pl-Plot', 'data-testid': 'pl-plot' }));
    replace(this.plotsNode, nodes);
    await Promise.all(figures.map((f, i) => renderFigure(nodes[i] as HTMLElement, f)));
  }

  private async loadComparison(): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    const client = this.connection.client;
    const scope = run.recurring_run_id
      ? { key: 'recurring_run_id', value: run.recurring_run_id, label: 'its recurring run' }
      : { key: 'experiment_id', value: run.experiment_id ?? '', label: 'its experiment' };
    replace(
      this.compareNode,
      h('div', { class: 'pl-Empty' }, `Loading the runs of ${scope.label}…`),
    );
    try {
      const page = await client.runs.list({
        pageSize: 8,
        sortBy: 'created_at desc',
        filter: {
          predicates: [{ key: scope.key, operation: 'EQUALS', string_value: scope.value }],
        },
      });
      const runs = page.items.filter((r) => r.state === 'SUCCEEDED').reverse();
      const perRun = await Promise.all(
        runs.map(async (r) => {
          const full = await client.runs.get(r.run_id ?? '');
          return { run: full, metrics: metricRows((await taskRecords(client, full)).values()) };
        }),
      );
      const names = [...new Set(perRun.flatMap((p) => p.metrics.map((m) => m.name)))].sort();
      if (names.length === 0) {
        replace(
          this.compareNode,
          h('div', { class: 'pl-Empty' }, `No metrics in the runs of ${scope.label}.`),
        );
        return;
      }
      const table = h(
        'table',
        { class: 'pl-Table', 'data-testid': 'pl-compare-table' },
        h('caption', {}, `Metrics of the last ${perRun.length} succeeded runs of ${scope.label}`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Run'),
            names.map((n) => h('th', {}, n)),
          ),
        ),
        h(
          'tbody',
          {},
          perRun.map((p) => {
            const link = h(
              'a',
              { href: `#/runs/details/${p.run.run_id ?? ''}`, class: 'pl-Link' },
              p.run.display_name ?? '',
            );
            link.addEventListener('click', (e) => {
              e.preventDefault();
              this.actions.openRun(p.run.run_id ?? '');
            });
            return h(
              'tr',
              { class: p.run.run_id === this.runId ? 'pl-mod-current' : '' },
              h('th', {}, link),
              names.map((n) =>
                h('td', {}, formatNumber(p.metrics.find((m) => m.name === n)?.value)),
              ),
            );
          }),
        ),
      );
      const plot = h('div', { class: 'pl-Plot' });
      replace(this.compareNode, table, plot);
      const metric = names.find((n) => /rmse/i.test(n)) ?? names[0] ?? '';
      await renderFigure(
        plot,
        comparisonFigure(
          metric,
          perRun.map((p) => {
            const v = p.metrics.find((m) => m.name === metric)?.value;
            return { name: p.run.display_name ?? '', value: typeof v === 'number' ? v : undefined };
          }),
        ),
      );
    } catch (error) {
      replace(
        this.compareNode,
        h('div', { class: 'pl-Details-error' }, `Could not compare: ${errorMessage(error)}`),
      );
    }
  }
}

function keyValueTable(
  caption: string,
  values: Record<string, unknown>,
  testId: string,
): HTMLElement {
  const entries = Object.entries(values);
  return h(
    'table',
    { class: 'pl-Table', 'data-testid': testId },
    caption ? h('caption', {}, caption) : null,
    h(
      'tbody',
      {},
      entries.length > 0
        ? entries.map(([k, v]) =>
            h('tr', {}, h('th', {}, k), h('td', {}, typeof v === 'string' ? v : JSON.stringify(v))),
          )
        : h('tr', {}, h('td', { class: 'pl-Empty' }, 'none')),
    ),
  );
}

function metricsTable(rows: MetricRow[]): HTMLElement {
  if (rows.length === 0) return h('div', { class: 'pl-Empty' }, 'No Metrics artifacts.');
  return h(
    'table',
    { class: 'pl-Table', 'data-testid': 'pl-metrics-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Metric'), h('th', {}, 'Value'))),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, r.task),
          h('th', {}, r.name),
          h('td', { class: 'pl-Table-number' }, formatNumber(r.value)),
        ),
      ),
    ),
  );
}
