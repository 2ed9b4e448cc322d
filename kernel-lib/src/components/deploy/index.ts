/**
 * The deploy step: a trained model as a new version behind the prediction endpoint — the
 * embedded model registry (default) or a Kubernetes Deployment — with a quality gate deciding
 * whether it becomes the default. See README.md.
 */
export { deployMain, outputParameters } from './main';
export type { DeployMainHooks, DeployMainIO } from './main';
export { DEPLOY_USAGE, MODEL_SERVER_IMAGE, parseDeployArgs } from './options';
export type { DeployOptions, KubernetesTargetOptions, ParsedDeployArgs } from './options';
export { gateJson, gateOff, rmseOnDays, runGate } from './gate';
export type { GateDecisionKind, GateInput, GateRecord } from './gate';
export { deployLocal } from './local-target';
export { deployKubernetes } from './kubernetes-target';
export type { ClientFactory } from './kubernetes-target';
export type { DeployOutcome } from './outcome';
export { loadModelArtifact, MODEL_CARD_FILE } from './model-artifact';
export type { ModelArtifact } from './model-artifact';
export { parseDeployExecutorInput, writeDeployOutputs } from './executor-io';
export type { DeployExecutorInput } from './executor-io';
export {
  applyDeployment,
  applyService,
  kubernetesClients,
  readDeployment,
  waitForRollout,
} from './kubernetes/client';
export type { KubeconfigChoice, KubernetesClients, RolloutOptions } from './kubernetes/client';
export {
  deploymentManifest,
  deploymentName,
  dnsLabel,
  K8S_KEYS,
  SERVER_PORT,
  serviceManifest,
} from './kubernetes/manifests';
export type { ServedModelSpec } from './kubernetes/manifests';
export {
  DeployError,
  DeployOptionsError,
  KubernetesDeployError,
  ModelArtifactError,
  RolloutError,
} from './errors';
