/**
 * The form that creates or edits a recurring run, the way the KFP UI's "Create recurring run"
 * page does: name, pipeline and version (or always the latest), experiment, trigger (periodic
 * interval and unit, or a cron checked as it is typed, with a time zone), a preview of the next
 * fire times, start and end, max concurrency, catch-up, and the pipeline's parameters with their
 * defaults. Errors the server reports on a field are shown next to that field.
 *
 * The preview comes from the engine's `POST /recurringruns:preview` (its scheduler's own rules,
 * and its check of the trigger as it is typed); a server without it (Kubeflow Pipelines) gets
 * the fire times computed in the browser. An edit is the engine's `PATCH`: only a trigger that
 * was changed is sent, so an untouched one keeps its grid.
 */
import type {
  JsonValue,
  PipelabRecurringRun,
  PipelabTrigger,
  V2beta1Experiment,
  V2beta1Pipeline,
  V2beta1PipelineVersion,
} from 'pipelab/client';
import { KfpApiError } from 'pipelab/client';
import type { PipelabConnection } from '../api/connection';
import { RecurringRunsApi, type PreviewTarget } from '../api/extras';
import { button, errorMessage, h, replace } from '../common/dom';
import { apiTime, formatTime } from '../common/format';
import { checkCron, checkTimeZone } from './cron';
import { nextFireTimes } from './trigger';

/** A pipeline parameter as the compiled spec declares it. */
interface ParameterSpec {
  parameterType?: string;
  defaultValue?: JsonValue;
  isOptional?: boolean;
  description?: string;
}

const UNITS: [string, number][] = [
  ['seconds', 1],
  ['minutes', 60],
  ['hours', 3600],
  ['days', 86_400],
  ['weeks', 604_800],
];

const LATEST = '__latest__';
/** The pipeline option of a recurring run created with its pipeline inline (not uploaded). */
const INLINE = '__inline__';
/** How many fire times the preview shows. */
const PREVIEW_COUNT = 5;
/** How long the form waits after a keystroke before asking the server for a preview. */
const PREVIEW_DELAY_MS = 250;

/** The trigger fields, whose errors the preview's check replaces. */
const TRIGGER_KEYS = ['interval', 'cron', 'time_zone', 'start_time', 'end_time', 'preview'];

export interface FormActions {
  done(result: PipelabRecurringRun): void;
  cancel(): void;
}

function toLocalInput(value: string | undefined): string {
  const d = apiTime(value);
  if (d === undefined) return '';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function fromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString().replace(/\.000Z$/, 'Z');
}

export class RecurringRunForm {
  readonly node: HTMLFormElement;
  private readonly errors = new Map<string, HTMLElement>();
  private readonly general: HTMLElement;
  private readonly name: HTMLInputElement;
  private readonly description: HTMLInputElement;
  private readonly pipeline: HTMLSelectElement;
  private readonly version: HTMLSelectElement;
  private readonly experiment: HTMLSelectElement;
  private readonly kindPeriodic: HTMLInputElement;
  private readonly kindCron: HTMLInputElement;
  private readonly interval: HTMLInputElement;
  private readonly unit: HTMLSelectElement;
  private readonly cron: HTMLInputElement;
  private readonly timeZone: HTMLInputElement;
  private readonly start: HTMLInputElement;
  private readonly end: HTMLInputElement;
  private readonly maxConcurrency: HTMLInputElement;
  private readonly catchup: HTMLInputElement;
  private readonly preview: HTMLElement;
  private readonly previewNote: HTMLElement;
  private readonly periodicRow: HTMLElement;
  private readonly cronRow: HTMLElement;
  private readonly parametersNode: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private parameterInputs = new Map<
    string,
    { spec: ParameterSpec; input: HTMLInputElement | HTMLTextAreaElement }
  >();
  private pipelines: V2beta1Pipeline[] = [];
  /** Whether the server previews fire times: unknown until asked once. */
  private serverPreview: 'unknown' | 'yes' | 'no' = 'unknown';
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every change of the trigger, so that late answers are dropped. */
  private previewSeq = 0;
  /** Set once the user changes a trigger input (an edit then sends the trigger). */
  private triggerChanged = false;
  /** The trigger inputs as last checked. */
  private triggerState = '';

  constructor(
    private readonly connection: PipelabConnection,
    private readonly actions: FormActions,
    private readonly existing?: PipelabRecurringRun,
  ) {
    this.general = h('div', {
      class: 'pl-Form-error',
      role: 'alert',
      'data-testid': 'pl-form-error',
    });
    this.name = h('input', {
      type: 'text',
      required: true,
      name: 'display_name',
      'data-testid': 'pl-form-name',
    });
    this.description = h('input', { type: 'text', name: 'description' });
    this.pipeline = h('select', { name: 'pipeline', 'data-testid': 'pl-form-pipeline' });
    this.version = h('select', { name: 'version', 'data-testid': 'pl-form-version' });
    this.experiment = h('select', { name: 'experiment', 'data-testid': 'pl-form-experiment' });
    this.kindPeriodic = h('input', {
      type: 'radio',
      name: 'trigger',
      value: 'periodic',
      'data-testid': 'pl-form-periodic',
    });
    this.kindCron = h('input', {
      type: 'radio',
      name: 'trigger',
      value: 'cron',
      'data-testid': 'pl-form-cron-kind',
    });
    this.interval = h('input', {
      type: 'number',
      min: 1,
      step: 1,
      value: 1,
      name: 'interval',
      'data-testid': 'pl-form-interval',
    });
    this.unit = h(
      'select',
      { name: 'unit', 'data-testid': 'pl-form-unit' },
      UNITS.map(([label, s]) => h('option', { value: s }, label)),
    );
    this.cron = h('input', {
      type: 'text',
      name: 'cron',
      value: '0 0 2 * * *',
      spellcheck: 'false',
      'data-testid': 'pl-form-cron',
      placeholder: 'second minute hour day month weekday',
    });
    this.timeZone = h('input', {
      type: 'text',
      name: 'time_zone',
      value: 'UTC',
      list: 'pl-time-zones',
      'data-testid': 'pl-form-tz',
    });
    this.start = h('input', { type: 'datetime-local', name: 'start_time' });
    this.end = h('input', { type: 'datetime-local', name: 'end_time' });
    this.maxConcurrency = h('input', {
      type: 'number',
      min: 1,
      max: 10,
      step: 1,
      value: 1,
      name: 'max_concurrency',
      'data-testid': 'pl-form-max-concurrency',
    });
    this.catchup = h('input', {
      type: 'checkbox',
      name: 'catchup',
      'data-testid': 'pl-form-catchup',
    });
    this.catchup.checked = true;
    this.preview = h('ol', {
      class: 'pl-Preview',
      'data-testid': 'pl-form-preview',
      'aria-live': 'polite',
    });
    this.previewNote = h('div', {
      class: 'pl-Form-hint',
      'data-testid': 'pl-form-preview-source',
    });
    this.parametersNode = h('div', {
      class: 'pl-Form-parameters',
      'data-testid': 'pl-form-parameters',
    });
    this.submit = h(
      'button',
      { type: 'submit', class: 'pl-Button pl-mod-accept', 'data-testid': 'pl-form-submit' },
      existing ? 'Save' : 'Create',
    );
    this.kindPeriodic.checked = true;
    // The preview's own problems (a server that could not be asked) show under it.
    const previewError = h('div', {
      class: 'pl-Form-fieldError',
      'data-field': 'preview',
      'data-testid': 'pl-error-preview',
      'aria-live': 'polite',
    });
    this.errors.set('preview', previewError);

    this.periodicRow = this.field(
      'Every',
      'interval',
      h('span', { class: 'pl-Form-inline' }, this.interval, this.unit),
    );
    this.cronRow = h(
      'div',
      {},
      this.field(
        'Cron',
        'cron',
        this.cron,
        'Six fields, seconds first (KFP): 0 0 2 * * * is every day at 02:00.',
      ),
      this.field('Time zone', 'time_zone', this.timeZone),
      h(
        'datalist',
        { id: 'pl-time-zones' },
        timeZones().map((z) => h('option', { value: z })),
      ),
    );

    this.node = h(
      'form',
      { class: 'pl-Form', novalidate: true, 'data-testid': 'pl-recurring-form' },
      h(
        'h2',
        { class: 'pl-Form-title' },
        existing ? `Edit ${existing.display_name ?? 'recurring run'}` : 'New recurring run',
      ),
      this.general,
      this.field('Name', 'display_name', this.name),
      this.field('Description', 'description', this.description),
      this.field('Pipeline', 'pipeline', this.pipeline),
      this.field('Version', 'version', this.version),
      this.field('Experiment', 'experiment', this.experiment),
      h(
        'fieldset',
        { class: 'pl-Form-group' },
        h('legend', {}, 'Trigger'),
        h(
          'div',
          { class: 'pl-Form-inline', role: 'radiogroup' },
          h('label', {}, this.kindPeriodic, ' Periodic'),
          h('label', {}, this.kindCron, ' Cron'),
        ),
        this.periodicRow,
        this.cronRow,
        this.field('Start', 'start_time', this.start),
        this.field('End', 'end_time', this.end),
        h(
          'div',
          { class: 'pl-Form-field' },
          h('span', { class: 'pl-Form-label' }, 'Next runs'),
          h('div', { class: 'pl-Form-control' }, this.preview, this.previewNote, previewError),
        ),
      ),
      this.field(
        'Max concurrency',
        'max_concurrency',
        this.maxConcurrency,
        'How many of its runs may be running at once.',
      ),
      this.field(
        'Catch up',
        'no_catchup',
        h('label', {}, this.catchup, ' Start the runs missed while paused or down'),
      ),
      h(
        'fieldset',
        { class: 'pl-Form-group' },
        h('legend', {}, 'Parameters'),
        h(
          'div',
          { class: 'pl-Form-hint' },
          "Text values may use KFP's macros: [[ScheduledTime]], [[ScheduledTime.2006-01-02]], [[CurrentTime]], [[Index]], [[RunUUID]].",
        ),
        this.parametersNode,
      ),
      h(
        'div',
        { class: 'pl-Form-buttons' },
        button('Cancel', () => this.actions.cancel(), { testId: 'pl-form-cancel' }),
        this.submit,
      ),
    );

    for (const input of [
      this.kindPeriodic,
      this.kindCron,
      this.interval,
      this.unit,
      this.cron,
      this.timeZone,
      this.start,
      this.end,
    ]) {
      input.addEventListener('input', () => this.updateTrigger(true));
      input.addEventListener('change', () => this.updateTrigger(true));
    }
    this.pipeline.addEventListener('change', () => void this.loadVersions());
    this.version.addEventListener('change', () => void this.loadParameters());
    this.node.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save();
    });
    this.prefill();
    this.updateTrigger(false);
    void this.load();
  }

  /** Stops a pending preview request. */
  dispose(): void {
    clearTimeout(this.previewTimer);
    this.previewSeq++;
  }

  private field(label: string, key: string, control: HTMLElement, hint?: string): HTMLElement {
    const error = h('div', {
      class: 'pl-Form-fieldError',
      'data-field': key,
      'data-testid': `pl-error-${key}`,
      'aria-live': 'polite',
    });
    this.errors.set(key, error);
    const id = `pl-field-${key}-${Math.random().toString(36).slice(2, 8)}`;
    if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement)
      control.id = id;
    return h(
      'div',
      { class: 'pl-Form-field' },
      h('label', { class: 'pl-Form-label', for: id }, label),
      h(
        'div',
        { class: 'pl-Form-control' },
        control,
        hint ? h('div', { class: 'pl-Form-hint' }, hint) : null,
        error,
      ),
    );
  }

  private setError(key: string, message: string): void {
    const node = this.errors.get(key);
    if (node === undefined) {
      replace(this.general, message);
      return;
    }
    replace(node, message);
    node.parentElement?.classList.toggle('pl-mod-invalid', message !== '');
  }

  private clearErrors(): void {
    for (const key of this.errors.keys()) this.setError(key, '');
    replace(this.general);
  }

  private prefill(): void {
    const rr = this.existing;
    if (rr === undefined) return;
    this.name.value = rr.display_name ?? '';
    this.description.value = rr.description ?? '';
    const periodic = rr.trigger?.periodic_schedule;
    const cron = rr.trigger?.cron_schedule;
    if (periodic?.interval_second !== undefined) {
      const seconds = Number(periodic.interval_second);
      const unit = [...UNITS].reverse().find(([, s]) => seconds % s === 0) ?? UNITS[0];
      if (unit !== undefined) {
        this.unit.value = String(unit[1]);
        this.interval.value = String(seconds / unit[1]);
      }
      this.start.value = toLocalInput(periodic.start_time);
      this.end.value = toLocalInput(periodic.end_time);
    } else if (cron?.cron !== undefined) {
      this.kindCron.checked = true;
      this.cron.value = cron.cron;
      this.timeZone.value = cron.time_zone ?? 'UTC';
      this.start.value = toLocalInput(cron.start_time);
      this.end.value = toLocalInput(cron.end_time);
    }
    this.maxConcurrency.value = rr.max_concurrency ?? '1';
    this.catchup.checked = rr.no_catchup !== true;
  }

  private async load(): Promise<void> {
    const client = this.connection.client;
    try {
      const [pipelines, experiments] = await Promise.all([
        client.pipelines.list({ pageSize: 200, sortBy: 'created_at desc' }),
        client.experiments.list({ pageSize: 200, sortBy: 'created_at desc' }),
      ]);
      this.pipelines = pipelines.items;
      replace(
        this.pipeline,
        this.inlineSpec() !== undefined
          ? h('option', { value: INLINE }, `Its own pipeline, sent inline (${this.inlineName()})`)
          : null,
        this.pipelines.map((p) =>
          h('option', { value: p.pipeline_id ?? '' }, p.display_name ?? p.name ?? ''),
        ),
      );
      replace(
        this.experiment,
        experiments.items.map((e: V2beta1Experiment) =>
          h('option', { value: e.experiment_id ?? '' }, e.display_name ?? ''),
        ),
      );
      const rr = this.existing;
      if (rr?.pipeline_version_reference?.pipeline_id)
        this.pipeline.value = rr.pipeline_version_reference.pipeline_id;
      else if (this.inlineSpec() !== undefined) this.pipeline.value = INLINE;
      if (rr?.experiment_id) this.experiment.value = rr.experiment_id;
      if (this.pipeline.options.length === 0) this.setError('pipeline', 'Upload a pipeline first.');
      await this.loadVersions();
    } catch (error) {
      this.setError('general', errorMessage(error));
    }
  }

  /** The pipeline spec a recurring run being edited carries inline, if it does. */
  private inlineSpec(): Record<string, unknown> | undefined {
    const rr = this.existing;
    if (rr === undefined || rr.pipeline_version_reference?.pipeline_id) return undefined;
    return rr.pipeline_spec;
  }

  private inlineName(): string {
    const info = (this.inlineSpec() as { pipelineInfo?: { name?: string } } | undefined)
      ?.pipelineInfo;
    return info?.name ?? 'unnamed';
  }

  private async loadVersions(): Promise<void> {
    try {
      await this.loadVersionsOf(this.pipeline.value);
    } catch (error) {
      this.setError('version', errorMessage(error));
    }
  }

  private async loadVersionsOf(pipelineId: string): Promise<void> {
    if (pipelineId === '') return;
    this.setError('pipeline', '');
    this.setError('version', '');
    this.version.disabled = pipelineId === INLINE;
    if (pipelineId === INLINE) {
      replace(this.version, h('option', { value: '' }, 'The one it was created with'));
      this.renderParameters(this.inlineSpec());
      return;
    }
    const page = await this.connection.client.pipelines.versions.list(pipelineId, {
      pageSize: 200,
      sortBy: 'created_at desc',
    });
    replace(
      this.version,
      h('option', { value: LATEST }, 'Always the latest version'),
      page.items.map((v: V2beta1PipelineVersion) =>
        h('option', { value: v.pipeline_version_id ?? '' }, v.display_name ?? v.name ?? ''),
      ),
    );
    const wanted = this.existing?.pipeline_version_reference;
    if (wanted?.pipeline_id === pipelineId && wanted.pipeline_version_id)
      this.version.value = wanted.pipeline_version_id;
    if (this.name.value === '' && this.existing === undefined) {
      const p = this.pipelines.find((x) => x.pipeline_id === pipelineId);
      this.name.value = `${p?.display_name ?? p?.name ?? 'pipeline'} (recurring)`;
    }
    await this.loadParametersOf(page.items[0]);
  }

  private async loadParameters(): Promise<void> {
    try {
      await this.loadParametersOf();
    } catch (error) {
      this.setError('version', errorMessage(error));
    }
  }

  private async loadParametersOf(latest?: V2beta1PipelineVersion): Promise<void> {
    const pipelineId = this.pipeline.value;
    if (pipelineId === INLINE || pipelineId === '') return;
    let version = latest;
    if (this.version.value !== LATEST && this.version.value !== '') {
      version = await this.connection.client.pipelines.versions.get(pipelineId, this.version.value);
    } else if (version === undefined || version.pipeline_spec === undefined) {
      const first = (
        await this.connection.client.pipelines.versions.list(pipelineId, {
          pageSize: 1,
          sortBy: 'created_at desc',
        })
      ).items[0];
      version = first?.pipeline_version_id
        ? await this.connection.client.pipelines.versions.get(pipelineId, first.pipeline_version_id)
        : undefined;
    }
    this.renderParameters(version?.pipeline_spec);
  }

  /** The parameter inputs of a pipeline spec, with the current values or the defaults. */
  private renderParameters(pipelineSpec: Record<string, unknown> | undefined): void {
    const spec = pipelineSpec as
      { root?: { inputDefinitions?: { parameters?: Record<string, ParameterSpec> } } } | undefined;
    const params = spec?.root?.inputDefinitions?.parameters ?? {};
    const current = this.existing?.runtime_config?.parameters ?? {};
    this.parameterInputs = new Map();
    const rows = Object.entries(params).map(([name, p]) => {
      const value = name in current ? current[name] : p.defaultValue;
      const input = parameterInput(p, value);
      input.setAttribute('data-testid', `pl-param-${name}`);
      this.parameterInputs.set(name, { spec: p, input });
      return this.field(
        name,
        `param:${name}`,
        input,
        [
          p.parameterType ? typeName(p.parameterType) : '',
          p.description ?? '',
          p.isOptional ? 'optional' : '',
        ]
          .filter((s) => s !== '')
          .join(' · '),
      );
    });
    replace(
      this.parametersNode,
      rows.length > 0 ? rows : h('div', { class: 'pl-Empty' }, 'This pipeline has no parameters.'),
    );
  }

  /** The trigger as the form says it, with the field at fault when it is invalid. */
  private trigger(): { trigger?: PipelabTrigger; field?: string; message?: string } {
    const start = fromLocalInput(this.start.value);
    const end = fromLocalInput(this.end.value);
    if (start !== undefined && end !== undefined && end <= start) {
      return { field: 'end_time', message: 'The end must be after the start.' };
    }
    const times = { ...(start ? { start_time: start } : {}), ...(end ? { end_time: end } : {}) };
    if (this.kindPeriodic.checked) {
      const n = Number(this.interval.value);
      if (!Number.isInteger(n) || n < 1)
        return { field: 'interval', message: 'Enter a whole number of at least 1.' };
      const seconds = n * Number(this.unit.value);
      return { trigger: { periodic_schedule: { interval_second: String(seconds), ...times } } };
    }
    // The engine's own checks (pipelab/schedule), in its words.
    const cron = checkCron(this.cron.value);
    if (!cron.ok) return { field: 'cron', message: cron.message };
    const zone = checkTimeZone(this.timeZone.value.trim() || 'UTC');
    if (!zone.ok) return { field: 'time_zone', message: zone.message };
    return {
      trigger: {
        cron_schedule: {
          cron: this.cron.value.trim(),
          ...times,
          ...(zone.value !== 'UTC' ? { time_zone: zone.value } : {}),
        },
      },
    };
  }

  /** Checks the trigger as it is typed, and previews its next fire times. */
  private updateTrigger(byUser: boolean): void {
    // An input's `change` repeats what its `input` did when it loses the focus: nothing to do
    // (clearing an error then would move the buttons under the pointer, mid-click).
    const state = JSON.stringify(
      [
        this.kindPeriodic,
        this.interval,
        this.unit,
        this.cron,
        this.timeZone,
        this.start,
        this.end,
      ].map((input) => (input === this.kindPeriodic ? input.checked : input.value)),
    );
    if (state === this.triggerState) return;
    this.triggerState = state;
    if (byUser) this.triggerChanged = true;
    const periodic = this.kindPeriodic.checked;
    this.periodicRow.hidden = !periodic;
    this.cronRow.hidden = periodic;
    for (const key of TRIGGER_KEYS) this.setError(key, '');
    clearTimeout(this.previewTimer);
    const seq = ++this.previewSeq;
    const { trigger, field, message } = this.trigger();
    if (trigger === undefined) {
      this.setError(field ?? 'general', message ?? '');
      this.renderPreview(undefined, 'none');
      return;
    }
    if (this.serverPreview === 'no') {
      this.renderPreview(this.browserTimes(trigger), 'browser', trigger);
      return;
    }
    // The server's preview is its scheduler's own plan (and its check of the trigger, which can
    // refuse what only it knows): wait for a pause in the typing, then ask it.
    this.preview.setAttribute('aria-busy', 'true');
    const id = this.existing?.recurring_run_id;
    const target: PreviewTarget =
      id !== undefined && !this.triggerChanged ? { recurringRunId: id } : { trigger };
    this.previewTimer = setTimeout(
      () => void this.serverPreviewOf(target, trigger, seq),
      this.serverPreview === 'unknown' && !byUser ? 0 : PREVIEW_DELAY_MS,
    );
  }

  private async serverPreviewOf(
    target: PreviewTarget,
    trigger: PipelabTrigger,
    seq: number,
  ): Promise<void> {
    let times: Date[] | undefined;
    let failure: unknown;
    try {
      times = await new RecurringRunsApi(this.connection.client).preview(target, {
        count: PREVIEW_COUNT,
      });
    } catch (error) {
      failure = error;
    }
    if (seq !== this.previewSeq) return;
    if (failure instanceof KfpApiError && failure.status === 400) {
      this.serverPreview = 'yes';
      this.renderPreview(undefined, 'server');
      this.showServerError(failure, 'preview');
      return;
    }
    if (failure === undefined && times !== undefined) {
      this.serverPreview = 'yes';
      this.renderPreview(times, 'server', trigger);
      return;
    }
    // No preview on this server (or it could not be reached): the browser computes one.
    if (failure === undefined) this.serverPreview = 'no';
    this.renderPreview(this.browserTimes(trigger), 'browser', trigger);
  }

  /**
   * The fire times computed here. An unchanged periodic trigger without a start stays on the
   * grid of the recurring run's creation; a new or changed one starts from now.
   */
  private browserTimes(trigger: PipelabTrigger): Date[] {
    const created = this.triggerChanged ? undefined : this.existing?.created_at;
    return nextFireTimes(
      { trigger, ...(created !== undefined ? { created_at: created } : {}) },
      new Date(),
      PREVIEW_COUNT,
    );
  }

  /** Shows fire times: from the server, computed in the browser, or none (a bad trigger). */
  private renderPreview(
    times: Date[] | undefined,
    source: 'server' | 'browser' | 'none',
    trigger?: PipelabTrigger,
  ): void {
    this.preview.removeAttribute('aria-busy');
    this.preview.setAttribute('data-source', source);
    const zone = trigger?.cron_schedule?.time_zone;
    replace(
      this.preview,
      times === undefined
        ? null
        : times.length > 0
          ? times.map((t) => h('li', { 'data-time': t.toISOString() }, fireTime(t, zone)))
          : h('li', { class: 'pl-Empty' }, 'It does not fire again.'),
    );
    replace(
      this.previewNote,
      source === 'server'
        ? "As the engine's scheduler plans them."
        : source === 'browser'
          ? 'Computed in the browser: this server does not preview fire times.'
          : '',
    );
  }

  private body(): PipelabRecurringRun | undefined {
    this.clearErrors();
    let ok = true;
    if (this.name.value.trim() === '') {
      this.setError('display_name', 'A name is required.');
      ok = false;
    }
    if (this.pipeline.value === '') {
      this.setError('pipeline', 'Choose a pipeline.');
      ok = false;
    }
    const existing = this.existing;
    const { trigger, field, message } = this.trigger();
    if (trigger === undefined) {
      this.setError(field ?? 'general', message ?? '');
      ok = false;
    }
    const maxc = Number(this.maxConcurrency.value);
    if (!Number.isInteger(maxc) || maxc < 1 || maxc > 10) {
      this.setError('max_concurrency', 'Enter a whole number from 1 to 10.');
      ok = false;
    }
    const parameters: Record<string, JsonValue> = {};
    for (const [name, { spec, input }] of this.parameterInputs) {
      const parsed = parseParameter(spec, input);
      if ('error' in parsed) {
        this.setError(`param:${name}`, parsed.error);
        ok = false;
      } else if (parsed.value !== undefined) {
        parameters[name] = parsed.value;
      }
    }
    if (!ok || trigger === undefined) return undefined;
    const description = this.description.value.trim();
    const pipelineRoot = existing?.runtime_config?.pipeline_root;
    return {
      display_name: this.name.value.trim(),
      // An edit sends the description even when cleared, so that it is cleared.
      ...(description !== '' || existing !== undefined ? { description } : {}),
      // A recurring run created with its pipeline inline keeps it unless another is chosen.
      ...(this.pipeline.value !== INLINE
        ? {
            pipeline_version_reference: {
              pipeline_id: this.pipeline.value,
              ...(this.version.value !== LATEST && this.version.value !== ''
                ? { pipeline_version_id: this.version.value }
                : {}),
            },
          }
        : {}),
      runtime_config: {
        parameters,
        ...(pipelineRoot !== undefined && pipelineRoot !== ''
          ? { pipeline_root: pipelineRoot }
          : {}),
      },
      // An edit sends the trigger only when it changed: the engine starts a changed trigger
      // afresh from the time of the edit.
      ...(existing === undefined || this.triggerChanged ? { trigger } : {}),
      max_concurrency: String(maxc),
      no_catchup: !this.catchup.checked,
      ...(this.experiment.value !== '' ? { experiment_id: this.experiment.value } : {}),
      ...(existing === undefined ? { mode: 'ENABLE' as const } : {}),
    };
  }

  private async save(): Promise<void> {
    const body = this.body();
    if (body === undefined) return;
    this.submit.disabled = true;
    const api = new RecurringRunsApi(this.connection.client);
    try {
      const id = this.existing?.recurring_run_id;
      const result = id !== undefined ? await api.update(id, body) : await api.create(body);
      this.dispose();
      this.actions.done(result);
    } catch (error) {
      this.showServerError(error);
    } finally {
      this.submit.disabled = false;
    }
  }

  /**
   * Puts a server error next to the field its `google.rpc.BadRequest` names (else with the
   * form's general error, or, for the preview, under the fire times).
   */
  private showServerError(error: unknown, fallback = 'general'): void {
    if (!(error instanceof KfpApiError)) {
      this.setError(fallback, errorMessage(error));
      return;
    }
    const violations = error.details.flatMap((d) => {
      const list = (d as { field_violations?: { field?: string; description?: string }[] })
        .field_violations;
      return Array.isArray(list) ? list : [];
    });
    let placed = false;
    for (const v of violations) {
      const key = fieldKey(v.field ?? '');
      if (key !== undefined && this.errors.has(key)) {
        this.setError(key, v.description || error.apiMessage);
        placed = true;
      }
    }
    if (!placed) {
      const key = fieldKey(error.apiMessage);
      if (key !== undefined && this.errors.has(key) && violations.length === 0)
        this.setError(key, error.apiMessage);
      else this.setError(fallback, error.apiMessage);
    }
  }
}

/** A fire time in the browser's zone, and in the cron's zone when that is another. */
function fireTime(t: Date, zone: string | undefined): string {
  const local = formatTime(t);
  if (zone === undefined || zone === Intl.DateTimeFormat().resolvedOptions().timeZone) return local;
  try {
    const there = t.toLocaleString(undefined, {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    return `${local} (${there} ${zone})`;
  } catch {
    return local;
  }
}

/** The form field a server's field path (`recurring_run.trigger.cron_schedule.cron`) concerns. */
export function fieldKey(path: string): string | undefined {
  const param = /parameters\.([A-Za-z0-9_-]+)/.exec(path);
  if (param) return `param:${param[1]}`;
  const rules: [RegExp, string][] = [
    [/time_zone|timezone/i, 'time_zone'],
    [/cron/i, 'cron'],
    [/interval/i, 'interval'],
    [/start_time/i, 'start_time'],
    [/end_time/i, 'end_time'],
    [/max_concurrency/i, 'max_concurrency'],
    [/display_name/i, 'display_name'],
    [/pipeline_version_id|pipeline_version_reference\.pipeline_version/i, 'version'],
    [/pipeline/i, 'pipeline'],
    [/experiment/i, 'experiment'],
    [/catchup/i, 'no_catchup'],
  ];
  return rules.find(([re]) => re.test(path))?.[1];
}

function typeName(type: string): string {
  return (
    (
      {
        STRING: 'string',
        NUMBER_INTEGER: 'integer',
        NUMBER_DOUBLE: 'number',
        BOOLEAN: 'boolean',
        LIST: 'list (JSON)',
        STRUCT: 'object (JSON)',
      } as Record<string, string>
    )[type] ?? type.toLowerCase()
  );
}

function parameterInput(
  spec: ParameterSpec,
  value: JsonValue | undefined,
): HTMLInputElement | HTMLTextAreaElement {
  switch (spec.parameterType) {
    case 'NUMBER_INTEGER':
    case 'NUMBER_DOUBLE': {
      const input = h('input', {
        type: 'number',
        step: spec.parameterType === 'NUMBER_INTEGER' ? 1 : 'any',
      });
      if (typeof value === 'number') input.value = String(value);
      return input;
    }
    case 'BOOLEAN': {
      const input = h('input', { type: 'checkbox' });
      input.checked = value === true;
      return input;
    }
    case 'LIST':
    case 'STRUCT': {
      const input = h('textarea', { rows: 2, spellcheck: 'false' });
      input.value = value === undefined ? '' : JSON.stringify(value);
      return input;
    }
    default: {
      const input = h('input', { type: 'text' });
      input.value = value === undefined || value === null ? '' : String(value);
      return input;
    }
  }
}

function parseParameter(
  spec: ParameterSpec,
  input: HTMLInputElement | HTMLTextAreaElement,
): { value: JsonValue | undefined } | { error: string } {
  const text = input.value.trim();
  const missing = (): { value: undefined } | { error: string } =>
    spec.isOptional || spec.defaultValue !== undefined
      ? { value: undefined }
      : { error: 'A value is required.' };
  switch (spec.parameterType) {
    case 'NUMBER_INTEGER': {
      if (text === '') return missing();
      const n = Number(text);
      return Number.isInteger(n) ? { value: n } : { error: `${text} is not a whole number.` };
    }
    case 'NUMBER_DOUBLE': {
      if (text === '') return missing();
      const n = Number(text);
      return Number.isFinite(n) ? { value: n } : { error: `${text} is not a number.` };
    }
    case 'BOOLEAN':
      return { value: (input as HTMLInputElement).checked };
    case 'LIST':
    case 'STRUCT': {
      if (text === '') return missing();
      try {
        const value = JSON.parse(text) as JsonValue;
        const isList = Array.isArray(value);
        if (
          spec.parameterType === 'LIST'
            ? !isList
            : isList || typeof value !== 'object' || value === null
        ) {
          return {
            error:
              spec.parameterType === 'LIST'
                ? 'Enter a JSON list, e.g. [1, 2].'
                : 'Enter a JSON object, e.g. {"a": 1}.',
          };
        }
        return { value };
      } catch {
        return { error: 'This is not valid JSON.' };
      }
    }
    default:
      return { value: input.value };
  }
}

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return ['UTC', ...(intl.supportedValuesOf?.('timeZone') ?? [])];
  } catch {
    return ['UTC'];
  }
}
