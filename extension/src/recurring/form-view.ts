/**
 * The form that creates or edits a recurring run, the way the KFP UI's "Create recurring run"
 * page does: name, pipeline and version (or always the latest), experiment, trigger (periodic
 * interval and unit, or a cron checked as it is typed, with a time zone), a preview of the next
 * fire times, start and end, max concurrency, catch-up, and the pipeline's parameters with their
 * defaults. Errors the server reports on a field are shown next to that field.
 */
import type {
  JsonValue,
  V2beta1Experiment,
  V2beta1Pipeline,
  V2beta1PipelineVersion,
  V2beta1RecurringRun,
  V2beta1Trigger,
} from 'pipelab/client';
import { KfpApiError } from 'pipelab/client';
import type { PipelabConnection } from '../api/connection';
import { RecurringRunsApi } from '../api/extras';
import { button, errorMessage, h, replace } from '../common/dom';
import { formatTime } from '../common/format';
import { checkCron, isTimeZone } from './cron';
import { nextFireTimes } from './trigger';

/** A pipeline parameter as the compiled spec declares it. */
interface ParameterSpec {
  parameterType?: string;
  defaultValue?: JsonValue;
  isOptional?: boolean;
  description?: string;
}

const UNITS: [string, number][] = [
  ['minutes', 60],
  ['hours', 3600],
  ['days', 86_400],
  ['weeks', 604_800],
];

const LATEST = '__latest__';

export interface FormActions {
  done(result: V2beta1RecurringRun): void;
  cancel(): void;
}

function toLocalInput(value: string | undefined): string {
  if (value === undefined) return '';
  const t = Date.parse(value);
  if (Number.isNaN(t) || t <= 0) return '';
  const d = new Date(t);
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
  private readonly periodicRow: HTMLElement;
  private readonly cronRow: HTMLElement;
  private readonly parametersNode: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private parameterInputs = new Map<
    string,
    { spec: ParameterSpec; input: HTMLInputElement | HTMLTextAreaElement }
  >();
  private pipelines: V2beta1Pipeline[] = [];

  constructor(
    private readonly connection: PipelabConnection,
    private readonly actions: FormActions,
    private readonly existing?: V2beta1RecurringRun,
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
          this.preview,
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
      h('fieldset', { class: 'pl-Form-group' }, h('legend', {}, 'Parameters'), this.parametersNode),
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
      input.addEventListener('input', () => this.updateTrigger());
      input.addEventListener('change', () => this.updateTrigger());
    }
    this.pipeline.addEventListener('change', () => void this.loadVersions());
    this.version.addEventListener('change', () => void this.loadParameters());
    this.node.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save();
    });
    this.prefill();
    this.updateTrigger();
    void this.load();
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
    const cron = rr.trigger?.cron_schedule as
      ({ time_zone?: string } & NonNullable<V2beta1Trigger['cron_schedule']>) | undefined;
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
      if (rr?.experiment_id) this.experiment.value = rr.experiment_id;
      if (this.pipelines.length === 0) this.setError('pipeline', 'Upload a pipeline first.');
      await this.loadVersions();
    } catch (error) {
      this.setError('general', errorMessage(error));
    }
  }

  private async loadVersions(): Promise<void> {
    const pipelineId = this.pipeline.value;
    if (pipelineId === '') return;
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
    await this.loadParameters(page.items[0]);
  }

  private async loadParameters(latest?: V2beta1PipelineVersion): Promise<void> {
    const pipelineId = this.pipeline.value;
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
    const spec = version?.pipeline_spec as
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
  private trigger(): { trigger?: V2beta1Trigger; field?: string; message?: string } {
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
    const check = checkCron(this.cron.value);
    if (!check.ok) return { field: 'cron', message: check.message };
    const zone = this.timeZone.value.trim() || 'UTC';
    if (!isTimeZone(zone))
      return {
        field: 'time_zone',
        message: `${zone} is not a time zone (use an IANA name such as Europe/Paris).`,
      };
    return {
      trigger: {
        cron_schedule: {
          cron: this.cron.value.trim(),
          ...times,
          ...(zone !== 'UTC' ? { time_zone: zone } : {}),
        } as NonNullable<V2beta1Trigger['cron_schedule']>,
      },
    };
  }

  private updateTrigger(): void {
    const periodic = this.kindPeriodic.checked;
    this.periodicRow.hidden = !periodic;
    this.cronRow.hidden = periodic;
    for (const key of ['interval', 'cron', 'time_zone', 'end_time']) this.setError(key, '');
    const { trigger, field, message } = this.trigger();
    if (trigger === undefined) {
      this.setError(field ?? 'general', message ?? '');
      replace(this.preview);
      return;
    }
    const times = nextFireTimes({ trigger }, new Date(), 5);
    replace(
      this.preview,
      times.length > 0
        ? times.map((t) => h('li', {}, formatTime(t)))
        : h('li', { class: 'pl-Empty' }, 'No run within the next year.'),
    );
  }

  private body(): V2beta1RecurringRun | undefined {
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
    return {
      display_name: this.name.value.trim(),
      ...(this.description.value.trim() !== ''
        ? { description: this.description.value.trim() }
        : {}),
      pipeline_version_reference: {
        pipeline_id: this.pipeline.value,
        ...(this.version.value !== LATEST && this.version.value !== ''
          ? { pipeline_version_id: this.version.value }
          : {}),
      },
      runtime_config: { parameters },
      trigger,
      max_concurrency: String(maxc),
      no_catchup: !this.catchup.checked,
      ...(this.experiment.value !== '' ? { experiment_id: this.experiment.value } : {}),
      ...(this.existing === undefined ? { mode: 'ENABLE' as const } : {}),
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
      this.actions.done(result);
    } catch (error) {
      this.showServerError(error);
    } finally {
      this.submit.disabled = false;
    }
  }

  /** Puts a server error next to the field its `google.rpc.BadRequest` names. */
  private showServerError(error: unknown): void {
    if (!(error instanceof KfpApiError)) {
      this.setError('general', errorMessage(error));
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
      else this.setError('general', error.apiMessage);
    }
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
