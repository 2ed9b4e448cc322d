/**
 * Node only: what the commands talking to a server (`pipelab run`, `runs …`, `schedule …`) have in
 * common — their I/O, the connection flags and the client they make, flag parsing, sub-command
 * dispatch, errors as messages and exit codes, the `list` commands, and the tables they print.
 */
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { engineDataDir } from '../defaults';
import { PipelabError, UsageError } from '../errors';
import type { Env } from './auth';
import { Client, type ClientOptions } from './client';
import { DEFAULT_ENDPOINT, normalizeEndpoint } from './connection';
import type { IterateOptions } from './paging';
import type { JsonValue } from './types';

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

const CONNECTION_OPTIONS = {
  endpoint: { type: 'string' },
  'token-file': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

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

/** The `signal` option of client calls: the command's, when it has one. */
export function signalOf(io: CliIo): { signal?: AbortSignal } {
  return io.signal !== undefined ? { signal: io.signal } : {};
}

/** The flags of a command (besides the connection flags every command takes). */
type Flags = NonNullable<ParseArgsConfig['options']>;

/** How a command's arguments are parsed: the connection flags and its own, strictly. */
interface ParseConfig<F extends Flags> {
  args: readonly string[];
  allowPositionals: true;
  strict: true;
  options: typeof CONNECTION_OPTIONS & F;
}

/** A command's arguments: the connection flags and `flags`, strictly; positionals allowed. */
export function parseFlags<F extends Flags>(
  args: readonly string[],
  flags: F,
): ReturnType<typeof parseArgs<ParseConfig<F>>> {
  return parseArgs<ParseConfig<F>>({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...CONNECTION_OPTIONS, ...flags },
  });
}

/** Refuses two flags that exclude each other, when both are given. */
export function notBoth<V>(values: V, a: keyof V & string, b: keyof V & string): void {
  const given = (value: unknown): boolean => value !== undefined && value !== false;
  if (given(values[a]) && given(values[b])) {
    throw new UsageError(`give --${a} or --${b}, not both.`);
  }
}

/** The one id a command takes (`what`: "run id"), or a usage error. */
export function oneId(positionals: readonly string[], command: string, what: string): string {
  const id = positionals[0];
  if (positionals.length !== 1 || id === undefined || id === '') {
    throw new UsageError(`${command} takes one ${what}.`);
  }
  return id;
}

/** A flag's whole number (digits only) that passes `ok`, or a usage error: `expected; got '…'`. */
export function wholeNumber(
  raw: string | undefined,
  expected: string,
  ok: (value: number) => boolean = () => true,
): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || !ok(Number(raw))) {
    throw new UsageError(`${expected}; got '${raw}'.`);
  }
  return Number(raw);
}

export function positiveInt(raw: string | undefined, option: string): number | undefined {
  return wholeNumber(raw, `--${option} takes a positive integer`, (n) => n >= 1);
}

/** A flag's positive number of seconds, in ms. */
export function seconds(raw: string | undefined, option: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${option} takes a positive number of seconds; got '${raw}'.`);
  }
  return value * 1000;
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
 * `pipelab <group> <command> …`: runs the command (given the arguments after its name). `--help`
 * anywhere, or `help`, prints the usage; no command prints it too, as wrong usage.
 */
export function dispatch(
  group: string,
  usage: string,
  commands: Readonly<Record<string, (args: string[], io: CliIo) => Promise<number>>>,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  return guarded(io, usage, async () => {
    const [command, ...rest] = argv;
    if (
      command === undefined ||
      ['help', '--help', '-h'].includes(command) ||
      rest.includes('--help') ||
      rest.includes('-h')
    ) {
      io.stdout.write(usage);
      return command === undefined ? 2 : 0;
    }
    const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (run === undefined) throw new UsageError(`unknown ${group} command '${command}'.`);
    return run(rest, io);
  });
}

/** A value as `--json` prints it. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
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

/** The `parameters:` lines describing parameter values; none when there are none. */
export function parameterLines(parameters: Record<string, JsonValue> | undefined): string[] {
  const entries = Object.entries(parameters ?? {});
  if (entries.length === 0) return [];
  return ['parameters:', ...entries.map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`)];
}

/** The flags of a `list` command. */
export const LIST_OPTIONS = {
  experiment: { type: 'string' },
  'experiment-id': { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** What a `list` command lists (for `command`, e.g. `runs list`), and how it prints it. */
export interface Listing<T> {
  readonly command: string;
  readonly defaultLimit: number;
  /** The line printed when there is nothing to list. */
  readonly none: string;
  readonly header: readonly string[];
  row(item: T): string[];
  items(client: Client, options: IterateOptions & { experimentId?: string }): AsyncIterable<T>;
}

type ListValues = Parameters<typeof clientOf>[0] & {
  experiment?: string;
  'experiment-id'?: string;
  limit?: string;
  json?: boolean;
};

/**
 * A `list` command, its flags parsed: the items of one experiment (`--experiment <name>`,
 * `--experiment-id <id>`) or of all, newest first, up to `--limit`, as a table or `--json`.
 */
export async function listCommand<T>(
  listing: Listing<T>,
  parsed: { values: ListValues; positionals: readonly string[] },
  io: CliIo,
): Promise<number> {
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`${listing.command} takes no arguments; got '${positionals.join(' ')}'.`);
  }
  notBoth(values, 'experiment', 'experiment-id');
  const limit = positiveInt(values.limit, 'limit') ?? listing.defaultLimit;
  const client = clientOf(values, io);
  let experimentId = values['experiment-id'];
  if (values.experiment !== undefined) {
    const experiment = await client.experiments.findByName(values.experiment);
    if (experiment?.experiment_id === undefined) {
      throw new PipelabError(`there is no experiment named '${values.experiment}'.`);
    }
    experimentId = experiment.experiment_id;
  }
  const found: T[] = [];
  for await (const item of listing.items(client, {
    sortBy: 'created_at desc',
    pageSize: Math.min(limit, 100),
    limit,
    ...(experimentId !== undefined ? { experimentId } : {}),
  })) {
    found.push(item);
  }
  if (values.json) {
    io.stdout.write(json(found));
    return 0;
  }
  if (found.length === 0) {
    io.stdout.write(`${listing.none}\n`);
    return 0;
  }
  io.stdout.write(table([listing.header, ...found.map((item) => listing.row(item))]));
  return 0;
}
