/**
 * `pipelab-component query`: the command line of the query step, as the compiled pipeline runs
 * it (container args, or a local process on the embedded engine). See {@link QUERY_USAGE}.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { JsonValue } from '../../dsl/types';
import { PipelabError } from '../../errors';
import { parseIsoDay } from './days';
import { parseDatasetSummary, type DatasetSummary } from './drift';
import { QueryUsageError, describeCause } from './errors';
import { parseExecutorInput, writeExecutorOutput, type StepExecutorInput } from './executor-output';
import { runQueryStep, type QueryStepOptions } from './query-step';
import type { DuplicateDayPolicy, MissingDayPolicy } from './repair';
import { APP_TOKEN_ENV } from './sources/portal-source';
import { isSourceName, SOURCE_NAMES } from './sources/source';
import { defaultWarehousePath } from './warehouse/location';
import { localPathOfArtifact } from '../../serving/artifact-uri';
import { REGISTRY_FILES } from '../../serving/layout';
import { defaultModelsDir } from '../../serving/models-dir';

/** The command's help text. */
export const QUERY_USAGE = `pipelab-component query [options]

Reads Chicago's daily crime-report totals and writes them as the sample's count,day CSV.

  --source <name>            warehouse (default), bigquery, chicago-portal or csv
  --query <sql>              warehouse: BigQuery (the sample's) or DuckDB SQL; bigquery: BigQuery SQL
                             (default: the sample's query)
  --project-id <id>          bigquery: project billed (default: the credentials' project)
  --location <loc>           bigquery: job location (default: US)
  --csv-uri <path|url>       csv: daily totals (count,day / day,count) or report records (date)
  --warehouse <file>         warehouse: DuckDB file (default: $PIPELAB_WAREHOUSE, else
                             $PIPELAB_HOME/warehouse.duckdb, else ~/.pipelab/warehouse.duckdb)
  --update-warehouse <bool>  warehouse: create it / append new days first (default: true)
  --seed <n>                 warehouse: seed of a warehouse created now (default: 2019)
  --portal-url <url>         chicago-portal: SODA resource (default: the city's ijzp-q8t2.json)
  --app-token <token>        chicago-portal: Socrata app token (default: $${APP_TOKEN_ENV})
  --output <path>            local path of the Dataset artifact (default: from --executor-input)
  --destination <uri>        also copy the dataset to this gs:// or file:// URI
  --executor-input <json>    KFP's ExecutorInput ({{$}}): write executor_output.json and parameters
  --previous-summary <json|file>  summary of the deployed model's training data (model card)
  --deployed-model <name>    without --previous-summary: read it from this model's default version
                             in the model registry (--models-dir)
  --models-dir <dir>         the model registry (default: $PIPELAB_MODELS, else $PIPELAB_HOME/models)
  --retrain <policy>         auto (default: when the data grew or drifted enough), always or never
  --today <YYYY-MM-DD>       today's date (default: the current date in Chicago)
  --missing-days <policy>    zero (default), interpolate or reject
  --duplicate-days <policy>  sum (default) or reject
  --partial-day-ratio <x>    drop a last day under x × the previous days' median (default 0.5; 0: off)
  --min-new-days <n>         retrain after this many new days (default 7)
  --drift-threshold <x>      retrain when |drift| reaches x (default 0.5)
  --summary-window <n>       days of the recent statistics without a previous summary (default 28)
`;

/** The streams and environment of a run. */
export interface QueryMainIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const OPTIONS = {
  source: { type: 'string' },
  query: { type: 'string' },
  'project-id': { type: 'string' },
  location: { type: 'string' },
  'csv-uri': { type: 'string' },
  warehouse: { type: 'string' },
  'update-warehouse': { type: 'string' },
  seed: { type: 'string' },
  'portal-url': { type: 'string' },
  'app-token': { type: 'string' },
  output: { type: 'string' },
  destination: { type: 'string' },
  'executor-input': { type: 'string' },
  'previous-summary': { type: 'string' },
  'deployed-model': { type: 'string' },
  'models-dir': { type: 'string' },
  retrain: { type: 'string' },
  today: { type: 'string' },
  'missing-days': { type: 'string' },
  'duplicate-days': { type: 'string' },
  'partial-day-ratio': { type: 'string' },
  'min-new-days': { type: 'string' },
  'drift-threshold': { type: 'string' },
  'summary-window': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = Partial<Record<keyof typeof OPTIONS, string | boolean>>;

/** A string option, `undefined` when absent or empty (KFP passes '' for unset defaults). */
function text(values: Values, name: keyof typeof OPTIONS): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function number(
  values: Values,
  name: keyof typeof OPTIONS,
  check: (x: number) => boolean,
  what: string,
): number | undefined {
  const raw = text(values, name);
  if (raw === undefined) return undefined;
  const x = Number(raw);
  if (!Number.isFinite(x) || !check(x)) {
    throw new QueryUsageError(`--${name} must be ${what}; got '${raw}'.`, name);
  }
  return x;
}

function oneOf<T extends string>(
  values: Values,
  name: keyof typeof OPTIONS,
  allowed: readonly T[],
): T | undefined {
  const raw = text(values, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new QueryUsageError(
      `--${name} must be one of ${allowed.join(', ')}; got '${raw}'.`,
      name,
    );
  }
  return raw as T;
}

function booleanOption(values: Values, name: keyof typeof OPTIONS): boolean | undefined {
  const raw = text(values, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new QueryUsageError(`--${name} must be true or false; got '${raw}'.`, name);
}

/** Reads --previous-summary: inline JSON (starting with `{`) or a JSON file. */
function readPreviousSummary(raw: string | undefined): DatasetSummary | undefined {
  if (raw === undefined) return undefined;
  let json = raw.trim();
  if (!json.startsWith('{')) {
    try {
      json = fs.readFileSync(json, 'utf8');
    } catch (error) {
      throw new QueryUsageError(
        `cannot read the previous summary file ${raw}: ${describeCause(error)}`,
        'previous-summary',
        { cause: error },
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new QueryUsageError(
      `the previous summary is not JSON: ${describeCause(error)}`,
      'previous-summary',
      { cause: error },
    );
  }
  // A model card may hold the summary under `dataSummary` / `summary`.
  const holder = parsed as Record<string, unknown> | null;
  const inner = holder?.dataSummary ?? holder?.summary;
  return parseDatasetSummary(
    inner !== undefined && typeof holder?.firstDay !== 'string' ? inner : parsed,
  );
}

/**
 * Joins each string option with the value after it (`--query`, `-- a comment…` →
 * `--query=-- a comment…`): KFP passes options and values as separate arguments, and a value may
 * start with a dash (an SQL comment, a negative number), which parseArgs would otherwise refuse.
 */
function joinOptionValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    const spec = (OPTIONS as Record<string, { type: string }>)[name];
    if (spec?.type === 'string' && i + 1 < argv.length) {
      out.push(`${arg}=${argv[i + 1] ?? ''}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Turns the command line into step options (and the ExecutorInput, when given). */
export function parseQueryArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): {
  options: QueryStepOptions;
  executorInput: StepExecutorInput | undefined;
  help: boolean;
  retrain: 'auto' | 'always' | 'never';
} {
  let values: Values;
  try {
    values = parseArgs({
      args: joinOptionValues(argv),
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values as Values;
  } catch (error) {
    throw new QueryUsageError(describeCause(error), undefined, { cause: error });
  }
  const executorText = text(values, 'executor-input');
  const executorInput = executorText === undefined ? undefined : parseExecutorInput(executorText);
  const source = text(values, 'source') ?? 'warehouse';
  if (!isSourceName(source)) {
    throw new QueryUsageError(
      `--source must be one of ${SOURCE_NAMES.join(', ')}; got '${source}'.`,
      'source',
    );
  }
  const today = text(values, 'today');
  if (today !== undefined && parseIsoDay(today) === undefined) {
    throw new QueryUsageError(`--today must be a YYYY-MM-DD day; got '${today}'.`, 'today');
  }
  let output = text(values, 'output');
  if (output === undefined && executorInput !== undefined) {
    const uri = executorInput.artifactUris.dataset ?? Object.values(executorInput.artifactUris)[0];
    try {
      output = uri === undefined ? undefined : localPathOfArtifact(uri);
    } catch (error) {
      throw new QueryUsageError((error as Error).message, 'executor-input', { cause: error });
    }
  }
  if (output === undefined && values.help !== true) {
    throw new QueryUsageError(
      '--output is required (or an --executor-input with the dataset artifact).',
      'output',
    );
  }
  const storageEndpoint = env.STORAGE_EMULATOR_HOST?.trim();
  const options: QueryStepOptions = {
    source,
    query: text(values, 'query'),
    projectId: text(values, 'project-id'),
    location: text(values, 'location'),
    csvUri: text(values, 'csv-uri'),
    warehouse: text(values, 'warehouse') ?? defaultWarehousePath(env),
    updateWarehouse: booleanOption(values, 'update-warehouse'),
    seed: number(
      values,
      'seed',
      (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff,
      'an unsigned 32-bit integer',
    ),
    portalUrl: text(values, 'portal-url'),
    appToken: text(values, 'app-token') ?? (env[APP_TOKEN_ENV]?.trim() || undefined),
    today,
    repair: {
      missingDays: oneOf<MissingDayPolicy>(values, 'missing-days', [
        'zero',
        'interpolate',
        'reject',
      ]),
      duplicateDays: oneOf<DuplicateDayPolicy>(values, 'duplicate-days', ['sum', 'reject']),
      partialDayRatio: number(
        values,
        'partial-day-ratio',
        (x) => x >= 0 && x <= 1,
        'between 0 and 1',
      ),
    },
    previousSummary:
      readPreviousSummary(text(values, 'previous-summary')) ??
      registrySummary(text(values, 'deployed-model'), text(values, 'models-dir'), env),
    drift: {
      minNewDays: number(
        values,
        'min-new-days',
        (x) => Number.isInteger(x) && x >= 0,
        'a whole number ≥ 0',
      ),
      driftThreshold: number(values, 'drift-threshold', (x) => x >= 0, 'a number ≥ 0'),
    },
    summaryWindow: number(
      values,
      'summary-window',
      (x) => Number.isInteger(x) && x >= 1,
      'a whole number ≥ 1',
    ),
    output: output ?? '',
    destination: text(values, 'destination'),
    storage: storageEndpoint ? { apiEndpoint: storageEndpoint } : undefined,
  };
  const retrain = oneOf<'auto' | 'always' | 'never'>(values, 'retrain', [
    'auto',
    'always',
    'never',
  ]);
  return { options, executorInput, help: values.help === true, retrain: retrain ?? 'auto' };
}

/**
 * Runs the query step from a command line.
 * @returns 0 on success, 1 on failure (after writing a message naming the problem to stderr)
 */
export async function queryMain(argv: string[], io: QueryMainIo): Promise<number> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  try {
    const { options, executorInput, help, retrain } = parseQueryArgs(argv, io.env);
    if (help) {
      io.stdout.write(QUERY_USAGE);
      return 0;
    }
    const result = await runQueryStep({ ...options, log: out });
    if (executorInput !== undefined) {
      const names = Object.keys(executorInput.artifactUris);
      const artifactName = names.includes('dataset') ? 'dataset' : (names[0] ?? 'dataset');
      const a = applyRetrainPolicy(result.assessment, retrain);
      if (retrain !== 'auto')
        out(`query: retrain=${retrain}: ${a.shouldRetrain ? 'retrain' : 'no retraining'}`);
      const parameters: Record<string, JsonValue> = {
        rows: result.metadata.rows,
        first_day: result.metadata.firstDay,
        last_day: result.metadata.lastDay,
        sha256: result.metadata.sha256,
        new_days: a.newDays,
        growth_ratio: a.growthRatio,
        drift: a.drift,
        should_retrain: a.shouldRetrain,
        retrain_reasons: a.reasons.join('; '),
        summary: result.metadata.summary,
      };
      writeExecutorOutput(executorInput, {
        artifactName,
        artifactUri: executorInput.artifactUris[artifactName] ?? result.outputUri,
        metadata: result.metadata,
        parameters,
      });
      if (executorInput.outputFile) out(`query: wrote ${executorInput.outputFile}`);
    }
    return 0;
  } catch (error) {
    const message = describeCause(error);
    io.stderr.write(`query: error: ${message}\n`);
    if (error instanceof QueryUsageError) io.stderr.write(`\n${QUERY_USAGE}`);
    else if (!(error instanceof PipelabError) && error instanceof Error && error.stack) {
      io.stderr.write(`${error.stack}\n`);
    }
    return 1;
  }
}

/**
 * The summary of the data the deployed model was trained on, from the model registry: the
 * `dataSummary` of the model card in `<models dir>/<model>/<default version>/`. Undefined when no
 * version is deployed yet (the first run then always trains).
 */
function registrySummary(
  model: string | undefined,
  modelsDir: string | undefined,
  env: NodeJS.ProcessEnv,
): DatasetSummary | undefined {
  if (model === undefined) return undefined;
  const modelDir = path.join(modelsDir ?? defaultModelsDir(env), model);
  let pointer: { version?: unknown };
  try {
    const file = path.join(modelDir, REGISTRY_FILES.defaultPointer);
    pointer = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof pointer;
  } catch {
    return undefined;
  }
  const card = path.join(modelDir, String(pointer.version), 'model_card.json');
  return fs.existsSync(card) ? readPreviousSummary(card) : undefined;
}

/** `--retrain always|never` overrides the data's own verdict, saying so in the reasons. */
function applyRetrainPolicy<T extends { shouldRetrain: boolean; reasons: string[] }>(
  assessment: T,
  policy: 'auto' | 'always' | 'never',
): T {
  if (policy === 'auto') return assessment;
  return {
    ...assessment,
    shouldRetrain: policy === 'always',
    reasons: [`retrain=${policy}`, ...assessment.reasons],
  };
}
