/**
 * Node only: the `pipelab run` and `pipelab runs …` commands, as functions of their arguments
 * and an {@link CliIo}, returning the exit code (so they run in-process in tests).
 *
 *   pipelab run <pipeline.yaml|.json|.tar.gz|module.ts> [--param k=v]… [--experiment name]
 *               [--name run-name] [--no-wait] [--endpoint url]
 *   pipelab runs list|get|wait|logs|terminate|retry …
 *
 * Exit codes: 0 done (the run SUCCEEDED, when waited for); 1 the run failed, was canceled or
 * the wait timed out, or the server refused; 2 wrong usage.
 */
import * as path from 'node:path';
import { UsageError } from '../errors';
import {
  CONNECTION_HELP,
  LIST_OPTIONS,
  clientOf,
  dispatch,
  guarded,
  json,
  listCommand,
  oneId,
  parameterLines,
  parseFlags,
  positiveInt,
  seconds,
  signalOf,
  table,
  time,
  type CliIo,
} from './cli-kit';
import { RUN_OPTIONS, loadSpec, parseRunParams, runOptionsOf } from './cli-pipeline';
import type { Client } from './client';
import { RunTimeoutError } from './errors';
import { failedTasks, findTask, isSucceeded, taskDetails } from './run-helpers';
import type { V2beta1Run } from './types';

export type { CliIo } from './cli-kit';

export const RUN_USAGE = `Usage: pipelab run <pipeline> [options]
  Runs a pipeline: a compiled file (.yaml, .json, .tar.gz) or a module (.ts, .js) exporting one.
  Prints the run's link, waits for it to end, and exits non-zero if it did not succeed.

      --param <key=value>     a pipeline parameter (repeatable); the value is read as the
                              parameter's type (JSON for lists and structs)
      --experiment <name>     the experiment (created when missing; default: the server's)
      --name <run name>       the run's name (default: "<pipeline> <date time>")
      --description <text>    the run's description
      --pipeline <export>     the export to run when a module exports several pipelines
      --pipeline-root <uri>   where the run's artifacts go (default: the server's)
      --no-cache              run every task, even those whose outputs are cached
      --no-wait               print the link and return at once
      --timeout <seconds>     stop waiting after this long (the run goes on)
${CONNECTION_HELP}`;

export const RUNS_USAGE = `Usage: pipelab runs <command> [options]
  list [--experiment <name> | --experiment-id <id>] [--filter <json>] [--sort "<field> [asc|desc]"]
       [--limit <n>] [--json]         the latest runs (default: 20, newest first)
  get <run-id> [--json]               a run and its tasks
  wait <run-id> [--timeout <seconds>] wait for a run to end; non-zero unless it SUCCEEDED
  logs <run-id> <task> [--follow] [--attempt <n>]
                                      a task's log (embedded engine only); <task> is its name or id
  terminate <run-id>                  stop a run
  retry <run-id>                      re-run a failed run's unfinished tasks
${CONNECTION_HELP}`;

function elapsed(run: V2beta1Run): string {
  if (run.created_at === undefined || run.finished_at === undefined) return '';
  const ms = Date.parse(run.finished_at) - Date.parse(run.created_at);
  return Number.isFinite(ms) && ms >= 0 ? ` in ${(ms / 1000).toFixed(1)} s` : '';
}

/** Writes how the run ended; returns the exit code. */
function report(run: V2beta1Run, io: CliIo): number {
  const id = run.run_id ?? '?';
  if (isSucceeded(run)) {
    io.stdout.write(`run ${id} ${run.state ?? ''}${elapsed(run)}\n`);
    return 0;
  }
  io.stderr.write(`run ${id} ended ${run.state ?? 'UNKNOWN'}${elapsed(run)}\n`);
  if (run.error?.message) io.stderr.write(`  ${run.error.message}\n`);
  for (const task of failedTasks(run)) {
    io.stderr.write(
      `  task ${task.display_name ?? task.task_id ?? '?'} FAILED${task.error?.message ? `: ${task.error.message}` : ''}\n`,
    );
  }
  return 1;
}

async function waitAndReport(
  client: Client,
  runId: string,
  timeoutMs: number | undefined,
  io: CliIo,
): Promise<number> {
  try {
    const run = await client.runs.wait(runId, {
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...signalOf(io),
      pollIntervalMs: io.pollIntervalMs ?? 1000,
      onUpdate: (r) => {
        if (r.state !== undefined) io.stdout.write(`  ${r.state}\n`);
      },
    });
    return report(run, io);
  } catch (error) {
    if (error instanceof RunTimeoutError) {
      io.stderr.write(`pipelab: ${error.message}\n  wait again with: pipelab runs wait ${runId}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * `pipelab run <pipeline> …`: creates a run, prints its link, waits unless `--no-wait`.
 *
 * @param argv - The arguments after `run`.
 * @returns The exit code.
 */
export function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  return guarded(io, RUN_USAGE, async () => {
    const { values, positionals } = parseFlags(argv, {
      ...RUN_OPTIONS,
      pipeline: { type: 'string' },
      'no-cache': { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(RUN_USAGE);
      return 0;
    }
    const file = positionals[0];
    if (positionals.length !== 1 || file === undefined) {
      throw new UsageError('run takes one pipeline: a compiled file or a module.');
    }
    const timeoutMs = seconds(values.timeout, 'timeout');
    const spec = await loadSpec(path.resolve(file), values.pipeline);
    const parameters = parseRunParams(values.param ?? [], spec);
    const client = clientOf(values, io);
    const handle = await client.runs.create({
      pipelineSpec: spec,
      parameters,
      ...runOptionsOf(values, io),
      ...(values['no-cache'] ? { enableCaching: false } : {}),
    });
    io.stdout.write(
      `run ${handle.id} created (${handle.run?.display_name ?? spec.pipelineInfo.name})\n${handle.link}\n`,
    );
    if (values['no-wait']) return 0;
    return waitAndReport(client, handle.id, timeoutMs, io);
  });
}

function describeRun(run: V2beta1Run, link: string): string {
  const lines = [
    `run:         ${run.run_id ?? ''}`,
    `name:        ${run.display_name ?? ''}`,
    `state:       ${run.state ?? ''}`,
    `experiment:  ${run.experiment_id ?? ''}`,
    `created:     ${time(run.created_at)}`,
    ...(run.finished_at !== undefined ? [`finished:    ${time(run.finished_at)}`] : []),
    `link:        ${link}`,
    ...(run.error?.message ? [`error:       ${run.error.message}`] : []),
    ...parameterLines(run.runtime_config?.parameters),
  ];
  const tasks = taskDetails(run);
  let text = `${lines.join('\n')}\n`;
  if (tasks.length > 0) {
    text += `tasks:\n${table([
      ['  TASK', 'STATE', 'TASK ID'],
      ...tasks.map((t) => [`  ${t.display_name ?? ''}`, t.state ?? '', t.task_id ?? '']),
    ])}`;
    for (const t of tasks) {
      if (t.error?.message) text += `  ${t.display_name ?? t.task_id ?? '?'}: ${t.error.message}\n`;
    }
  }
  return text;
}

function runsList(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, {
    ...LIST_OPTIONS,
    filter: { type: 'string' },
    sort: { type: 'string' },
  });
  const { filter, sort } = parsed.values;
  return listCommand<V2beta1Run>(
    {
      command: 'runs list',
      defaultLimit: 20,
      none: 'no runs',
      header: ['RUN ID', 'STATE', 'CREATED', 'NAME'],
      row: (r) => [r.run_id ?? '', r.state ?? '', time(r.created_at), r.display_name ?? ''],
      items: (client, options) =>
        client.runs.iterate({
          ...options,
          ...(sort !== undefined ? { sortBy: sort } : {}),
          ...(filter !== undefined ? { filter } : {}),
        }),
    },
    parsed,
    io,
  );
}

/** The one run id of `runs <command>`. */
function oneRunId(positionals: readonly string[], command: string): string {
  return oneId(positionals, `runs ${command}`, 'run id');
}

async function runsGet(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: 'boolean' } });
  const id = oneRunId(positionals, 'get');
  const client = clientOf(values, io);
  const run = await client.runs.get(id);
  io.stdout.write(values.json ? json(run) : describeRun(run, client.runs.link(id)));
  return 0;
}

async function runsWait(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { timeout: { type: 'string' } });
  const id = oneRunId(positionals, 'wait');
  const timeoutMs = seconds(values.timeout, 'timeout');
  return waitAndReport(clientOf(values, io), id, timeoutMs, io);
}

async function runsLogs(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    follow: { type: 'boolean', short: 'f' },
    attempt: { type: 'string' },
  });
  const [runId, task] = positionals;
  if (positionals.length !== 2 || runId === undefined || task === undefined) {
    throw new UsageError('runs logs takes a run id and a task (its name or id).');
  }
  const attempt = positiveInt(values.attempt, 'attempt');
  const client = clientOf(values, io);
  // A task name is resolved to its id from the run's details, so the request is KFP's shape.
  const taskId = findTask(await client.runs.get(runId), task)?.task_id ?? task;
  const options = { ...(attempt !== undefined ? { attempt } : {}), ...signalOf(io) };
  if (values.follow) {
    for await (const chunk of client.runs.logs(runId, taskId, { ...options, follow: true })) {
      io.stdout.write(chunk);
    }
  } else {
    io.stdout.write(await client.runs.logs(runId, taskId, options));
  }
  return 0;
}

async function runsAction(
  args: string[],
  io: CliIo,
  action: 'terminate' | 'retry',
): Promise<number> {
  const { values, positionals } = parseFlags(args, {});
  const id = oneRunId(positionals, action);
  const client = clientOf(values, io);
  await client.runs[action](id);
  io.stdout.write(
    `${action === 'terminate' ? 'terminating' : 'retrying'} run ${id}\n${client.runs.link(id)}\n`,
  );
  return 0;
}

/**
 * `pipelab runs <list|get|wait|logs|terminate|retry> …`.
 *
 * @param argv - The arguments after `runs`.
 * @returns The exit code.
 */
export function runsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  return dispatch(
    'runs',
    RUNS_USAGE,
    {
      list: runsList,
      get: runsGet,
      wait: runsWait,
      logs: runsLogs,
      terminate: (args, io) => runsAction(args, io, 'terminate'),
      retry: (args, io) => runsAction(args, io, 'retry'),
    },
    argv,
    io,
  );
}
