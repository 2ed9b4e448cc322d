/**
 * The main job (`npm start`, `pipelab start`): everything the 2019 sample did, on this machine.
 * Starts the embedded engine and the model server on 127.0.0.1, makes sure the embedded
 * warehouse exists (appending the days missing up to today), uploads the Chicago pipeline (a new
 * version when it changed), runs it once, creates the daily recurring run when there is none,
 * prints what a user needs (the run link, the metrics against the naive forecasts, the deployed
 * version, a curl for a forecast), and keeps serving and scheduling until stopped.
 */
import * as path from 'node:path';
import { Client } from '../client/client';
import { filter } from '../client/filter';
import { compile } from '../compiler/build';
import type { PipelineSpec } from '../compiler/spec';
import { defaultWarehousePath } from '../components/data/warehouse/location';
import { ensureWarehouse } from '../components/data/warehouse/warehouse';
import { pipelabCommandResolver } from '../components/local-commands';
import { DEFAULT_ENGINE_PORT, engineDataDir, pipelabHome } from '../defaults';
import { outputsMetrics, taskOutputs } from '../display/run-outputs';
import type { JsonValue } from '../dsl/types';
import { startEngine } from '../engine/server';
import { chicagoPipeline } from '../pipelines/chicago';
import { defaultModelsDir } from '../serving/models-dir';
import { DEFAULT_SERVING_PORT } from '../serving/options';
import { startModelServer } from '../serving/server';

export const EXPERIMENT = 'Chicago Crime Prediction';
export const DAILY_SCHEDULE = 'Chicago daily retraining';
/** Every day at 03:00 in Chicago (KFP's cron: seconds first), across daylight-saving changes. */
export const DAILY_CRON = '0 0 3 * * *';
export const DAILY_TIME_ZONE = 'America/Chicago';

export interface MainJobOptions {
  /**
   * Where the engine, warehouse and models live. @default $PIPELAB_HOME or ~/.pipelab (of `env`)
   */
  home?: string;
  /** The address both servers listen on. @default '127.0.0.1' */
  host?: string;
  /** The engine's port (0: any free one). @default 8765 */
  enginePort?: number;
  /** The model server's port (0: any free one). @default 8501 */
  servingPort?: number;
  /** Parameters of the first run (the recurring run uses the pipeline's defaults). @default {} */
  runParameters?: Record<string, JsonValue>;
  /**
   * The environment the job and its steps see (PIPELAB_HOME is set to `home` in it).
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /** The warehouse's "today" (tests). @default today */
  today?: string;
  /** Where progress goes. @default stdout */
  log?: (line: string) => void;
}

export interface MainJob {
  engineUrl: string;
  modelServerUrl: string;
  runId: string;
  runState: string;
  deployedVersion: string | undefined;
  recurringRunId: string;
  /** Stops the model server and the engine (running runs get their grace period). */
  close(): Promise<void>;
}

/** Sorted-key JSON, so that two equal specs give the same text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new Error(`the engine answered without ${what}`);
  return value;
}

/**
 * The model the run deploys: its `model_name` parameter, else the pipeline's default for it.
 */
function runModelName(spec: PipelineSpec, parameters: Record<string, JsonValue>): string {
  const given = parameters.model_name;
  if (typeof given === 'string' && given.trim() !== '') return given;
  const fallback = spec.root.inputDefinitions?.parameters?.model_name?.defaultValue;
  return typeof fallback === 'string' && fallback !== '' ? fallback : 'chicago_crime';
}

/** Waits until the model server serves `version` (it picks a new default up within a second). */
async function waitUntilServed(
  serverUrl: string,
  model: string,
  version: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const url = `${serverUrl}/v1/models/${encodeURIComponent(model)}`;
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) {
      const status = (await response.json()) as {
        model_version_status?: { version: string; state: string }[];
      };
      if (
        status.model_version_status?.some((v) => v.version === version && v.state === 'AVAILABLE')
      ) {
        return;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the model server does not serve ${model} version ${version} after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function format(n: unknown): string {
  return typeof n === 'number' ? n.toFixed(1) : '?';
}

export async function startMainJob(options: MainJobOptions = {}): Promise<MainJob> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const home = path.resolve(options.home ?? pipelabHome(options.env));
  const host = options.host ?? '127.0.0.1';
  // The steps run as child processes of the engine: they find the warehouse and the model
  // registry through PIPELAB_HOME in their environment.
  const env = { ...(options.env ?? process.env), PIPELAB_HOME: home };
  const modelsDir = defaultModelsDir(env);

  log(`Pipelab main job (data in ${home})`);
  // Where the query step looks for it too ($PIPELAB_WAREHOUSE, else in the home).
  const warehouse = await ensureWarehouse({
    path: defaultWarehousePath(env),
    ...(options.today ? { today: options.today } : {}),
  });
  log(
    `warehouse: ${warehouse.path} (${warehouse.created ? 'created' : 'up to date'}` +
      `${warehouse.appendedDays ? `, ${warehouse.appendedDays} new days` : ''})`,
  );

  const modelServer = await startModelServer({
    modelsDir,
    host,
    port: options.servingPort ?? DEFAULT_SERVING_PORT,
  });
  const engine = await startEngine({
    dataDir: engineDataDir(env),
    host,
    port: options.enginePort ?? DEFAULT_ENGINE_PORT,
    commandResolver: pipelabCommandResolver,
    taskEnv: env,
    // New days arrive as time passes: shortly after midnight in Chicago, yesterday is complete.
    onDailyTick: async ({ day }) => {
      const appended = await ensureWarehouse({ path: warehouse.path, today: day });
      if (appended.appendedDays) log(`warehouse: ${appended.appendedDays} new days`);
    },
    dailyTickTimeZone: 'America/Chicago',
  });
  const close = async () => {
    await engine.close();
    await modelServer.close();
  };
  try {
    log(`engine: ${engine.url} (token in ${engine.tokenFile})`);
    log(`model server: ${modelServer.url}`);
    const client = new Client({ endpoint: engine.url, token: engine.token });

    const spec = compile(chicagoPipeline);
    const name = spec.pipelineInfo.name;
    const runParameters = options.runParameters ?? {};
    const modelName = runModelName(spec, runParameters);
    const found = await client.pipelines.findByName(name);
    const pipeline =
      found ?? (await client.pipelines.upload(chicagoPipeline, { name, displayName: EXPERIMENT }));
    const pipelineId = required(pipeline.pipeline_id, 'a pipeline id');
    const latestVersion = async () =>
      (await client.pipelines.versions.list(pipelineId, { sortBy: 'created_at desc', pageSize: 1 }))
        .items[0];
    let versionId: string | undefined;
    if (!found) {
      versionId = (await latestVersion())?.pipeline_version_id;
      log(`pipeline: uploaded ${name}`);
    } else {
      const latest = await latestVersion();
      if (latest && canonical(latest.pipeline_spec) === canonical(spec)) {
        versionId = latest.pipeline_version_id;
        log(`pipeline: ${name} unchanged`);
      } else {
        versionId = (await client.pipelines.uploadVersion(pipelineId, chicagoPipeline))
          .pipeline_version_id;
        log(`pipeline: ${name} changed, uploaded a new version`);
      }
    }
    if (!versionId) throw new Error(`pipeline ${name} has no version`);
    const experiment = await client.experiments.ensure({ displayName: EXPERIMENT });
    const experimentId = required(experiment.experiment_id, 'an experiment id');

    const run = await client.runs.create({
      pipelineVersion: { pipelineId, versionId },
      experimentId,
      displayName: `chicago ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`,
      parameters: runParameters,
    });
    log(`run: ${run.link}`);
    const finished = await run.wait({
      timeoutMs: 60 * 60 * 1000,
      onUpdate: (r) => log(`  ${r.state}`),
    });
    log(`run ${finished.state}`);

    let deployedVersion: string | undefined;
    if (finished.state === 'SUCCEEDED') {
      const trained = await taskOutputs(client, run.id, 'train').catch(() => undefined);
      if (trained && trained.state !== 'SKIPPED') {
        const m = await outputsMetrics(client, trained);
        log(
          `test RMSE: LSTM ${format(m.rmse)}; naive: yesterday ${format(m.naive_yesterday_rmse)}, ` +
            `mean of 7 days ${format(m.naive_mean7_rmse)}, same weekday last week ${format(m.naive_last_week_rmse)}`,
        );
        const deployed = await taskOutputs(client, run.id, 'deploy');
        deployedVersion = String(deployed.parameters.version ?? '');
        log(
          `deployed: ${modelName} version ${deployedVersion} (default: ${String(deployed.parameters.promoted)})`,
        );
        if (deployed.parameters.promoted === true) {
          await waitUntilServed(modelServer.url, modelName, deployedVersion);
        }
      } else {
        log('no retraining: the data has not changed enough since the deployed model');
      }
    }

    const existing = await client.recurringRuns.list({
      experimentId,
      filter: filter.eq('display_name', DAILY_SCHEDULE),
    });
    const recurring =
      existing.items[0] ??
      (await client.recurringRuns.create({
        displayName: DAILY_SCHEDULE,
        experimentId,
        pipelineVersion: { pipelineId },
        trigger: { cron: DAILY_CRON, timeZone: DAILY_TIME_ZONE },
        maxConcurrency: 1,
        noCatchup: true,
      }));
    log(
      `recurring run: ${recurring.display_name} (${DAILY_CRON} ${DAILY_TIME_ZONE}), ${existing.items[0] ? 'exists' : 'created'}`,
    );
    log(`dashboard: ${engine.url}/?token=${engine.token}`);
    log(
      `forecast: curl -s -X POST ${modelServer.url}/v1/models/${modelName}:forecast -d '{"days": 7}'`,
    );
    return {
      engineUrl: engine.url,
      modelServerUrl: modelServer.url,
      runId: run.id,
      runState: finished.state ?? 'RUNTIME_STATE_UNSPECIFIED',
      deployedVersion,
      recurringRunId: recurring.recurring_run_id ?? '',
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
