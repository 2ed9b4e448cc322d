/**
 * Deploying to the embedded default: a new version in the model registry on this machine, which
 * the engine's model server (or `pipelab-component serve`) follows. The gate compares the new
 * model with the registry's current default.
 */
import { DefaultVersionReplaceError } from '../../serving/errors';
import { ModelRegistry, type DeployResult } from '../../serving/registry';
import type { PredictorLoader, ServablePredictor } from '../../serving/predictor';
import { gateJson, gateOff, runGate, type GateRecord } from './gate';
import type { ModelArtifact } from './model-artifact';
import type { DeployOptions } from './options';
import type { DeployOutcome } from './outcome';

/** The current default's predictor, or why it could not be loaded. */
async function loadBaseline(
  registry: ModelRegistry,
  model: string,
  loader: PredictorLoader,
): Promise<{ version?: number; predictor?: ServablePredictor; error?: string }> {
  const current = await registry.getDefault(model);
  if (!current) return {};
  try {
    return { version: current.version, predictor: await loader(current.dir) };
  } catch (error) {
    return { version: current.version, error: (error as Error).message };
  }
}

/** Adds the artifact as a new version; makes it the default when asked and the gate passes. */
export async function deployLocal(
  options: DeployOptions,
  artifact: ModelArtifact,
  loader: PredictorLoader,
  log: (line: string) => void,
): Promise<DeployOutcome> {
  const registry = new ModelRegistry({
    modelsDir: options.modelsDir,
    keepVersions: options.keepVersions,
  });
  let gate: GateRecord;
  if (!options.gate) {
    gate = gateOff(options.gateTolerance);
  } else {
    const baseline = await loadBaseline(registry, options.modelName, loader);
    try {
      gate = runGate({
        candidate: artifact.predictor,
        baseline: baseline.predictor,
        baselineVersion: baseline.version,
        baselineLoadError: baseline.error,
        recent: artifact.recent,
        tolerance: options.gateTolerance,
        windowDays: options.gateWindowDays,
      });
    } finally {
      baseline.predictor?.dispose?.();
    }
  }
  log(`quality gate: ${gate.decision} — ${gate.reason}`);
  const makeDefault = options.setDefault && gate.passed;
  if (!options.setDefault) log('set_default is false: the new version is not made the default');
  if (options.replaceExistingVersion && options.version === undefined) {
    log('replace_existing_version has no effect without --version: versions are numbered anew');
  }
  let result: DeployResult;
  try {
    // setDefault false (not undefined): the registry refuses to replace the default's own files.
    result = await registry.deployVersion(options.modelName, artifact.dir, {
      setDefault: makeDefault,
      version: options.version,
      replaceExisting: options.replaceExistingVersion,
      source: options.modelUri,
      metadata: {
        gate: gateJson(gate),
        set_default_requested: options.setDefault,
        model_card: artifact.summary,
      },
    });
  } catch (error) {
    if (error instanceof DefaultVersionReplaceError) {
      log(
        `not replacing the default version ${error.version}: ` +
          (options.setDefault ? 'the quality gate rejected the model' : 'set_default is false'),
      );
    }
    throw error;
  }
  const version = result.version.version;
  const current = await registry.getDefault(options.modelName);
  log(
    `deployed ${options.modelName} version ${version}${result.replaced ? ' (replaced)' : ''} to ` +
      `${result.version.dir}; default version: ${current?.version ?? 'none'}` +
      (result.pruned.length > 0 ? `; removed old versions ${result.pruned.join(', ')}` : ''),
  );
  return {
    version,
    promoted: result.isDefault,
    defaultVersion: current?.version,
    gate,
    location: result.version.dir,
  };
}
