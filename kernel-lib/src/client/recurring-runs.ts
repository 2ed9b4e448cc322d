/**
 * `client.recurringRuns`: KFP's RecurringRunService — create, get, list, enable, disable,
 * delete — and the Pipelab engine's additions: `update` (edit in place) and `preview` (the next
 * fire times of a trigger).
 *
 * ```ts
 * const nightly = await client.recurringRuns.create({
 *   displayName: 'nightly retrain',
 *   pipeline: chicago,
 *   experimentName: 'Chicago Crime Prediction',
 *   trigger: { cron: '0 0 3 * * *', timeZone: 'America/Chicago' },
 *   parameters: { run_date: '[[ScheduledTime.2006-01-02]]' },
 * });
 * await client.recurringRuns.update(nightly.recurring_run_id!, { maxConcurrency: 2 });
 * ```
 *
 * Against Kubeflow Pipelines, `update` throws an {@link EngineOnlyError} (delete and create
 * again there), `preview` computes the fire times here (in UTC, as KFP does), and the engine's
 * additive fields (`timeZone`, `maxConsecutiveFailures`) are refused by the server.
 */
import { previewFireTimes, type ResolvedTrigger } from '../engine/schedule/trigger';
import { ScheduleError } from '../engine/schedule/errors';
import { segment, type Connection, type RequestOptions } from './connection';
import { ClientOptionsError, EngineOnlyError, missingOperation } from './errors';
import type { ExperimentsClient } from './experiments';
import { getPage, items, listQuery, pages, type Page } from './paging';
import {
  checkOneExperiment,
  checkOnePipeline,
  createdId,
  experimentIdOf,
  pipelineFields,
  pipelineOf,
  runtimeConfigOf,
  type RunPipeline,
} from './run-request';
import { buildTrigger, checkMaxConcurrency, checkMaxFailures, timeText } from './schedule-helpers';
import type {
  CreateRecurringRunOptions,
  IterateRecurringRunsOptions,
  ListRecurringRunsOptions,
  PreviewOptions,
  TriggerOptions,
  UpdateRecurringRunOptions,
} from './schedule-types';
import type {
  PipelabRecurringRun,
  PipelabTrigger,
  PreviewRecurringRunResponse,
  V2beta1ListRecurringRunsResponse,
  V2beta1RuntimeConfig,
} from './types';

const BASE = '/recurringruns';
const UPDATE_OPERATION = 'PATCH /apis/v2beta1/recurringruns/{recurring_run_id}';
const UPDATE_ADVICE =
  'Kubeflow Pipelines cannot edit a recurring run: delete it and create it again (client.recurringRuns.delete, then create).';

/** `client.recurringRuns`. */
export class RecurringRunsClient {
  constructor(
    private readonly connection: Connection,
    private readonly experiments: ExperimentsClient,
    private readonly namespace: string | undefined,
  ) {}

  /**
   * Creates a recurring run: `POST /apis/v2beta1/recurringruns`. The trigger is checked here
   * first. With `experimentName`, the experiment is found or created.
   *
   * @throws {@link ClientOptionsError} for bad options (a 5-field cron, say), before sending.
   */
  async create<C extends string>(
    options: CreateRecurringRunOptions<C>,
  ): Promise<PipelabRecurringRun> {
    const where = 'recurringRuns.create';
    if (typeof options !== 'object' || options === null) {
      throw new ClientOptionsError(where, `${where} needs an options object.`);
    }
    if (typeof options.displayName !== 'string' || options.displayName.trim() === '') {
      throw new ClientOptionsError(`${where}.displayName`, 'a recurring run needs a displayName.');
    }
    checkOneExperiment(options, where);
    const trigger = buildTrigger(options.trigger as TriggerOptions, `${where}.trigger`);
    const maxConcurrency = checkMaxConcurrency(
      options.maxConcurrency ?? 1,
      `${where}.maxConcurrency`,
    );
    const maxFailures =
      options.maxConsecutiveFailures === undefined
        ? undefined
        : checkMaxFailures(options.maxConsecutiveFailures, `${where}.maxConsecutiveFailures`);
    checkOnePipeline(options, where, true);
    const source = pipelineOf(options, where) as RunPipeline;
    if (source.ref !== undefined && options.enableCaching !== undefined) {
      throw new ClientOptionsError(
        `${where}.enableCaching`,
        'enableCaching rewrites the pipeline sent inline, so it needs pipeline or pipelineSpec.',
      );
    }
    const sourceFields = pipelineFields(await source.spec, source.ref, options.enableCaching);
    const experimentId = await experimentIdOf(this.experiments, options);
    const body: PipelabRecurringRun = {
      display_name: options.displayName,
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(experimentId !== undefined && experimentId !== '' ? { experiment_id: experimentId } : {}),
      max_concurrency: String(maxConcurrency),
      mode: options.enabled === false ? 'DISABLE' : 'ENABLE',
      ...(options.noCatchup === true ? { no_catchup: true } : {}),
      ...sourceFields,
      runtime_config: runtimeConfigOf(options),
      trigger: trigger.body,
      ...(options.serviceAccount !== undefined ? { service_account: options.serviceAccount } : {}),
      ...(maxFailures !== undefined && maxFailures > 0
        ? { max_consecutive_failures: maxFailures }
        : {}),
    };
    const created = await this.connection.json<PipelabRecurringRun>({
      method: 'POST',
      path: BASE,
      json: body,
      signal: options.signal,
    });
    createdId(created, 'recurring_run_id', 'a recurring run', this.connection.endpoint);
    return created;
  }

  /** One recurring run. */
  get(recurringRunId: string, options: RequestOptions = {}): Promise<PipelabRecurringRun> {
    return this.connection.json<PipelabRecurringRun>({
      method: 'GET',
      path: `${BASE}/${segment(recurringRunId, 'recurringRunId')}`,
      signal: options.signal,
    });
  }

  /** One page of recurring runs. */
  async list(options: ListRecurringRunsOptions = {}): Promise<Page<PipelabRecurringRun>> {
    const query = {
      ...listQuery(options, 'recurringRuns.list'),
      experiment_id: options.experimentId,
      namespace: options.namespace ?? this.namespace,
    };
    return getPage(
      this.connection,
      { path: BASE, query, signal: options.signal },
      (response: V2beta1ListRecurringRunsResponse & { recurring_runs?: PipelabRecurringRun[] }) =>
        response.recurringRuns ?? response.recurring_runs,
    );
  }

  /** Every recurring run, following the pages. */
  iterate(options: IterateRecurringRunsOptions = {}): AsyncGenerator<PipelabRecurringRun> {
    return items((o) => this.list(o), options);
  }

  /** Every page of recurring runs. */
  pages(options: ListRecurringRunsOptions = {}): AsyncGenerator<Page<PipelabRecurringRun>> {
    return pages((o) => this.list(o), options);
  }

  private async action(id: string, verb: string, options: RequestOptions): Promise<void> {
    await this.connection.json({
      method: 'POST',
      path: `${BASE}/${segment(id, 'recurringRunId')}:${verb}`,
      signal: options.signal,
    });
  }

  /**
   * Enables a recurring run. On the Pipelab engine the period it was disabled is not backfilled:
   * the next run is its first fire time from now.
   */
  enable(recurringRunId: string, options: RequestOptions = {}): Promise<void> {
    return this.action(recurringRunId, 'enable', options);
  }

  /** Disables a recurring run; its runs already going go on. */
  disable(recurringRunId: string, options: RequestOptions = {}): Promise<void> {
    return this.action(recurringRunId, 'disable', options);
  }

  /** Deletes a recurring run; its runs are kept. */
  async delete(recurringRunId: string, options: RequestOptions = {}): Promise<void> {
    await this.connection.json({
      method: 'DELETE',
      path: `${BASE}/${segment(recurringRunId, 'recurringRunId')}`,
      signal: options.signal,
    });
  }

  /**
   * Edits a recurring run in place — **Pipelab engine only** (`PATCH`, or `POST …:update`):
   * what the options give changes, its runs going on are left alone.
   *
   * @throws {@link EngineOnlyError} against Kubeflow Pipelines, which cannot edit one.
   */
  async update<C extends string>(
    recurringRunId: string,
    options: UpdateRecurringRunOptions<C>,
  ): Promise<PipelabRecurringRun> {
    const where = 'recurringRuns.update';
    const id = segment(recurringRunId, 'recurringRunId');
    if (typeof options !== 'object' || options === null) {
      throw new ClientOptionsError(where, `${where} needs an options object.`);
    }
    if (this.connection.viaKubernetes) {
      throw new EngineOnlyError(UPDATE_OPERATION, this.connection.endpoint, UPDATE_ADVICE);
    }
    const body: PipelabRecurringRun = {};
    if (options.displayName !== undefined) body.display_name = options.displayName;
    if (options.description !== undefined) body.description = options.description;
    checkOneExperiment(options, where);
    const experimentId = await experimentIdOf(this.experiments, options);
    if (experimentId !== undefined) body.experiment_id = experimentId;
    if (options.trigger !== undefined) {
      body.trigger = buildTrigger(options.trigger as TriggerOptions, `${where}.trigger`).body;
    }
    if (options.maxConcurrency !== undefined) {
      body.max_concurrency = String(
        checkMaxConcurrency(options.maxConcurrency, `${where}.maxConcurrency`),
      );
    }
    if (options.noCatchup !== undefined) body.no_catchup = options.noCatchup;
    if (options.enabled !== undefined) body.mode = options.enabled ? 'ENABLE' : 'DISABLE';
    if (options.serviceAccount !== undefined) body.service_account = options.serviceAccount;
    if (options.maxConsecutiveFailures !== undefined) {
      body.max_consecutive_failures = checkMaxFailures(
        options.maxConsecutiveFailures,
        `${where}.maxConsecutiveFailures`,
      );
    }
    checkOnePipeline(options, where, false);
    const source = pipelineOf(options, where);
    if (source !== undefined) {
      Object.assign(body, pipelineFields(await source.spec, source.ref, undefined));
    }
    if (options.parameters !== undefined || options.pipelineRoot !== undefined) {
      // runtime_config is replaced as a whole: keep the half that is not being changed.
      let current: V2beta1RuntimeConfig = {};
      if (options.parameters === undefined || options.pipelineRoot === undefined) {
        current = (await this.get(recurringRunId, options)).runtime_config ?? {};
      }
      const root = options.pipelineRoot ?? current.pipeline_root;
      body.runtime_config = {
        parameters: { ...(options.parameters ?? current.parameters ?? {}) },
        ...(root !== undefined && root !== '' ? { pipeline_root: root } : {}),
      };
    }
    const request = (method: 'PATCH' | 'POST', path: string) =>
      this.connection.json<PipelabRecurringRun>({
        method,
        path,
        json: body,
        signal: options.signal,
      });
    try {
      return await request('PATCH', `${BASE}/${id}`);
    } catch (error) {
      if (!missingOperation(error, true)) throw error;
    }
    try {
      return await request('POST', `${BASE}/${id}:update`);
    } catch (error) {
      if (!missingOperation(error, true)) throw error;
      throw new EngineOnlyError(UPDATE_OPERATION, this.connection.endpoint, UPDATE_ADVICE, {
        cause: error,
      });
    }
  }

  /**
   * The next fire times of a trigger, or of an existing recurring run (by id): the engine's
   * `POST /apis/v2beta1/recurringruns:preview`. Against Kubeflow Pipelines they are computed
   * here, with the same rules (in UTC, as KFP reads cron).
   */
  async preview<C extends string>(
    target: TriggerOptions<C> | string,
    options: PreviewOptions = {},
  ): Promise<Date[]> {
    const where = 'recurringRuns.preview';
    const count = options.count ?? 5;
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      throw new ClientOptionsError(
        `${where}.count`,
        `${where}.count must be a whole number from 1 to 1000; got ${String(count)}.`,
      );
    }
    const from = options.from === undefined ? undefined : timeText(options.from, `${where}.from`);
    let trigger: ResolvedTrigger | undefined;
    const body: Record<string, unknown> = { count, ...(from !== undefined ? { from } : {}) };
    if (typeof target === 'string') {
      segment(target, 'recurringRunId');
      body.recurring_run_id = target;
    } else {
      const built = buildTrigger(target as TriggerOptions, `${where}.trigger`);
      trigger = built.resolved;
      body.trigger = built.body;
    }
    if (!this.connection.viaKubernetes) {
      try {
        const response = await this.connection.json<PreviewRecurringRunResponse>({
          method: 'POST',
          path: `${BASE}:preview`,
          json: body,
          signal: options.signal,
        });
        return (response.fire_times ?? []).map((t) => new Date(t));
      } catch (error) {
        if (!missingOperation(error, true)) throw error;
      }
    }
    let anchor: Date | undefined;
    if (trigger === undefined) {
      const existing = await this.get(target as string, options);
      anchor = existing.created_at !== undefined ? new Date(existing.created_at) : undefined;
      try {
        trigger = buildTrigger(fromApiTrigger(existing.trigger ?? {}), `${where}.trigger`).resolved;
      } catch (error) {
        throw new ClientOptionsError(
          where,
          `recurring run '${target as string}' has a trigger this client cannot read: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    try {
      return previewFireTimes(trigger, {
        count,
        ...(from !== undefined ? { from: new Date(from) } : {}),
        ...(anchor !== undefined ? { anchor } : {}),
      });
    } catch (error) {
      if (error instanceof ScheduleError) {
        throw new ClientOptionsError(where, error.message, { cause: error });
      }
      throw error;
    }
  }
}

/** A trigger as the API writes it, back into options. */
export function fromApiTrigger(trigger: PipelabTrigger): TriggerOptions {
  const window = (t: { start_time?: string; end_time?: string }) => ({
    ...(t.start_time !== undefined ? { startTime: t.start_time } : {}),
    ...(t.end_time !== undefined ? { endTime: t.end_time } : {}),
  });
  const cron = trigger.cron_schedule;
  if (cron?.cron !== undefined) {
    return {
      cron: cron.cron,
      ...window(cron),
      ...(cron.time_zone !== undefined ? { timeZone: cron.time_zone } : {}),
    };
  }
  const periodic = trigger.periodic_schedule;
  return {
    intervalSecond: Number(periodic?.interval_second),
    ...window(periodic ?? {}),
  };
}
