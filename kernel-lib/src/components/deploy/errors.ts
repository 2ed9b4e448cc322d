/**
 * Errors of the deploy step. Each names what to fix: the argument, the model directory, the
 * Kubernetes object whose rollout failed.
 */
import { PipelabError, type ErrorContext } from '../../errors';

/** Base class of every error the deploy step raises on purpose. */
export class DeployError extends PipelabError {
  constructor(
    message: string,
    context: ErrorContext = {},
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, { component: 'deploy', ...context }, { code: 'DEPLOY_FAILED', ...options });
  }
}

/** An argument of the deploy step is missing or invalid (exit code 2). */
export class DeployOptionsError extends DeployError {
  constructor(message: string, parameter: string, options: { cause?: unknown } = {}) {
    super(message, { parameter }, { ...options, code: 'INVALID_DEPLOY_OPTION' });
  }
}

/** The Model artifact cannot be deployed: missing, not a model, fails to load or predict. */
export class ModelArtifactError extends DeployError {
  constructor(message: string, file: string, options: { cause?: unknown } = {}) {
    super(message, { file }, { ...options, code: 'INVALID_MODEL_ARTIFACT' });
  }
}

/** A Kubernetes call failed, or the rollout did not complete. */
export class KubernetesDeployError extends DeployError {
  /** `namespace/name` of the object. */
  readonly object: string;
  /** The API server's HTTP status, when it answered. */
  readonly status: number | undefined;
  constructor(
    message: string,
    object: string,
    options: { cause?: unknown; status?: number; code?: string } = {},
  ) {
    super(message, {}, { cause: options.cause, code: options.code ?? 'KUBERNETES_DEPLOY_FAILED' });
    this.object = object;
    this.status = options.status;
  }
}

/** The rollout did not finish in time, or Kubernetes reported it stuck. */
export class RolloutError extends KubernetesDeployError {
  constructor(message: string, object: string) {
    super(message, object, { code: 'ROLLOUT_FAILED' });
  }
}
