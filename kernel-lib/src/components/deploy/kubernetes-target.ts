/**
 * Deploying to Kubernetes: the model server as a Deployment and a Service (see
 * `kubernetes/manifests.ts`), rolled out to the new version when it is to be the default and the
 * gate passes, then waited for until the rollout is complete. The current default is the version
 * the Deployment runs (its `pipelab.dev/model-version` annotation); the gate loads that model
 * from its recorded URI when it is reachable from here (KFP mounts artifact stores in the task).
 */
import { localPathOfArtifact } from '../../serving/artifact-uri';
import { parseVersion } from '../../serving/layout';
import type { PredictorLoader, ServablePredictor } from '../../serving/predictor';
import { DeployOptionsError } from './errors';
import { gateOff, runGate, type GateRecord } from './gate';
import {
  applyDeployment,
  applyService,
  kubernetesClients,
  readDeployment,
  waitForRollout,
  type KubeconfigChoice,
  type KubernetesClients,
} from './kubernetes/client';
import {
  deploymentManifest,
  deploymentName,
  K8S_KEYS,
  serviceManifest,
} from './kubernetes/manifests';
import type { ModelArtifact } from './model-artifact';
import type { DeployOptions } from './options';
import type { DeployOutcome } from './outcome';

/** Makes the API clients (tests pass their own). */
export type ClientFactory = (choice: KubeconfigChoice) => Promise<KubernetesClients>;

/** Rolls the artifact out to the cluster when asked and the gate passes. */
export async function deployKubernetes(
  options: DeployOptions,
  artifact: ModelArtifact,
  loader: PredictorLoader,
  log: (line: string) => void,
  makeClients: ClientFactory = kubernetesClients,
): Promise<DeployOutcome> {
  const k = options.kubernetes;
  const clients = await makeClients({ kubeconfig: k.kubeconfig, context: k.context });
  const name = deploymentName(options.modelName);
  const object = `${k.namespace}/${name}`;
  const existing = await readDeployment(clients, k.namespace, name);
  const annotations = existing?.metadata?.annotations ?? {};
  const current = parseVersion(annotations[K8S_KEYS.version] ?? '');
  const currentUri = annotations[K8S_KEYS.modelUri];
  log(
    existing
      ? `cluster ${clients.server}: ${object} serves version ${current ?? '?'} (${currentUri ?? 'unknown model'})`
      : `cluster ${clients.server}: ${object} does not exist yet`,
  );

  let gate: GateRecord;
  if (!options.gate) {
    gate = gateOff(options.gateTolerance);
  } else {
    let baseline: ServablePredictor | undefined;
    let baselineLoadError: string | undefined;
    if (current !== undefined) {
      try {
        if (!currentUri) throw new Error('the Deployment records no model URI');
        baseline = await loader(localPathOfArtifact(currentUri));
      } catch (error) {
        baselineLoadError = (error as Error).message;
      }
    }
    try {
      gate = runGate({
        candidate: artifact.predictor,
        baseline,
        baselineVersion: current,
        baselineLoadError,
        recent: artifact.recent,
        tolerance: options.gateTolerance,
        windowDays: options.gateWindowDays,
      });
    } finally {
      baseline?.dispose?.();
    }
  }
  log(`quality gate: ${gate.decision} — ${gate.reason}`);

  const version = options.version ?? (current ?? 0) + 1;
  if (
    options.version !== undefined &&
    options.version === current &&
    !options.replaceExistingVersion
  ) {
    throw new DeployOptionsError(
      `${object} already serves version ${current}; pass --replace-existing-version to roll it out again`,
      'version',
    );
  }
  if (!options.setDefault || !gate.passed) {
    log(
      `not rolled out: ${!options.setDefault ? 'set_default is false' : 'the quality gate rejected the model'}; ` +
        `${object} keeps serving version ${current ?? 'none'}`,
    );
    return { version, promoted: false, defaultVersion: current, gate, location: object };
  }
  const spec = {
    model: options.modelName,
    version,
    modelUri: options.modelUri,
    namespace: k.namespace,
    image: k.image,
    replicas: k.replicas,
    gateDecision: gate.decision,
  };
  const applied = await applyDeployment(clients, deploymentManifest(spec));
  const service = await applyService(clients, serviceManifest(spec));
  log(
    `${applied.created ? 'created' : 'updated'} Deployment ${object} (generation ${applied.generation}) ` +
      `and ${service.created ? 'created' : 'kept'} its Service; waiting for the rollout`,
  );
  await waitForRollout(clients, k.namespace, name, applied.generation, {
    timeoutMs: k.rolloutTimeoutMs,
    pollMs: k.rolloutPollMs,
    log,
  });
  log(`rolled out ${options.modelName} version ${version} to ${object}`);
  return { version, promoted: true, defaultVersion: version, gate, location: object };
}
