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
import { parseArgs } from 'node:util';
import type { ParameterSpec, PipelineSpec } from '../compiler/spec';
import { PipelabError, UsageError } from '../errors';
import { Client, type ClientOptions } from './client';
import { engineDataDir } from '../defaults';
import { DEFAULT_ENDPOINT, normalizeEndpoint } from './connection';
import { RunTimeoutError } from './errors';
import { failedTasks, findTask, isSucceeded, taskDetails } from './run-helpers';
import type { Env } from './auth';
import type { JsonValue, V2beta1Run } from './types';

/** Where a command writes, and the environment it reads. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** `PIPELAB_ENDPOINT`, `PIPELAB_ENGINE_DATA`, `PIPELAB_HOME`, tokens… */
  readonly env: Env;
  /** Stops waiting (Ctrl-C); the run goes on. @default none */
  readonly signal?: AbortSignal;
  /** How often a wait looks at the run, in ms. @default 1000 */
  readonly pollIntervalMs?: number;
}

export const CONNECTION_HELP = `Connection options (all commands):
      --endpoint <url>        the server (default: $PIPELAB_ENDPOINT, else ${DEFAULT_ENDPOINT})
      --token-file <file>     a file holding the bearer token (default: $PIPELAB_TOKEN,
                              $KF_PIPELINES_TOKEN, $KF_PIPELINES_SA_TOKEN_PATH)
      --data-dir <dir>        the embedded engine's data directory, whose token file is sent
                              (default: $PIPELAB_ENGINE_DATA, else ~/.pipelab/engine when the
                              endpoint is on this machine and no other token is configured)
`;

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

export const CONNECTION_OPTIONS = {
  endpoint: { type: 'string' },
  'token-file': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MODULE = /\.(c|m)?(t|j)sx?$/i;

const ENV_TOKENS = ['PIPELAB_TOKEN', 'KF_PIPELINES_TOKEN', 'KF_PIPELINES_SA_TOKEN_PATH'] as const;

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/**
 * The client of a command. The engine's token file is used when asked for (`--data-dir`,
 * `$PIPELAB_ENGINE_DATA`), or — when no other token is configured and the endpoint is on this
 * machine — from the engine's default data directory. It is never sent elsewhere unasked.
 */
export function clientOf(
  values: { endpoint?: string; 'token-file'?: string; 'data-dir'?: string },
  io: CliIo,
): Client {
  const endpoint = normalizeEndpoint(
    values.endpoint ?? io.env.PIPELAB_ENDPOINT ?? io.env.KF_PIPELINES_ENDPOINT ?? DEFAULT_ENDPOINT,
  );
  const envToken = ENV_TOKENS.some((name) => (io.env[name] ?? '').trim() !== '');
  const explicitDir = values['data-dir'] ?? (io.env.PIPELAB_ENGINE_DATA?.trim() || undefined);
  let dataDir: string | undefined;
  if (values['token-file'] === undefined) {
    if (explicitDir !== undefined) dataDir = path.resolve(explicitDir);
    else if (!envToken && isLoopback(endpoint))
      dataDir = engineDataDir(io.env as NodeJS.ProcessEnv);
  }
  const options: ClientOptions = {
    env: io.env,
    endpoint,
    ...(values['token-file'] !== undefined ? { tokenFile: values['token-file'] } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
  };
  return new Client(options);
}

function seconds(raw: string | undefined, option: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${option} takes a positive number of seconds; got '${raw}'.`);
  }
  return value * 1000;
}

export function positiveInt(raw: string | undefined, option: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`--${option} takes a positive integer; got '${raw}'.`);
  }
  return Number(raw);
}

/** A `--param` value read as the parameter's IR type. */
function paramValue(key: string, raw: string, spec: ParameterSpec): JsonValue {
  const bad = (expected: string): never => {
    throw new UsageError(
      `--param ${key}: '${raw}' is not ${expected} (the parameter is ${spec.parameterType}).`,
    );
  };
  switch (spec.parameterType) {
    case 'STRING':
      return raw;
    case 'NUMBER_INTEGER':
      return /^[-+]?\d+$/.test(raw.trim()) ? Number(raw) : bad('an integer');
    case 'NUMBER_DOUBLE': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : bad('a number');
    }
    case 'BOOLEAN': {
      const v = raw.trim().toLowerCase();
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      return bad('true or false');
    }
    case 'LIST':
    case 'STRUCT': {
      let value: unknown;
      try {
        value = JSON.parse(raw) as unknown;
      } catch {
        return bad(spec.parameterType === 'LIST' ? 'a JSON list' : 'a JSON object');
      }
      const isList = Array.isArray(value);
      const isObject = typeof value === 'object' && value !== null && !isList;
      if (spec.parameterType === 'LIST' ? !isList : !isObject) {
        return bad(spec.parameterType === 'LIST' ? 'a JSON list' : 'a JSON object');
      }
      return value as JsonValue;
    }
    default:
      try {
        return JSON.parse(raw) as JsonValue;
      } catch {
        return raw;
      }
  }
}

/** `--param k=v` pairs as run parameters, typed by the pipeline's parameter definitions. */
export function parseRunParams(
  pairs: readonly string[],
  spec: PipelineSpec,
): Record<string, JsonValue> {
  const definitions = spec.root.inputDefinitions?.parameters ?? {};
  const result: Record<string, JsonValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects key=value; got '${pair}'.`);
    const key = pair.slice(0, eq);
    const definition = definitions[key];
    if (definition === undefined) {
      const known = Object.keys(definitions);
      throw new UsageError(
        `pipeline '${spec.pipelineInfo.name}' has no parameter '${key}'; ${known.length > 0 ? `its parameters are ${known.join(', ')}` : 'it takes no parameters'}.`,
      );
    }
    result[key] = paramValue(key, pair.slice(eq + 1), definition);
  }
  return result;
}

/** The PipelineSpec of a compiled file, or of a module's pipeline (compiled). */
export async function loadSpec(
  file: string,
  exportName: string | undefined,
): Promise<PipelineSpec> {
  if (MODULE.test(file)) {
    const [{ loadPipelineFromModule }, { compile }] = await Promise.all([
      import('../cli/load-module.js'),
      import('../compiler/build.js'),
    ]);
    return compile(await loadPipelineFromModule(file, exportName));
  }
  if (exportName !== undefined) {
    throw new UsageError(
      '--pipeline chooses an export of a module; a compiled file holds one pipeline.',
    );
  }
  const { loadPipelinePackage } = await import('../compiler/package.js');
  return loadPipelinePackage(file);
}

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
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
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

/** Runs a command body, turning errors into messages and exit codes. */
export async function guarded(
  io: CliIo,
  usage: string,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`pipelab: ${error.message}\n\n${usage}`);
      return 2;
    }
    if (error instanceof PipelabError) {
      io.stderr.write(`pipelab: ${error.message}\n`);
      return 1;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`pipelab: ${(error as Error).message}\n\n${usage}`);
      return 2;
    }
    if (io.signal?.aborted && error === io.signal.reason) {
      io.stderr.write('pipelab: stopped waiting; the run goes on.\n');
      return 130;
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
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...CONNECTION_OPTIONS,
        param: { type: 'string', multiple: true },
        experiment: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        pipeline: { type: 'string' },
        'pipeline-root': { type: 'string' },
        'no-cache': { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        timeout: { type: 'string' },
      },
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
      ...(values.experiment !== undefined ? { experimentName: values.experiment } : {}),
      ...(values.name !== undefined ? { displayName: values.name } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
      ...(values['pipeline-root'] !== undefined ? { pipelineRoot: values['pipeline-root'] } : {}),
      ...(values['no-cache'] ? { enableCaching: false } : {}),
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
    });
    io.stdout.write(
      `run ${handle.id} created (${handle.run?.display_name ?? spec.pipelineInfo.name})\n${handle.link}\n`,
    );
    if (values['no-wait']) return 0;
    return waitAndReport(client, handle.id, timeoutMs, io);
  });
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i] ?? 0))).join('  '),
    )
    .join('\n')
    .concat('\n');
}

export function time(value: string | undefined): string {
  return value === undefined ? '' : value.replace(/\.\d+Z$/, 'Z');
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
  ];
  const parameters = run.runtime_config?.parameters ?? {};
  if (Object.keys(parameters).length > 0) {
    lines.push('parameters:');
    for (const [k, v] of Object.entries(parameters)) lines.push(`  ${k} = ${JSON.stringify(v)}`);
  }
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

async function runsList(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...CONNECTION_OPTIONS,
      experiment: { type: 'string' },
      'experiment-id': { type: 'string' },
      filter: { type: 'string' },
      sort: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0)
    throw new UsageError(`runs list takes no arguments; got '${positionals.join(' ')}'.`);
  if (values.experiment !== undefined && values['experiment-id'] !== undefined) {
    throw new UsageError('give --experiment or --experiment-id, not both.');
  }
  const limit = positiveInt(values.limit, 'limit') ?? 20;
  const client = clientOf(values, io);
  let experimentId = values['experiment-id'];
  if (values.experiment !== undefined) {
    const experiment = await client.experiments.findByName(values.experiment);
    if (experiment?.experiment_id === undefined) {
      io.stderr.write(`pipelab: there is no experiment named '${values.experiment}'.\n`);
      return 1;
    }
    experimentId = experiment.experiment_id;
  }
  const runs: V2beta1Run[] = [];
  for await (const run of client.runs.iterate({
    sortBy: values.sort ?? 'created_at desc',
    pageSize: Math.min(limit, 100),
    limit,
    ...(values.filter !== undefined ? { filter: values.filter } : {}),
    ...(experimentId !== undefined ? { experimentId } : {}),
  })) {
    runs.push(run);
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    io.stdout.write('no runs\n');
    return 0;
  }
  io.stdout.write(
    table([
      ['RUN ID', 'STATE', 'CREATED', 'NAME'],
      ...runs.map((r) => [r.run_id ?? '', r.state ?? '', time(r.created_at), r.display_name ?? '']),
    ]),
  );
  return 0;
}

function oneRunId(positionals: readonly string[], command: string): string {
  const id = positionals[0];
  if (positionals.length !== 1 || id === undefined || id === '') {
    throw new UsageError(`runs ${command} takes one run id.`);
  }
  return id;
}

async function runsGet(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' } },
  });
  const id = oneRunId(positionals, 'get');
  const client = clientOf(values, io);
  const run = await client.runs.get(id);
  io.stdout.write(
    values.json ? `${JSON.stringify(run, null, 2)}\n` : describeRun(run, client.runs.link(id)),
  );
  return 0;
}

async function runsWait(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...CONNECTION_OPTIONS, timeout: { type: 'string' } },
  });
  const id = oneRunId(positionals, 'wait');
  const timeoutMs = seconds(values.timeout, 'timeout');
  return waitAndReport(clientOf(values, io), id, timeoutMs, io);
}

async function runsLogs(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...CONNECTION_OPTIONS,
      follow: { type: 'boolean', short: 'f' },
      attempt: { type: 'string' },
    },
  });
  const [runId, task] = positionals;
  if (positionals.length !== 2 || runId === undefined || task === undefined) {
    throw new UsageError('runs logs takes a run id and a task (its name or id).');
  }
  const attempt = positiveInt(values.attempt, 'attempt');
  const client = clientOf(values, io);
  // A task name is resolved to its id from the run's details, so the request is KFP's shape.
  const run = await client.runs.get(runId);
  const taskId = findTask(run, task)?.task_id ?? task;
  const options = {
    ...(attempt !== undefined ? { attempt } : {}),
    ...(io.signal !== undefined ? { signal: io.signal } : {}),
  };
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
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...CONNECTION_OPTIONS },
  });
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
  return guarded(io, RUNS_USAGE, async () => {
    const [command, ...rest] = argv;
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(RUNS_USAGE);
      return 0;
    }
    switch (command) {
      case 'list':
        return runsList(rest, io);
      case 'get':
        return runsGet(rest, io);
      case 'wait':
        return runsWait(rest, io);
      case 'logs':
        return runsLogs(rest, io);
      case 'terminate':
      case 'retry':
        return runsAction(rest, io, command);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(RUNS_USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown runs command '${command}'.`);
    }
  });
}
