/**
 * The Pipelines panel as plain DOM: connection status and endpoint, pipelines with their
 * versions (upload, delete, run), experiments, runs (live state, duration, step progress,
 * terminate, retry) and recurring runs (trigger, next fire time, last run state, enable/disable,
 * edit, delete). JupyterLab wraps it in a sidebar widget; the dashboard page shows it as it is.
 */
import type {
  PipelabRecurringRun,
  RecurringRunLastRun,
  V2beta1Experiment,
  V2beta1Pipeline,
  V2beta1PipelineVersion,
  V2beta1Run,
} from 'pipelab/client';
import { isFinalState, missingOperation } from 'pipelab/client';
import type { PipelabConnection } from '../api/connection';
import { listRecurringRuns, runsOfRecurringRun, uploadPipelineFile } from '../api/extras';
import { button, errorMessage, h, replace } from '../common/dom';
import {
  formatDuration,
  formatTime,
  runDuration,
  stateClass,
  stateLabel,
  stepProgress,
} from '../common/format';
import { Poller } from '../common/poller';
import { describeTrigger, hasEngineFields, isEnabled, nextFireTime } from '../recurring/trigger';

/** What the panel asks its host to do. */
export interface PanelActions {
  openRun(runId: string): void;
  /** Opens the recurring-run form (to edit `existing`, or a new one). */
  editRecurringRun(existing?: PipelabRecurringRun): void;
  /** Asks before a destructive action; resolves true to go on. */
  confirm(message: string): Promise<boolean>;
}

/** Narrows the runs shown, e.g. to those a notebook created. */
export interface PanelFilter {
  label: string;
  runIds: string[];
  recurringRunIds: string[];
  /** The recurring run the label names (`the recurring run <name>`): it follows its renames. */
  namedAfter?: string;
}

/** A recurring run as the list shows it, with its last run. */
interface RecurringEntry {
  rr: PipelabRecurringRun;
  lastRun: RecurringRunLastRun | undefined;
}

const RUN_PAGE = 30;

export class PipelinesView {
  readonly node: HTMLElement;
  private readonly statusNode: HTMLElement;
  private readonly filterNode: HTMLElement;
  private readonly pipelinesList: HTMLElement;
  private readonly experimentsList: HTMLElement;
  private readonly runsList: HTMLElement;
  private readonly recurringList: HTMLElement;
  private readonly messageNode: HTMLElement;
  private readonly fileInput: HTMLInputElement;
  private readonly poller: Poller;
  private readonly expanded = new Set<string>();
  private filter: PanelFilter | undefined;
  private ticks = 0;
  /** Set by a refresh: the next tick reloads every list. */
  private fullNext = true;
  /** The recurring runs shown, as the server last answered them (a list, or an edit). */
  private recurring: RecurringEntry[] = [];
  /** Whether the server says the engine's recurring-run fields (it plans the next fire time). */
  private engineRecurring = false;
  /**
   * Bumped by every request for the recurring runs and every change made here: an answer to an
   * older request may predate the change (a rename saved meanwhile) and is not shown.
   */
  private recurringSeq = 0;
  /** Set when the server answered that it has no recurring runs (KFP v1, or an older engine). */
  private noRecurringRuns = false;

  constructor(
    private readonly connection: PipelabConnection,
    private readonly actions: PanelActions,
  ) {
    this.fileInput = h('input', {
      type: 'file',
      accept: '.yaml,.yml,.json,.tar.gz,.tgz,.zip',
      class: 'pl-HiddenInput',
      'data-testid': 'pl-upload-input',
      'aria-label': 'Pipeline file to upload',
    });
    this.fileInput.addEventListener('change', () => void this.uploadChosen());
    this.statusNode = h('div', { class: 'pl-Status', role: 'status', 'data-testid': 'pl-status' });
    this.filterNode = h('div', { class: 'pl-Filter' });
    this.messageNode = h('div', { class: 'pl-Message', role: 'alert' });
    this.pipelinesList = h('ul', { class: 'pl-List', 'data-testid': 'pl-pipelines' });
    this.experimentsList = h('ul', { class: 'pl-List', 'data-testid': 'pl-experiments' });
    this.runsList = h('ul', { class: 'pl-List', 'data-testid': 'pl-runs' });
    this.recurringList = h('ul', { class: 'pl-List', 'data-testid': 'pl-recurring-runs' });
    this.node = h(
      'div',
      { class: 'pl-Panel' },
      h(
        'header',
        { class: 'pl-Panel-header' },
        h('h2', { class: 'pl-Panel-title' }, 'Pipelines'),
        button('⟳', () => this.refresh(), { title: 'Refresh', testId: 'pl-refresh' }),
      ),
      this.statusNode,
      this.filterNode,
      this.messageNode,
      this.section(
        'Pipelines',
        this.pipelinesList,
        button('Upload…', () => this.fileInput.click(), {
          title: 'Upload a compiled pipeline (.yaml or .tar.gz)',
          testId: 'pl-upload',
        }),
        this.fileInput,
      ),
      this.section('Experiments', this.experimentsList),
      this.section('Runs', this.runsList),
      this.section(
        'Recurring runs',
        this.recurringList,
        button('New…', () => this.actions.editRecurringRun(), {
          title: 'Create a recurring run',
          testId: 'pl-new-recurring',
        }),
      ),
    );
    this.poller = new Poller(
      () => this.load(),
      () => this.connection.settings.refreshIntervalMs,
    );
    this.connection.changed.connect(this.onSettingsChanged, this);
    this.connection.statusChanged.connect(this.renderStatus, this);
    this.renderStatus();
  }

  /** Starts refreshing. */
  start(): void {
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  dispose(): void {
    this.poller.dispose();
    this.connection.changed.disconnect(this.onSettingsChanged, this);
    this.connection.statusChanged.disconnect(this.renderStatus, this);
  }

  /** Reloads everything now. */
  refresh(): Promise<void> {
    this.fullNext = true;
    this.noRecurringRuns = false;
    return this.poller.refresh();
  }

  /**
   * Shows a recurring run as the server answered its creation or edit (the form's `done`) at
   * once, wherever it appears (its item, the filter named after it), then reloads the lists:
   * answers to requests sent before the edit, which may still be on their way, are dropped.
   */
  recurringRunSaved(rr: PipelabRecurringRun): Promise<void> {
    const id = rr.recurring_run_id;
    if (id !== undefined && id !== '' && !this.noRecurringRuns) {
      this.recurringSeq++;
      const at = this.recurring.findIndex((e) => e.rr.recurring_run_id === id);
      const kept = at >= 0 ? this.recurring[at] : undefined;
      const entry = { rr, lastRun: rr.last_run ?? kept?.lastRun };
      if (kept !== undefined) {
        this.recurring[at] = entry;
      } else if (this.filter === undefined || this.filter.recurringRunIds.includes(id)) {
        this.recurring.unshift(entry);
      }
      this.engineRecurring ||= hasEngineFields(rr);
      this.renderRecurringRuns();
    }
    return this.refresh();
  }

  /** Shows only the given runs (or everything again with undefined). */
  setFilter(filter: PanelFilter | undefined): void {
    this.filter = filter;
    this.renderFilter();
    void this.refresh();
  }

  private renderFilter(): void {
    const filter = this.filter;
    if (filter === undefined) {
      replace(this.filterNode);
      return;
    }
    replace(
      this.filterNode,
      h(
        'span',
        { 'data-testid': 'pl-filter-label' },
        `Showing the runs of ${filter.label}` +
          (filter.runIds.length > 0 ? ` (${filter.runIds.length})` : ''),
      ),
      button('Show all', () => this.setFilter(undefined), { testId: 'pl-clear-filter' }),
    );
  }

  /** Uploads a file (from the file picker, the file browser or a drop). */
  async upload(file: Blob, fileName: string): Promise<void> {
    try {
      const result = await uploadPipelineFile(this.connection.client, file, fileName);
      this.say(`Uploaded ${result.display_name ?? fileName}.`);
      await this.refresh();
    } catch (error) {
      this.say(`Upload of ${fileName} failed: ${errorMessage(error)}`, true);
    }
  }

  private onSettingsChanged(): void {
    this.expanded.clear();
    void this.connection.check();
    void this.refresh();
  }

  private section(title: string, list: HTMLElement, ...tools: HTMLElement[]): HTMLElement {
    return h(
      'details',
      { class: 'pl-Section', open: true },
      h(
        'summary',
        { class: 'pl-Section-title' },
        h('span', {}, title),
        h('span', { class: 'pl-Section-tools' }, tools),
      ),
      list,
    );
  }

  private say(message: string, isError = false): void {
    replace(this.messageNode, message === '' ? '' : h('span', {}, message));
    this.messageNode.classList.toggle('pl-mod-error', isError);
    this.messageNode.classList.toggle('pl-mod-info', !isError && message !== '');
  }

  private renderStatus(): void {
    const status = this.connection.status;
    replace(
      this.statusNode,
      h('span', { class: `pl-Dot pl-Dot-${status.state}`, 'aria-hidden': 'true' }),
      h('span', { class: 'pl-Status-endpoint', title: status.message }, this.connection.endpoint),
      status.state === 'connected'
        ? h(
            'span',
            { class: 'pl-Status-text' },
            status.version ? `v${status.version}` : 'connected',
          )
        : h(
            'span',
            { class: 'pl-Status-text', 'data-testid': 'pl-status-message' },
            status.message,
          ),
    );
    this.node.classList.toggle(
      'pl-mod-offline',
      status.state === 'unreachable' || status.state === 'refused',
    );
  }

  private async uploadChosen(): Promise<void> {
    const file = this.fileInput.files?.[0];
    this.fileInput.value = '';
    if (file !== undefined) await this.upload(file, file.name);
  }

  private async load(): Promise<void> {
    if (this.connection.status.state !== 'connected') {
      const status = await this.connection.check();
      if (status.state !== 'connected') return;
    }
    const full = this.fullNext || this.ticks % 5 === 0;
    if (full) {
      this.fullNext = false;
      this.ticks = 0;
    }
    this.ticks++;
    try {
      await Promise.all([
        full ? this.loadPipelines() : Promise.resolve(),
        full ? this.loadExperiments() : Promise.resolve(),
        this.loadRuns(),
        full || this.ticks % 2 === 0 ? this.loadRecurringRuns() : Promise.resolve(),
      ]);
      this.connection.noteSuccess();
    } catch (error) {
      this.connection.noteError(error);
      if (this.connection.status.state === 'connected') this.say(errorMessage(error), true);
    }
  }

  private async loadPipelines(): Promise<void> {
    const client = this.connection.client;
    const page = await client.pipelines.list({ pageSize: 100, sortBy: 'created_at desc' });
    const items = await Promise.all(
      page.items.map(async (p) => {
        const id = p.pipeline_id ?? '';
        const versions = this.expanded.has(id)
          ? (await client.pipelines.versions.list(id, { pageSize: 50, sortBy: 'created_at desc' }))
              .items
          : undefined;
        return this.pipelineItem(p, versions);
      }),
    );
    replace(
      this.pipelinesList,
      items.length > 0 ? items : this.empty('No pipelines yet: upload a compiled pipeline.'),
    );
  }

  private pipelineItem(
    p: V2beta1Pipeline,
    versions: V2beta1PipelineVersion[] | undefined,
  ): HTMLElement {
    const id = p.pipeline_id ?? '';
    const name = p.display_name ?? p.name ?? id;
    const open = versions !== undefined;
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'pl-Item-toggle',
        'aria-expanded': open ? 'true' : 'false',
        title: open ? 'Hide versions' : 'Show versions',
      },
      open ? '▾' : '▸',
    );
    toggle.addEventListener('click', () => {
      if (this.expanded.has(id)) this.expanded.delete(id);
      else this.expanded.add(id);
      void this.loadPipelines();
    });
    return h(
      'li',
      { class: 'pl-Item', 'data-pipeline-id': id, 'data-testid': 'pl-pipeline' },
      h(
        'div',
        { class: 'pl-Item-row' },
        toggle,
        h('span', { class: 'pl-Item-name', title: p.description ?? name }, name),
        h('span', { class: 'pl-Item-meta' }, formatTime(p.created_at)),
        button('Run', () => this.runPipeline(id, name), {
          title: `Run the latest version of ${name}`,
        }),
        button('✕', () => this.deletePipeline(id, name), {
          title: `Delete ${name} and its versions`,
          className: 'pl-mod-danger',
        }),
      ),
      open
        ? h(
            'ul',
            { class: 'pl-SubList' },
            (versions ?? []).map((v) =>
              h(
                'li',
                { class: 'pl-SubItem' },
                h(
                  'span',
                  { class: 'pl-Item-name' },
                  v.display_name ?? v.name ?? v.pipeline_version_id ?? '',
                ),
                h('span', { class: 'pl-Item-meta' }, formatTime(v.created_at)),
                button('✕', () => this.deleteVersion(id, v), {
                  title: 'Delete this version',
                  className: 'pl-mod-danger',
                }),
              ),
            ),
          )
        : null,
    );
  }

  private async runPipeline(pipelineId: string, name: string): Promise<void> {
    try {
      const run = await this.connection.client.runs.create({
        pipelineVersion: { pipelineId },
        displayName: `${name} ${new Date().toLocaleString()}`,
      });
      this.say(`Started ${name}.`);
      await this.refresh();
      this.actions.openRun(run.id);
    } catch (error) {
      this.say(`Could not run ${name}: ${errorMessage(error)}`, true);
    }
  }

  private async deletePipeline(id: string, name: string): Promise<void> {
    if (!(await this.actions.confirm(`Delete the pipeline ${name} and all its versions?`))) return;
    try {
      await this.connection.client.pipelines.delete(id, { cascade: true });
      this.say(`Deleted ${name}.`);
      await this.loadPipelines();
    } catch (error) {
      this.say(`Could not delete ${name}: ${errorMessage(error)}`, true);
    }
  }

  private async deleteVersion(pipelineId: string, v: V2beta1PipelineVersion): Promise<void> {
    const name = v.display_name ?? v.name ?? '';
    if (!(await this.actions.confirm(`Delete the version ${name}?`))) return;
    try {
      await this.connection.client.pipelines.versions.delete(
        pipelineId,
        v.pipeline_version_id ?? '',
      );
      await this.loadPipelines();
    } catch (error) {
      this.say(`Could not delete ${name}: ${errorMessage(error)}`, true);
    }
  }

  private async loadExperiments(): Promise<void> {
    const page = await this.connection.client.experiments.list({
      pageSize: 100,
      sortBy: 'created_at desc',
    });
    replace(
      this.experimentsList,
      page.items.length > 0
        ? page.items.map((e: V2beta1Experiment) =>
            h(
              'li',
              { class: 'pl-Item', 'data-testid': 'pl-experiment' },
              h(
                'div',
                { class: 'pl-Item-row' },
                h(
                  'span',
                  { class: 'pl-Item-name', title: e.description ?? '' },
                  e.display_name ?? '',
                ),
                h(
                  'span',
                  { class: 'pl-Item-meta' },
                  e.last_run_created_at ? `last run ${formatTime(e.last_run_created_at)}` : '',
                ),
              ),
            ),
          )
        : this.empty('No experiments.'),
    );
  }

  private async loadRuns(): Promise<void> {
    const client = this.connection.client;
    let runs: V2beta1Run[];
    if (this.filter !== undefined) {
      const ids = this.filter.runIds.slice(0, 50);
      runs = (
        await Promise.all(ids.map((id) => client.runs.get(id).catch(() => undefined)))
      ).filter((r): r is V2beta1Run => r !== undefined);
      if (this.filter.recurringRunIds.length > 0) {
        const more = await Promise.all(
          this.filter.recurringRunIds.map((id) =>
            runsOfRecurringRun(client, id, 10).catch(() => []),
          ),
        );
        const seen = new Set(runs.map((r) => r.run_id));
        for (const r of more.flat()) if (!seen.has(r.run_id)) runs.push(r);
      }
      runs.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''));
    } else {
      runs = (await client.runs.list({ pageSize: RUN_PAGE, sortBy: 'created_at desc' })).items;
    }
    replace(
      this.runsList,
      runs.length > 0 ? runs.map((r) => this.runItem(r)) : this.empty('No runs yet.'),
    );
  }

  private runItem(run: V2beta1Run): HTMLElement {
    const id = run.run_id ?? '';
    const progress = stepProgress(run);
    const duration = runDuration(run);
    const fraction = progress.total === 0 ? 0 : progress.done / progress.total;
    const open = (): void => this.actions.openRun(id);
    const name = h(
      'a',
      {
        class: 'pl-Item-name pl-Link',
        href: `#/runs/details/${id}`,
        title:
          `Open ${run.display_name ?? id}` +
          (run.recurring_run_id
            ? ` (started by a recurring run, for ${formatTime(run.scheduled_at)})`
            : ''),
      },
      run.display_name ?? id,
    );
    name.addEventListener('click', (event) => {
      event.preventDefault();
      open();
    });
    return h(
      'li',
      {
        class: 'pl-Item pl-Run',
        'data-run-id': id,
        'data-state': run.state ?? '',
        'data-recurring-run-id': run.recurring_run_id,
        'data-testid': 'pl-run',
      },
      h(
        'div',
        { class: 'pl-Item-row' },
        h(
          'span',
          { class: stateClass(run.state), 'data-testid': 'pl-run-state' },
          stateLabel(run.state),
        ),
        name,
        h(
          'span',
          { class: 'pl-Item-meta', title: formatTime(run.created_at) },
          duration !== undefined ? formatDuration(duration) : '',
        ),
      ),
      h(
        'div',
        { class: 'pl-Item-row pl-Item-sub' },
        h(
          'div',
          {
            class: 'pl-Progress',
            role: 'progressbar',
            'aria-valuemin': 0,
            'aria-valuemax': progress.total,
            'aria-valuenow': progress.done,
            title: `${progress.done} of ${progress.total} steps done`,
          },
          h('div', {
            class: `pl-Progress-bar ${progress.failed > 0 ? 'pl-mod-failed' : ''}`,
            style: `width: ${Math.round(fraction * 100)}%`,
          }),
        ),
        h('span', { class: 'pl-Item-meta' }, `${progress.done}/${progress.total}`),
        !isFinalState(run.state)
          ? button('Stop', () => this.runAction(id, 'terminate'), {
              title: 'Terminate this run',
              testId: 'pl-terminate',
            })
          : null,
        run.state === 'FAILED' || run.state === 'CANCELED'
          ? button('Retry', () => this.runAction(id, 'retry'), {
              title: 'Retry this run',
              testId: 'pl-retry',
            })
          : null,
      ),
    );
  }

  private async runAction(runId: string, action: 'terminate' | 'retry'): Promise<void> {
    try {
      if (action === 'terminate') {
        if (!(await this.actions.confirm('Terminate this run?'))) return;
        await this.connection.client.runs.terminate(runId);
      } else {
        await this.connection.client.runs.retry(runId);
      }
      await this.loadRuns();
    } catch (error) {
      this.say(`Could not ${action} the run: ${errorMessage(error)}`, true);
    }
  }

  private async loadRecurringRuns(): Promise<void> {
    if (this.noRecurringRuns) return;
    const seq = ++this.recurringSeq;
    const client = this.connection.client;
    let items: PipelabRecurringRun[];
    try {
      items = await listRecurringRuns(client);
    } catch (error) {
      if (missingOperation(error, true)) {
        this.noRecurringRuns = true;
        this.recurring = [];
        replace(
          this.recurringList,
          this.empty('This server does not schedule recurring runs yet.'),
        );
        return;
      }
      throw error;
    }
    if (this.filter !== undefined) {
      const wanted = new Set(this.filter.recurringRunIds);
      items = items.filter((r) => wanted.has(r.recurring_run_id ?? ''));
    }
    // The engine says when each fires next and how its last run went; from a server that does
    // not (Kubeflow Pipelines), the last run is looked up and the next time computed here.
    const engine = items.some(hasEngineFields);
    const last = await Promise.all(
      items.map(async (r): Promise<RecurringRunLastRun | undefined> => {
        if (r.last_run !== undefined || engine) return r.last_run;
        const runs = await runsOfRecurringRun(client, r.recurring_run_id ?? '', 1).catch(() => []);
        return runs[0];
      }),
    );
    // A later request, or a change made here meanwhile, has the newer list.
    if (seq !== this.recurringSeq) return;
    this.recurring = items.map((rr, i) => ({ rr, lastRun: last[i] }));
    this.engineRecurring = engine;
    this.renderRecurringRuns();
  }

  private renderRecurringRuns(): void {
    replace(
      this.recurringList,
      this.recurring.length > 0
        ? this.recurring.map((e) => this.recurringItem(e.rr, e.lastRun, this.engineRecurring))
        : this.empty('No recurring runs.'),
    );
    // A filter named after a recurring run shows its name as it is now.
    const named = this.filter?.namedAfter;
    const rr =
      named === undefined
        ? undefined
        : this.recurring.find((e) => e.rr.recurring_run_id === named)?.rr;
    if (this.filter !== undefined && rr?.display_name !== undefined) {
      const label = recurringRunLabel(rr.display_name);
      if (label !== this.filter.label) {
        this.filter = { ...this.filter, label };
        this.renderFilter();
      }
    }
  }

  private recurringItem(
    rr: PipelabRecurringRun,
    lastRun: RecurringRunLastRun | undefined,
    engine: boolean,
  ): HTMLElement {
    const id = rr.recurring_run_id ?? '';
    const name = rr.display_name ?? id;
    const enabled = isEnabled(rr);
    const next = enabled ? nextFireTime(rr, engine) : undefined;
    const toggle = h('input', {
      type: 'checkbox',
      class: 'pl-Toggle',
      title: enabled ? 'Enabled: click to disable' : 'Disabled: click to enable',
      'aria-label': `Enable ${name}`,
      'data-testid': 'pl-recurring-toggle',
    });
    toggle.checked = enabled;
    toggle.addEventListener('change', () => void this.setEnabled(id, toggle.checked));
    const failures = rr.consecutive_failures ?? 0;
    const notes = [
      rr.disabled_reason,
      failures > 0 && rr.disabled_reason === undefined
        ? `${failures} failed run${failures === 1 ? '' : 's'} in a row` +
          (rr.max_consecutive_failures ? ` (disabled at ${rr.max_consecutive_failures})` : '')
        : undefined,
    ].filter((n): n is string => n !== undefined && n !== '');
    let when: HTMLElement;
    if (!enabled) {
      when = h(
        'span',
        { class: 'pl-Item-meta pl-Recurring-status', 'data-testid': 'pl-recurring-status' },
        'Disabled',
      );
    } else if (next !== undefined) {
      when = h(
        'span',
        {
          class: 'pl-Item-meta',
          'data-testid': 'pl-recurring-next',
          'data-next-fire-time': next.toISOString(),
          title:
            `Next run ${formatTime(next)}` +
            (rr.next_fire_time !== undefined ? '' : ' (computed in the browser)'),
        },
        // The engine answers a time in the past for a fire that waits for a free slot.
        rr.next_fire_time !== undefined && next.getTime() < Date.now() - 2000
          ? `due ${shortTime(next)}, waiting for a run to end`
          : `next ${shortTime(next)}`,
      );
    } else {
      when = h(
        'span',
        { class: 'pl-Item-meta', 'data-testid': 'pl-recurring-status' },
        'no further runs',
      );
    }
    const lastRunId = lastRun?.run_id ?? '';
    return h(
      'li',
      {
        class: 'pl-Item pl-Recurring',
        'data-recurring-run-id': id,
        'data-testid': 'pl-recurring-run',
        'data-status': enabled ? 'enabled' : 'disabled',
      },
      h(
        'div',
        { class: 'pl-Item-row' },
        toggle,
        h(
          'a',
          {
            class: 'pl-Item-name pl-Link',
            href: '#',
            title: `Show the runs of ${name}` + (rr.description ? `: ${rr.description}` : ''),
            'data-testid': 'pl-recurring-name',
            onclick: (e: Event) => {
              e.preventDefault();
              this.setFilter({
                label: recurringRunLabel(name),
                runIds: [],
                recurringRunIds: [id],
                namedAfter: id,
              });
            },
          },
          name,
        ),
        button('Edit', () => this.editRecurring(rr), {
          title: `Edit ${name}`,
          testId: 'pl-recurring-edit',
        }),
        button('✕', () => this.deleteRecurring(id, name), {
          title: `Delete ${name}`,
          className: 'pl-mod-danger',
          testId: 'pl-recurring-delete',
        }),
      ),
      h(
        'div',
        { class: 'pl-Item-row pl-Item-sub' },
        h(
          'span',
          { class: 'pl-Item-meta', 'data-testid': 'pl-recurring-trigger' },
          describeTrigger(rr),
        ),
        when,
        lastRun !== undefined
          ? h(
              'span',
              { class: 'pl-Item-meta pl-Recurring-last' },
              'last ',
              h(
                'a',
                {
                  class: `${stateClass(lastRun.state)} pl-Link`,
                  href: `#/runs/details/${lastRunId}`,
                  'data-testid': 'pl-recurring-last-run',
                  'data-run-id': lastRunId,
                  'data-state': lastRun.state ?? '',
                  title:
                    `Last run: ${lastRun.display_name ?? lastRunId}` +
                    (lastRun.scheduled_at ? `, for ${formatTime(lastRun.scheduled_at)}` : ''),
                  onclick: (e: Event) => {
                    e.preventDefault();
                    this.actions.openRun(lastRunId);
                  },
                },
                stateLabel(lastRun.state),
              ),
            )
          : h('span', { class: 'pl-Item-meta' }, 'no runs yet'),
      ),
      notes.length > 0
        ? h(
            'div',
            {
              class: 'pl-Item-row pl-Item-sub pl-Recurring-note',
              'data-testid': 'pl-recurring-note',
            },
            notes.join(' '),
          )
        : null,
    );
  }

  /** Opens the form on the recurring run as the server has it now (the list may be stale). */
  private async editRecurring(rr: PipelabRecurringRun): Promise<void> {
    let fresh = rr;
    try {
      fresh = await this.connection.client.recurringRuns.get(rr.recurring_run_id ?? '');
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        this.say(`${rr.display_name ?? 'The recurring run'} was deleted meanwhile.`, true);
        await this.loadRecurringRuns();
        return;
      }
      this.connection.noteError(error);
    }
    this.actions.editRecurringRun(fresh);
  }

  private async setEnabled(id: string, enabled: boolean): Promise<void> {
    try {
      const recurringRuns = this.connection.client.recurringRuns;
      await (enabled ? recurringRuns.enable(id) : recurringRuns.disable(id));
    } catch (error) {
      this.say(
        `Could not ${enabled ? 'enable' : 'disable'} the recurring run: ${errorMessage(error)}`,
        true,
      );
    }
    await this.loadRecurringRuns();
  }

  private async deleteRecurring(id: string, name: string): Promise<void> {
    if (!(await this.actions.confirm(`Delete the recurring run ${name}? Its runs are kept.`)))
      return;
    try {
      await this.connection.client.recurringRuns.delete(id);
      await this.loadRecurringRuns();
    } catch (error) {
      this.say(`Could not delete ${name}: ${errorMessage(error)}`, true);
    }
  }

  private empty(text: string): HTMLElement {
    return h('li', { class: 'pl-Empty' }, text);
  }
}

/** How the filter on a recurring run's runs names it. */
function recurringRunLabel(name: string): string {
  return `the recurring run ${name}`;
}

/** A time soon: `14:05:09` today, else with the date. */
function shortTime(t: Date, now = new Date()): string {
  const sameDay = t.toDateString() === now.toDateString();
  return sameDay
    ? t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : formatTime(t);
}
