/**
 * The deploy step's entry point, `pipelab-component deploy …` (see `DEPLOY_USAGE` and README.md):
 * load the trained Model artifact, run the quality gate against the current default, add the
 * new version to the registry (or roll it out to Kubernetes), make it the default when asked and
 * the gate passes, and report the version, whether it was promoted and the gate's decision and
 * figures — to the log, `--version-output`, and KFP's executor_output.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { JsonValue } from '../../dsl/types';
import { PipelabError } from '../../errors';
import { trainedModelLoader, type PredictorLoader } from '../../serving/predictor';
import { DeployOptionsError } from './errors';
import { writeDeployOutputs } from './executor-io';
import { gateJson } from './gate';
import { deployKubernetes, type ClientFactory } from './kubernetes-target';
import { deployLocal } from './local-target';
import { loadModelArtifact } from './model-artifact';
import { DEPLOY_USAGE, parseDeployArgs, type DeployOptions } from './options';
import type { DeployOutcome } from './outcome';

/** Streams and environment of the step's process. */
export interface DeployMainIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** Replaceable parts (tests). */
export interface DeployMainHooks {
  /** Loads model directories. @default the train step's loader (TensorFlow.js) */
  readonly loader?: PredictorLoader;
  /** Makes the Kubernetes clients. @default from the kubeconfig */
  readonly kubernetesClients?: ClientFactory;
}

/** The step's output parameters. */
export function outputParameters(outcome: DeployOutcome): Record<string, JsonValue> {
  const gate = outcome.gate;
  const values: Record<string, JsonValue> = {
    version: String(outcome.version),
    promoted: outcome.promoted,
    gate_decision: gate.decision,
    default_version: outcome.defaultVersion === undefined ? '' : String(outcome.defaultVersion),
    gate: gateJson(gate),
  };
  if (gate.candidate_rmse !== null) values.candidate_rmse = gate.candidate_rmse;
  if (gate.baseline_rmse !== null) values.baseline_rmse = gate.baseline_rmse;
  return values;
}

async function writeOutputs(options: DeployOptions, outcome: DeployOutcome): Promise<void> {
  if (options.versionOutput) {
    await mkdir(path.dirname(options.versionOutput), { recursive: true });
    await writeFile(options.versionOutput, String(outcome.version));
  }
  if (options.executorInput) {
    const metrics: Record<string, number> = { promoted: outcome.promoted ? 1 : 0 };
    if (outcome.gate.candidate_rmse !== null) metrics.candidate_rmse = outcome.gate.candidate_rmse;
    if (outcome.gate.baseline_rmse !== null) metrics.baseline_rmse = outcome.gate.baseline_rmse;
    await writeDeployOutputs(options.executorInput, outputParameters(outcome), metrics);
  }
}

/**
 * Runs the deploy step with command-line arguments.
 * @returns the exit code: 0 deployed (promoted or not), 2 bad usage, 1 failure
 */
export async function deployMain(
  argv: string[],
  io: DeployMainIO,
  hooks: DeployMainHooks = {},
): Promise<number> {
  const log = (line: string): void => void io.stdout.write(`${line}\n`);
  try {
    const parsed = parseDeployArgs(argv, io.env);
    if (parsed.help) {
      log(DEPLOY_USAGE);
      return 0;
    }
    const options = parsed.options;
    // The gate's figures come from TensorFlow.js itself, the reference the train step scored with.
    const loader = hooks.loader ?? trainedModelLoader({ fastPath: false });
    const artifact = await loadModelArtifact(options.modelDir, loader);
    try {
      const card = artifact.summary;
      const details = [
        card.preset !== undefined ? `preset ${String(card.preset)}` : '',
        card.data_first_day !== undefined
          ? `data ${String(card.data_first_day)}..${String(card.data_last_day)}`
          : '',
        card.test_rmse !== undefined ? `test RMSE ${String(card.test_rmse)}` : '',
      ].filter((d) => d !== '');
      const destination =
        options.target === 'local'
          ? options.modelsDir
          : `Kubernetes namespace ${options.kubernetes.namespace}`;
      log(
        `deploy: ${options.modelUri} as model '${options.modelName}'` +
          `${details.length > 0 ? ` (${details.join(', ')})` : ''} → ${destination}`,
      );
      const outcome =
        options.target === 'kubernetes'
          ? await deployKubernetes(options, artifact, loader, log, hooks.kubernetesClients)
          : await deployLocal(options, artifact, loader, log);
      await writeOutputs(options, outcome);
      log(
        `version ${outcome.version}: ${outcome.promoted ? 'the default' : 'not the default'} ` +
          `(gate: ${outcome.gate.decision})`,
      );
    } finally {
      artifact.predictor.dispose?.();
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`deploy: ${message}\n`);
    if (!(error instanceof PipelabError) && error instanceof Error && error.stack) {
      io.stderr.write(`${error.stack}\n`);
    }
    return error instanceof DeployOptionsError ? 2 : 1;
  }
}
