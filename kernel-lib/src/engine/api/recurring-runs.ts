/**
 * RecurringRunService: create, get, list, enable, disable and delete recurring runs, as KFP —
 * plus Pipelab's additions (API.md): editing one in place (`PATCH`, or `POST …:update`), a
 * preview of fire times (`POST …:preview`), and re-enabling without backfill. Every change is
 * one transaction, then the scheduler is told to plan the recurring run again.
 */
import { randomUUID } from 'node:crypto';
import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import { lastFireTimeOnEnable } from '../schedule/catchup';
import { previewFireTimes, type ResolvedTrigger } from '../schedule/trigger';
import {
  RECURRING_RUN_FIELDS,
  type RecurringRunChanges,
  type RecurringRunRow,
} from '../store/recurring-runs';
import type { EngineContext } from './context';
import { toApiRecurringRun } from './convert';
import { readJson } from './http';
import { decodeMessage, requireString, str, sub, type Decoded } from './input';
import { nextPageToken, parseListQuery } from './list-options';
import { PREVIEW_REQUEST, RECURRING_RUN } from './messages';
import { pruneTop, timestamp } from './proto-json';
import {
  FIELD,
  experimentOf,
  parseMaxConcurrency,
  parseMaxFailures,
  parseMode,
  parseRuntimeConfig,
  parseSource,
  parseTrigger,
  setsSource,
  type ParsedSource,
} from './recurring-run-input';
import type { RequestContext, Router } from './router';

const BASE = '/apis/v2beta1/recurringruns';

/** How many fire times a preview lists unless told. */
const DEFAULT_PREVIEW_COUNT = 5;

function view(engine: EngineContext, row: RecurringRunRow, lastRun = latestRun(engine, row)) {
  return toApiRecurringRun(row, {
    nextFireTime: engine.scheduler.nextFireTime(row),
    lastRun,
  });
}

function latestRun(engine: EngineContext, row: RecurringRunRow) {
  return engine.store.runs.latestOfRecurringRuns([row.id]).get(row.id);
}

/** The source of an existing recurring run, as a request would name it (to check parameters). */
function currentSource(engine: EngineContext, row: RecurringRunRow): ParsedSource {
  if (row.pipeline_spec !== null) {
    return parseSource(engine, { pipeline_spec: JSON.parse(row.pipeline_spec) as unknown });
  }
  return parseSource(engine, {
    pipeline_version_reference: {
      pipeline_id: row.pipeline_id,
      ...(row.pipeline_version_id !== '' ? { pipeline_version_id: row.pipeline_version_id } : {}),
    },
  });
}

/** Creates a recurring run from a decoded request. */
function create(engine: EngineContext, body: Decoded): RecurringRunRow {
  const displayName = requireString(body, 'display_name', FIELD);
  const trigger = parseTrigger(sub(body, 'trigger'), `${FIELD}.trigger`);
  const maxConcurrency = parseMaxConcurrency(body.max_concurrency);
  const maxFailures = parseMaxFailures(body.max_consecutive_failures);
  const experimentId = experimentOf(engine, str(body, 'experiment_id'));
  const source = parseSource(engine, body);
  const config = parseRuntimeConfig(
    engine,
    sub(body, 'runtime_config'),
    source.spec,
    trigger.resolved,
  );
  const mode = parseMode(body.mode);
  return engine.store.recurringRuns.insert(
    {
      id: randomUUID(),
      display_name: displayName,
      description: str(body, 'description'),
      experiment_id: experimentId,
      pipeline_id: source.pipelineId,
      pipeline_version_id: source.versionId,
      pipeline_spec: source.specText,
      runtime_config: JSON.stringify(config),
      service_account: str(body, 'service_account'),
      trigger: JSON.stringify(trigger.stored),
      max_concurrency: maxConcurrency,
      no_catchup: body.no_catchup === true,
      mode,
      max_consecutive_failures: maxFailures,
      last_fire_at: null,
    },
    engine.now().getTime(),
  );
}

/** Applies an edit (`PATCH`): the fields the request sets; runs in flight are left alone. */
function update(engine: EngineContext, row: RecurringRunRow, body: Decoded): RecurringRunRow {
  const { store } = engine;
  const now = engine.now();
  const given = str(body, 'recurring_run_id');
  if (given !== '' && given !== row.id) {
    throw new InvalidArgumentError(
      `${FIELD}.recurring_run_id '${given}' is not the recurring run edited ('${row.id}'): leave it out or make them equal.`,
      { field: `${FIELD}.recurring_run_id` },
    );
  }
  const changes: RecurringRunChanges = {};
  if (body.display_name !== undefined) {
    changes.display_name = requireString(body, 'display_name', FIELD);
  }
  if (body.description !== undefined) changes.description = str(body, 'description');
  if (body.service_account !== undefined) changes.service_account = str(body, 'service_account');
  let trigger: ResolvedTrigger = engine.scheduler.triggerOf(row);
  if (body.trigger !== undefined) {
    const parsed = parseTrigger(sub(body, 'trigger'), `${FIELD}.trigger`);
    trigger = parsed.resolved;
    const text = JSON.stringify(parsed.stored);
    if (text !== row.trigger) {
      changes.trigger = text;
      // The new trigger applies from now on: its fire times before the edit are not backfilled.
      changes.last_fire_at = lastFireTimeOnEnable(
        now,
        row.last_fire_at === null ? undefined : new Date(row.last_fire_at),
      ).getTime();
    }
  }
  if (body.max_concurrency !== undefined) {
    changes.max_concurrency = parseMaxConcurrency(body.max_concurrency);
  }
  if (body.no_catchup !== undefined) changes.no_catchup = body.no_catchup === true ? 1 : 0;
  if (body.max_consecutive_failures !== undefined) {
    changes.max_consecutive_failures = parseMaxFailures(body.max_consecutive_failures);
  }
  const experimentId = str(body, 'experiment_id');
  if (experimentId !== '' && experimentId !== row.experiment_id) {
    changes.experiment_id = experimentOf(engine, experimentId);
  }
  const newSource = setsSource(body) ? parseSource(engine, body) : undefined;
  if (newSource !== undefined) {
    changes.pipeline_id = newSource.pipelineId;
    changes.pipeline_version_id = newSource.versionId;
    changes.pipeline_spec = newSource.specText;
  }
  if (newSource !== undefined || body.runtime_config !== undefined) {
    const source = newSource ?? currentSource(engine, row);
    const config =
      body.runtime_config !== undefined
        ? sub(body, 'runtime_config')
        : (JSON.parse(row.runtime_config) as Decoded);
    changes.runtime_config = JSON.stringify(
      parseRuntimeConfig(engine, config, source.spec, trigger),
    );
  }
  return store.db.transaction(() => {
    let updated = store.recurringRuns.update(row.id, changes, now.getTime());
    if (body.mode === 'ENABLE' || body.mode === 'DISABLE') {
      setMode(engine, updated, body.mode === 'ENABLE');
      updated = store.recurringRuns.require(row.id);
    }
    return updated;
  })();
}

/** Enables (without backfilling the disabled period) or disables a recurring run. */
function setMode(engine: EngineContext, row: RecurringRunRow, enable: boolean): void {
  const { store } = engine;
  const now = engine.now();
  if (!enable) {
    store.recurringRuns.disable(row.id, null, now.getTime());
    return;
  }
  if (row.mode === 'ENABLE') return;
  const experiment = store.experiments.get(row.experiment_id);
  if (experiment?.storage_state === 'ARCHIVED') {
    throw new FailedPreconditionError(
      `recurring run '${row.id}' is in archived experiment '${experiment.id}'; unarchive the experiment first.`,
      { resourceType: 'recurring_run', resourceName: row.id },
    );
  }
  const lastFire = lastFireTimeOnEnable(
    now,
    row.last_fire_at === null ? undefined : new Date(row.last_fire_at),
  );
  store.recurringRuns.enable(row.id, lastFire.getTime(), now.getTime());
}

function preview(engine: EngineContext, body: Decoded): { fire_times: string[] } {
  const id = str(body, 'recurring_run_id');
  const count = typeof body.count === 'number' && body.count !== 0 ? body.count : undefined;
  const from = body.from instanceof Date ? body.from : engine.now();
  let trigger: ResolvedTrigger;
  let anchor: Date | undefined;
  if (id !== '') {
    if (body.trigger !== undefined) {
      throw new InvalidArgumentError('give trigger or recurring_run_id, not both.', {
        field: 'trigger',
      });
    }
    const row = engine.store.recurringRuns.require(id);
    trigger = engine.scheduler.triggerOf(row);
    anchor = new Date(row.anchor_at);
  } else {
    trigger = parseTrigger(sub(body, 'trigger'), 'trigger').resolved;
  }
  // A bad count throws a ScheduleError, which the API answers 400 (see toApiError).
  const times = previewFireTimes(trigger, {
    from,
    count: count ?? DEFAULT_PREVIEW_COUNT,
    ...(anchor !== undefined ? { anchor } : {}),
  });
  return { fire_times: times.map((t) => timestamp(t.getTime()) ?? '') };
}

export function recurringRunRoutes(router: Router, engine: EngineContext): void {
  const { store, scheduler } = engine;
  const decode = async (req: RequestContext['req']) =>
    decodeMessage(RECURRING_RUN, await readJson(req, FIELD), FIELD);

  router.add('POST', BASE, async ({ req }) => {
    const row = create(engine, await decode(req));
    scheduler.refresh(row.id);
    return view(engine, row, undefined);
  });

  router.add('GET', BASE, ({ query }) => {
    const experimentId = query.get('experiment_id') ?? '';
    const target = {
      resource: 'recurringruns',
      scope: experimentId === '' ? '' : `experiment_id=${experimentId}`,
    };
    const list = parseListQuery(query, RECURRING_RUN_FIELDS, target, engine.pageTokens);
    const page = store.recurringRuns.list(list, experimentId === '' ? undefined : experimentId);
    const latest = store.runs.latestOfRecurringRuns(page.rows.map((r) => r.id));
    return pruneTop({
      // The KFP proto names this field in camelCase, so its JSON (and swagger) does too.
      recurringRuns: page.rows.map((row) => view(engine, row, latest.get(row.id))),
      total_size: page.total,
      next_page_token: nextPageToken(list, page, target, engine.pageTokens),
    });
  });

  router.add('POST', `${BASE}:preview`, async ({ req }) =>
    preview(engine, decodeMessage(PREVIEW_REQUEST, await readJson(req, 'preview'), 'preview')),
  );

  router.add('GET', `${BASE}/{recurring_run_id}`, ({ params }) =>
    view(engine, store.recurringRuns.require(params.recurring_run_id ?? '')),
  );

  const edit = async ({ req, params }: RequestContext) => {
    const row = store.recurringRuns.require(params.recurring_run_id ?? '');
    const updated = update(engine, row, await decode(req));
    scheduler.refresh(updated.id);
    return view(engine, updated);
  };
  router.add('PATCH', `${BASE}/{recurring_run_id}`, edit);
  router.add('POST', `${BASE}/{recurring_run_id}:update`, edit);

  router.add('DELETE', `${BASE}/{recurring_run_id}`, ({ params }) => {
    const id = params.recurring_run_id ?? '';
    store.recurringRuns.delete(id);
    scheduler.refresh(id);
    return {};
  });

  router.add('POST', `${BASE}/{recurring_run_id}:enable`, ({ params }) => {
    const row = store.recurringRuns.require(params.recurring_run_id ?? '');
    setMode(engine, row, true);
    scheduler.refresh(row.id);
    return {};
  });

  router.add('POST', `${BASE}/{recurring_run_id}:disable`, ({ params }) => {
    const row = store.recurringRuns.require(params.recurring_run_id ?? '');
    setMode(engine, row, false);
    scheduler.refresh(row.id);
    return {};
  });
}
