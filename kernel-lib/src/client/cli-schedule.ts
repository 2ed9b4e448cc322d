/**
 * Node only: `pipelab schedule …`, recurring runs from the command line, as a function of its
 * arguments and a {@link CliIo} returning the exit code (so it runs in-process in tests).
 *
 *   pipelab schedule create <pipeline> --name <name> (--cron '0 0 3 * * *' | --every 1h) …
 *   pipelab schedule list|get|enable|disable|update|delete|preview …
 *
 * Exit codes: 0 done; 1 the server refused (the message says why); 2 wrong usage.
 */
import * as path from 'node:path';
import type { PipelineSpec } from '../compiler/spec';
import { UsageError } from '../errors';
import {
  CONNECTION_HELP,
  LIST_OPTIONS,
  clientOf,
  dispatch,
  json,
  listCommand,
  notBoth,
  oneId,
  parameterLines,
  parseFlags,
  positiveInt,
  signalOf,
  time,
  wholeNumber,
  type CliIo,
} from './cli-kit';
import { RUN_OPTIONS, loadSpec, parseRunParams, runOptionsOf } from './cli-pipeline';
import type { Client } from './client';
import { fromApiTrigger } from './recurring-runs';
import type { CreateRecurringRunOptions, TriggerOptions } from './schedule-types';
import type { JsonValue, PipelabRecurringRun } from './types';

export const SCHEDULE_USAGE = `Usage: pipelab schedule <command> [options]
  create <pipeline> --name <name> <trigger> [options]
                              schedule a pipeline: a compiled file (.yaml, .json, .tar.gz) or a
                              module (.ts, .js); or --pipeline-id <id> [--version-id <id>] for an
                              uploaded pipeline (no version: its latest version at each run)
  list [--experiment <name> | --experiment-id <id>] [--limit <n>] [--json]
  get <id> [--json]                 a recurring run, its next fire time and last run
  enable <id>                       enable (the disabled period is not backfilled)
  disable <id>                      disable (runs going on go on)
  update <id> [<trigger>] [options] edit in place (Pipelab engine only)
  delete <id>                       delete (its runs are kept)
  preview (<trigger> | <id>) [--count <n>] [--from <time>]
                                    the next fire times

Trigger:
      --cron '<s m h dom mon dow>'  KFP's cron: 6 fields, seconds first ('0 0 3 * * *' is 03:00
                              daily), or @daily, @hourly, @every 1h30m
      --time-zone <zone>      the IANA zone the cron is read in, e.g. America/Chicago
                              (Pipelab engine only; default UTC)
      --every <duration>      an interval: 90s, 15m, 1h, 24h
      --interval <seconds>    an interval in seconds
      --start <time>          no run at or before this RFC 3339 time
      --end <time>            no run after this RFC 3339 time

Options of create and update:
      --param <key=value>     a pipeline parameter (repeatable); string values may use KFP's
                              macros [[ScheduledTime]], [[ScheduledTime.2006-01-02]], [[Index]]...
      --experiment <name>     the experiment of its runs (created when missing)
      --description <text>
      --max-concurrency <n>   runs active at once, 1-10 (default 1)
      --no-catchup            after an outage, run only the latest missed time (default: all)
      --catchup               (update) run every missed time again
      --max-failures <n>      disable after n failed runs in a row (0: never; engine only)
      --disabled              (create) create it disabled
      --enable, --disable     (update) enable or disable it
      --pipeline <export>     the export to schedule when a module exports several pipelines
      --pipeline-root <uri>   where its runs' artifacts go
      --no-cache              run every task of every run, even cached ones
      --version-id <id>       (update) run this version of its pipeline
      --latest                (update) run its pipeline's latest version at each run
      --name <name>           (update) rename it
${CONNECTION_HELP}`;

const TRIGGER_OPTIONS = {
  cron: { type: 'string' },
  'time-zone': { type: 'string' },
  every: { type: 'string' },
  interval: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
} as const;

const EDIT_OPTIONS = {
  ...TRIGGER_OPTIONS,
  ...RUN_OPTIONS,
  'max-concurrency': { type: 'string' },
  'no-catchup': { type: 'boolean' },
  'max-failures': { type: 'string' },
} as const;

interface TriggerFlags {
  cron?: string;
  'time-zone'?: string;
  every?: string;
  interval?: string;
  start?: string;
  end?: string;
}

/** The trigger the flags give, or undefined when they give none; `base` fills what is missing. */
function triggerOf(values: TriggerFlags, base?: TriggerOptions): TriggerOptions | undefined {
  const kinds = (['cron', 'every', 'interval'] as const).filter((k) => values[k] !== undefined);
  if (kinds.length > 1) {
    throw new UsageError(`give one of --cron, --every or --interval; got ${kinds.join(' and ')}.`);
  }
  const window = {
    ...(values.start !== undefined ? { startTime: values.start } : {}),
    ...(values.end !== undefined ? { endTime: values.end } : {}),
  };
  const zone = values['time-zone'];
  if (kinds.length === 0) {
    if (values.start === undefined && values.end === undefined && zone === undefined) {
      return undefined;
    }
    if (base === undefined) {
      throw new UsageError('--start, --end and --time-zone go with --cron, --every or --interval.');
    }
    if (zone !== undefined && !('cron' in base)) {
      throw new UsageError('--time-zone applies to a cron trigger only.');
    }
    return { ...base, ...window, ...(zone !== undefined ? { timeZone: zone } : {}) };
  }
  if (zone !== undefined && values.cron === undefined) {
    throw new UsageError(
      '--time-zone applies to --cron only: an interval runs every n seconds in any zone.',
    );
  }
  if (values.cron !== undefined) {
    return { cron: values.cron, ...window, ...(zone !== undefined ? { timeZone: zone } : {}) };
  }
  if (values.every !== undefined) return { every: values.every, ...window };
  const seconds = positiveInt(values.interval, 'interval');
  return { intervalSecond: seconds as number, ...window };
}

/** The numbers `--max-concurrency` and `--max-failures` give. */
function limitsOf(values: { 'max-concurrency'?: string; 'max-failures'?: string }) {
  const maxConcurrency = wholeNumber(
    values['max-concurrency'],
    '--max-concurrency takes a whole number from 1 to 10',
    (n) => n >= 1 && n <= 10,
  );
  const maxConsecutiveFailures = wholeNumber(
    values['max-failures'],
    '--max-failures takes a whole number (0: never disable)',
  );
  return {
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    ...(maxConsecutiveFailures !== undefined ? { maxConsecutiveFailures } : {}),
  };
}

/** The spec of an uploaded pipeline's version (or its latest), to read `--param` values by. */
async function versionSpec(
  client: Client,
  pipelineId: string,
  versionId: string | undefined,
): Promise<PipelineSpec> {
  const version =
    versionId !== undefined
      ? await client.pipelines.versions.get(pipelineId, versionId)
      : (
          await client.pipelines.versions.list(pipelineId, {
            sortBy: 'created_at desc',
            pageSize: 1,
          })
        ).items[0];
  if (version?.pipeline_spec === undefined) {
    throw new UsageError(`pipeline '${pipelineId}' has no version to schedule; upload one first.`);
  }
  return version.pipeline_spec as unknown as PipelineSpec;
}

/** The spec a recurring run runs now (inline, its version, or its pipeline's latest). */
async function specOfRecurringRun(client: Client, rr: PipelabRecurringRun): Promise<PipelineSpec> {
  if (rr.pipeline_spec !== undefined) return rr.pipeline_spec as unknown as PipelineSpec;
  const ref = rr.pipeline_version_reference;
  if (ref?.pipeline_id === undefined) {
    throw new UsageError(`recurring run '${rr.recurring_run_id ?? ''}' names no pipeline.`);
  }
  return versionSpec(client, ref.pipeline_id, ref.pipeline_version_id);
}

function describeTrigger(rr: PipelabRecurringRun): string {
  const cron = rr.trigger?.cron_schedule;
  if (cron?.cron !== undefined) return `cron ${cron.cron} (${cron.time_zone ?? 'UTC'})`;
  const seconds = Number(rr.trigger?.periodic_schedule?.interval_second);
  if (!Number.isFinite(seconds)) return '';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `every ${seconds / size}${unit}`;
  }
  return `every ${seconds}s`;
}

function statusOf(rr: PipelabRecurringRun): string {
  return rr.status ?? (rr.mode === 'DISABLE' ? 'DISABLED' : 'ENABLED');
}

function nextRun(rr: PipelabRecurringRun): string {
  return rr.next_fire_time !== undefined ? time(rr.next_fire_time) : '-';
}

/** How a recurring run fires now, as the create and update commands report it. */
function summary(rr: PipelabRecurringRun): string {
  return (
    `${describeTrigger(rr)}, ${statusOf(rr).toLowerCase()}` +
    `${rr.next_fire_time !== undefined ? `, next run ${nextRun(rr)}` : ''}`
  );
}

function describeRecurringRun(rr: PipelabRecurringRun): string {
  const window = rr.trigger?.cron_schedule ?? rr.trigger?.periodic_schedule;
  const last = rr.last_run;
  const lines = [
    `recurring run:   ${rr.recurring_run_id ?? ''}`,
    `name:            ${rr.display_name ?? ''}`,
    `status:          ${statusOf(rr)}${rr.disabled_reason ? ` (${rr.disabled_reason})` : ''}`,
    `trigger:         ${describeTrigger(rr)}`,
    ...(window?.start_time ? [`start:           ${time(window.start_time)}`] : []),
    ...(window?.end_time ? [`end:             ${time(window.end_time)}`] : []),
    `next run:        ${nextRun(rr)}`,
    `last run:        ${last !== undefined ? `${last.run_id ?? ''} ${last.state ?? ''} (scheduled ${time(last.scheduled_at)})` : '-'}`,
    `max concurrency: ${rr.max_concurrency ?? '1'}`,
    `catch-up:        ${rr.no_catchup === true ? 'latest missed time only' : 'every missed time'}`,
    ...(rr.max_consecutive_failures !== undefined
      ? [
          `auto-disable:    after ${rr.max_consecutive_failures} failed runs in a row (${rr.consecutive_failures ?? 0} so far)`,
        ]
      : []),
    `experiment:      ${rr.experiment_id ?? ''}`,
    `pipeline:        ${
      rr.pipeline_spec !== undefined
        ? 'inline spec'
        : `${rr.pipeline_version_reference?.pipeline_id ?? ''} (${rr.pipeline_version_reference?.pipeline_version_id ?? 'latest version'})`
    }`,
    `created:         ${time(rr.created_at)}`,
    ...parameterLines(rr.runtime_config?.parameters),
  ];
  return `${lines.join('\n')}\n`;
}

/** The one recurring run id of `schedule <command>`. */
function oneRecurringRunId(positionals: readonly string[], command: string): string {
  return oneId(positionals, `schedule ${command}`, 'recurring run id');
}

async function scheduleCreate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...EDIT_OPTIONS,
    pipeline: { type: 'string' },
    'pipeline-id': { type: 'string' },
    'version-id': { type: 'string' },
    disabled: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
  });
  const byId = values['pipeline-id'];
  if ((positionals.length === 1) === (byId !== undefined) || positionals.length > 1) {
    throw new UsageError(
      'schedule create takes one pipeline: a compiled file or a module, or --pipeline-id.',
    );
  }
  if (values.name === undefined) throw new UsageError('schedule create needs --name <name>.');
  if (values['version-id'] !== undefined && byId === undefined) {
    throw new UsageError('--version-id goes with --pipeline-id.');
  }
  const trigger = triggerOf(values);
  if (trigger === undefined) {
    throw new UsageError("schedule create needs a trigger: --cron '0 0 3 * * *' or --every 1h.");
  }
  const client = clientOf(values, io);
  const spec =
    byId !== undefined
      ? await versionSpec(client, byId, values['version-id'])
      : await loadSpec(path.resolve(positionals[0] as string), values.pipeline);
  const parameters = parseRunParams(values.param ?? [], spec);
  const options: CreateRecurringRunOptions = {
    ...runOptionsOf(values, io),
    displayName: values.name,
    trigger,
    parameters,
    ...(byId !== undefined
      ? {
          pipelineVersion: {
            pipelineId: byId,
            ...(values['version-id'] !== undefined ? { versionId: values['version-id'] } : {}),
          },
        }
      : { pipelineSpec: spec }),
    ...limitsOf(values),
    ...(values['no-catchup'] ? { noCatchup: true } : {}),
    ...(values.disabled ? { enabled: false } : {}),
    ...(values['no-cache'] ? { enableCaching: false } : {}),
  };
  const rr = await client.recurringRuns.create(options);
  io.stdout.write(
    `recurring run ${rr.recurring_run_id ?? ''} created (${rr.display_name ?? ''}): ${summary(rr)}\n`,
  );
  return 0;
}

function scheduleList(args: string[], io: CliIo): Promise<number> {
  return listCommand<PipelabRecurringRun>(
    {
      command: 'schedule list',
      defaultLimit: 50,
      none: 'no recurring runs',
      header: ['RECURRING RUN ID', 'STATUS', 'TRIGGER', 'NEXT RUN', 'LAST RUN', 'NAME'],
      row: (rr) => [
        rr.recurring_run_id ?? '',
        statusOf(rr),
        describeTrigger(rr),
        nextRun(rr),
        rr.last_run?.state ?? '-',
        rr.display_name ?? '',
      ],
      items: (client, options) => client.recurringRuns.iterate(options),
    },
    parseFlags(args, LIST_OPTIONS),
    io,
  );
}

async function scheduleGet(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } });
  const id = oneRecurringRunId(positionals, 'get');
  const rr = await clientOf(values, io).recurringRuns.get(id);
  io.stdout.write(values.json ? json(rr) : describeRecurringRun(rr));
  return 0;
}

async function scheduleAction(
  args: string[],
  io: CliIo,
  action: 'enable' | 'disable' | 'delete',
): Promise<number> {
  const { values, positionals } = parseFlags(args, {});
  const id = oneRecurringRunId(positionals, action);
  await clientOf(values, io).recurringRuns[action](id);
  const done = { enable: 'enabled', disable: 'disabled', delete: 'deleted' }[action];
  io.stdout.write(`recurring run ${id} ${done}\n`);
  return 0;
}

async function scheduleUpdate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...EDIT_OPTIONS,
    catchup: { type: 'boolean' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
    'version-id': { type: 'string' },
    latest: { type: 'boolean' },
  });
  const id = oneRecurringRunId(positionals, 'update');
  notBoth(values, 'catchup', 'no-catchup');
  notBoth(values, 'enable', 'disable');
  notBoth(values, 'version-id', 'latest');
  const client = clientOf(values, io);
  let current: PipelabRecurringRun | undefined;
  const load = async (): Promise<PipelabRecurringRun> => {
    current ??= await client.recurringRuns.get(id);
    return current;
  };
  const needsBase =
    values.cron === undefined && values.every === undefined && values.interval === undefined;
  const base =
    needsBase && (values.start ?? values.end ?? values['time-zone']) !== undefined
      ? fromApiTrigger((await load()).trigger ?? {})
      : undefined;
  const trigger = triggerOf(values, base);
  let pipelineVersion: { pipelineId: string; versionId?: string } | undefined;
  if (values['version-id'] !== undefined || values.latest) {
    const pipelineId = (await load()).pipeline_version_reference?.pipeline_id;
    if (pipelineId === undefined) {
      throw new UsageError(
        '--version-id and --latest choose a version of an uploaded pipeline; this recurring run has an inline spec.',
      );
    }
    pipelineVersion = {
      pipelineId,
      ...(values['version-id'] !== undefined ? { versionId: values['version-id'] } : {}),
    };
  }
  let parameters: Record<string, JsonValue> | undefined;
  if (values.param !== undefined) {
    const rr = await load();
    const spec =
      pipelineVersion !== undefined
        ? await versionSpec(client, pipelineVersion.pipelineId, pipelineVersion.versionId)
        : await specOfRecurringRun(client, rr);
    parameters = {
      ...(rr.runtime_config?.parameters ?? {}),
      ...parseRunParams(values.param, spec),
    };
  }
  const rr = await client.recurringRuns.update(id, {
    ...runOptionsOf(values, io),
    ...(trigger !== undefined ? { trigger } : {}),
    ...limitsOf(values),
    ...(values['no-catchup'] ? { noCatchup: true } : values.catchup ? { noCatchup: false } : {}),
    ...(values.enable ? { enabled: true } : values.disable ? { enabled: false } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
    ...(pipelineVersion !== undefined ? { pipelineVersion } : {}),
  });
  io.stdout.write(`recurring run ${id} updated: ${summary(rr)}\n`);
  return 0;
}

async function schedulePreview(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...TRIGGER_OPTIONS,
    count: { type: 'string' },
    from: { type: 'string' },
    json: { type: 'boolean' },
  });
  const trigger = triggerOf(values);
  if ((trigger === undefined) === (positionals.length === 0) || positionals.length > 1) {
    throw new UsageError(
      "schedule preview takes a trigger (--cron '0 0 3 * * *', --every 1h...) or one recurring run id.",
    );
  }
  const count = positiveInt(values.count, 'count') ?? 5;
  const client = clientOf(values, io);
  const times = await client.recurringRuns.preview(trigger ?? (positionals[0] as string), {
    count,
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...signalOf(io),
  });
  if (values.json) {
    io.stdout.write(`${JSON.stringify(times.map((t) => t.toISOString()))}\n`);
    return 0;
  }
  const zone = trigger !== undefined && 'cron' in trigger ? trigger.timeZone : undefined;
  for (const t of times) {
    const local =
      zone !== undefined && zone !== 'UTC'
        ? `  (${t.toLocaleString('en-CA', { timeZone: zone, hour12: false, timeZoneName: 'short' })})`
        : '';
    io.stdout.write(`${time(t.toISOString())}${local}\n`);
  }
  if (times.length === 0) io.stdout.write('no fire time: the trigger has ended\n');
  return 0;
}

/**
 * `pipelab schedule <create|list|get|enable|disable|update|delete|preview> …`.
 *
 * @param argv - The arguments after `schedule`.
 * @returns The exit code.
 */
export function scheduleCommand(argv: readonly string[], io: CliIo): Promise<number> {
  return dispatch(
    'schedule',
    SCHEDULE_USAGE,
    {
      create: scheduleCreate,
      list: scheduleList,
      get: scheduleGet,
      enable: (args, io) => scheduleAction(args, io, 'enable'),
      disable: (args, io) => scheduleAction(args, io, 'disable'),
      delete: (args, io) => scheduleAction(args, io, 'delete'),
      update: scheduleUpdate,
      preview: schedulePreview,
    },
    argv,
    io,
  );
}
