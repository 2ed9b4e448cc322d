/**
 * The deploy step's arguments, and the one function that turns a command line (and KFP's
 * ExecutorInput) into complete, checked {@link DeployOptions}.
 */
import { parseArgs } from 'node:util';
import { VERSION } from '../../version';
import { localPathOfArtifact } from '../../serving/artifact-uri';
import { isModelName, parseVersion } from '../../serving/layout';
import { defaultModelsDir } from '../../serving/models-dir';
import { DeployOptionsError } from './errors';
import { parseDeployExecutorInput, type DeployExecutorInput } from './executor-io';

/** The image the Kubernetes deployment runs (`pipelab-component serve`). */
export const MODEL_SERVER_IMAGE = `ghcr.io/pipelab/components:${VERSION}`;

export const DEPLOY_USAGE = `Usage: pipelab-component deploy --model-dir <dir|uri> [options]
  --model-dir <dir|uri>          the trained Model artifact (a path, file://, gs:// → /gcs/ …)
  --model-name <name>            the model to add a version to (default chicago_crime)
  --set-default true|false       make the new version the default, if the gate passes (default true)
  --replace-existing-version [true|false]  with --version: replace that version if it exists
  --version <n>                  the version number to create (default: the next one)
  --version-output <file>        write the deployed version (the output parameter) here
  --gate true|false              the quality gate (default true)
  --gate-tolerance <fraction>    how much worse the RMSE may be and still pass (default 0.05)
  --gate-window-days <n>         recent days both models are scored on (default 90)
  --models-dir <dir>             the registry (default $PIPELAB_MODELS, else <PIPELAB_HOME>/models)
  --keep-versions <n>            versions kept per model (default 5)
  --executor-input <json>        KFP's ExecutorInput ({{$}}): also write executor_output.json
  --target local|kubernetes      where to deploy (default local)
  --kubeconfig <file>            kubernetes: the kubeconfig (default $KUBECONFIG, ~/.kube/config)
  --context <name>               kubernetes: the kubeconfig context (default its current one)
  --namespace <ns>               kubernetes: the namespace (default default)
  --image <image>                kubernetes: the model server image (default ${MODEL_SERVER_IMAGE})
  --replicas <n>                 kubernetes: replicas (default 1)
  --rollout-timeout <seconds>    kubernetes: how long to wait for the rollout (default 300)
  --rollout-poll <seconds>       kubernetes: between two reads of the rollout status (default 1)
`;

export interface KubernetesTargetOptions {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
  readonly rolloutTimeoutMs: number;
  readonly rolloutPollMs: number;
}

/** Complete options of one deploy. */
export interface DeployOptions {
  /** The Model artifact as given (path or URI), and its local directory. */
  readonly modelUri: string;
  readonly modelDir: string;
  readonly modelName: string;
  readonly setDefault: boolean;
  readonly replaceExistingVersion: boolean;
  readonly version: number | undefined;
  readonly versionOutput: string | undefined;
  readonly gate: boolean;
  readonly gateTolerance: number;
  readonly gateWindowDays: number;
  readonly modelsDir: string;
  readonly keepVersions: number;
  readonly executorInput: DeployExecutorInput | undefined;
  readonly target: 'local' | 'kubernetes';
  readonly kubernetes: KubernetesTargetOptions;
}

/** Whether the parsed value asked for help instead. */
export type ParsedDeployArgs =
  { readonly help: true } | { readonly help: false; readonly options: DeployOptions };

const FLAG_WITH_OPTIONAL_VALUE = '--replace-existing-version';
const BOOLEAN_WORDS = new Set(['true', 'false', '1', '0', 'yes', 'no', 'True', 'False']);

/** `--replace-existing-version` alone means true; followed by true/false it takes that value. */
function normalizeFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === FLAG_WITH_OPTIONAL_VALUE) {
      const next = argv[i + 1];
      if (next !== undefined && BOOLEAN_WORDS.has(next)) {
        out.push(`${arg}=${next}`);
        i++;
      } else {
        out.push(`${arg}=true`);
      }
    } else {
      out.push(arg);
    }
  }
  return out;
}

function bool(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new DeployOptionsError(`--${name} must be true or false; got '${value}'`, name);
}

function number(
  value: string | undefined,
  name: string,
  fallback: number,
  check: { min: number; max: number; integer: boolean },
): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (
    !Number.isFinite(n) ||
    n < check.min ||
    n > check.max ||
    (check.integer && !Number.isInteger(n))
  ) {
    throw new DeployOptionsError(
      `--${name} must be ${check.integer ? 'an integer' : 'a number'} from ${check.min} to ${check.max}; got '${value}'`,
      name,
    );
  }
  return n;
}

/**
 * Parses the deploy step's command line.
 * @throws DeployOptionsError naming the argument (also for unknown arguments)
 */
export function parseDeployArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedDeployArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: normalizeFlags(argv),
      strict: true,
      allowPositionals: false,
      options: {
        'model-dir': { type: 'string' },
        'model-name': { type: 'string' },
        'set-default': { type: 'string' },
        'replace-existing-version': { type: 'string' },
        version: { type: 'string' },
        'version-output': { type: 'string' },
        gate: { type: 'string' },
        'gate-tolerance': { type: 'string' },
        'gate-window-days': { type: 'string' },
        'models-dir': { type: 'string' },
        'keep-versions': { type: 'string' },
        'executor-input': { type: 'string' },
        target: { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        namespace: { type: 'string' },
        image: { type: 'string' },
        replicas: { type: 'string' },
        'rollout-timeout': { type: 'string' },
        'rollout-poll': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new DeployOptionsError(`${(error as Error).message}\n\n${DEPLOY_USAGE}`, 'argv', {
      cause: error,
    });
  }
  if (values.help) return { help: true };

  const text = (name: keyof typeof values): string | undefined => {
    const value = values[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const executorInput =
    text('executor-input') === undefined
      ? undefined
      : parseDeployExecutorInput(text('executor-input') as string);
  const modelUri = text('model-dir') ?? executorInput?.modelUri;
  if (modelUri === undefined) {
    throw new DeployOptionsError(
      `missing --model-dir (the trained Model artifact)\n\n${DEPLOY_USAGE}`,
      'model-dir',
    );
  }
  let modelDir: string;
  try {
    modelDir = localPathOfArtifact(modelUri);
  } catch (error) {
    throw new DeployOptionsError((error as Error).message, 'model-dir', { cause: error });
  }
  const modelName = text('model-name') ?? 'chicago_crime';
  if (!isModelName(modelName)) {
    throw new DeployOptionsError(
      `--model-name '${modelName}' is not a model name (letters, digits, '_', '.', '-')`,
      'model-name',
    );
  }
  const versionText = text('version');
  const version = versionText === undefined ? undefined : parseVersion(versionText);
  if (versionText !== undefined && version === undefined) {
    throw new DeployOptionsError(
      `--version must be a positive integer (TensorFlow Serving numbers versions); got '${versionText}'`,
      'version',
    );
  }
  const target = text('target') ?? 'local';
  if (target !== 'local' && target !== 'kubernetes') {
    throw new DeployOptionsError(`--target must be local or kubernetes; got '${target}'`, 'target');
  }
  const namespace = text('namespace') ?? 'default';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new DeployOptionsError(
      `--namespace '${namespace}' is not a Kubernetes namespace name`,
      'namespace',
    );
  }
  return {
    help: false,
    options: {
      modelUri,
      modelDir,
      modelName,
      setDefault: bool(text('set-default'), 'set-default', true),
      replaceExistingVersion: bool(
        text('replace-existing-version'),
        'replace-existing-version',
        false,
      ),
      version,
      versionOutput: text('version-output') ?? executorInput?.parameterFiles.version,
      gate: bool(text('gate'), 'gate', true),
      gateTolerance: number(text('gate-tolerance'), 'gate-tolerance', 0.05, {
        min: 0,
        max: 100,
        integer: false,
      }),
      gateWindowDays: number(text('gate-window-days'), 'gate-window-days', 90, {
        min: 1,
        max: 100_000,
        integer: true,
      }),
      modelsDir: text('models-dir') ?? defaultModelsDir(env),
      keepVersions: number(text('keep-versions'), 'keep-versions', 5, {
        min: 1,
        max: 10_000,
        integer: true,
      }),
      executorInput,
      target,
      kubernetes: {
        kubeconfig: text('kubeconfig'),
        context: text('context'),
        namespace,
        image: text('image') ?? MODEL_SERVER_IMAGE,
        replicas: number(text('replicas'), 'replicas', 1, { min: 1, max: 1000, integer: true }),
        rolloutTimeoutMs:
          1000 *
          number(text('rollout-timeout'), 'rollout-timeout', 300, {
            min: 0.01,
            max: 86_400,
            integer: false,
          }),
        rolloutPollMs:
          1000 *
          number(text('rollout-poll'), 'rollout-poll', 1, { min: 0.01, max: 600, integer: false }),
      },
    },
  };
}
