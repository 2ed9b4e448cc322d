/**
 * The options of {@link startModelServer}, and the one function that applies their defaults and
 * checks them.
 */
import type { BackendName } from '../components/train/backend';
import { DEFAULT_MAX_BATCH_SIZE, type BatchingOptions } from './batcher';
import { ServingOptionsError } from './errors';
import { modelDirHistory, type HistoryProvider } from './history';
import { trainedModelLoader, type PredictorLoader } from './predictor';
import { ModelRegistry } from './registry';

/** TensorFlow Serving's REST port. */
export const DEFAULT_SERVING_PORT = 8501;

export interface ModelServerOptions {
  /** The models root (`<modelsDir>/<model>/<version>/`); created when missing. */
  readonly modelsDir: string;
  /** The address to listen on. @default '127.0.0.1' (this machine only) */
  readonly host?: string;
  /** The port; 0 picks a free one. @default 8501 (TensorFlow Serving's REST port) */
  readonly port?: number;
  /**
   * Micro-batching of concurrent predictions to one version, or `false` to call the model once
   * per request.
   * @default { maxBatchSize: 32, maxDelayMs: 0 }
   */
  readonly batching?: BatchingOptions | boolean;
  /** Versions kept per model after a deploy through this server's registry. @default 5 */
  readonly keepVersions?: number;
  /** Loads a version directory. @default the train step's `loadTrainedModel` (TensorFlow.js) */
  readonly loader?: PredictorLoader;
  /** The TensorFlow.js backend of the default loader. @default 'auto' */
  readonly backend?: BackendName | 'auto';
  /**
   * The default loader evaluates the LSTM in plain JavaScript when that reproduces the
   * TensorFlow.js model (see `fast-lstm.ts`); false always uses TensorFlow.js.
   * @default true
   */
  readonly fastPath?: boolean;
  /** The latest daily totals forecasts start from. @default the days stored with the version */
  readonly historyProvider?: HistoryProvider;
  /**
   * How often the registry on disk is re-read for changes made by other processes (a deploy
   * step), in milliseconds; 0 turns polling off. Changes made through `registry` apply at once,
   * and the model directories are also watched.
   * @default 1000
   */
  readonly pollIntervalMs?: number;
  /** Watch the models root for changes (in addition to polling). @default true */
  readonly watch?: boolean;
  /** Largest request body, in bytes (larger: 413). @default 8 MiB */
  readonly maxBodyBytes?: number;
  /** Most instances in one predict request. @default 10000 */
  readonly maxInstances?: number;
  /** Most days one forecast request may ask for. @default 366 */
  readonly maxForecastDays?: number;
  /** Serve `POST /v1/models/{name}:rollback`. @default true */
  readonly allowRollback?: boolean;
  /** Where load failures and registry problems are reported. @default console.error */
  readonly log?: (line: string) => void;
}

/** Options with every default applied. */
export interface SettledServerOptions {
  readonly registry: ModelRegistry;
  readonly host: string;
  readonly port: number;
  readonly batching: BatchingOptions | false;
  readonly loader: PredictorLoader;
  readonly historyProvider: HistoryProvider;
  readonly pollIntervalMs: number;
  readonly watch: boolean;
  readonly maxBodyBytes: number;
  readonly maxInstances: number;
  readonly maxForecastDays: number;
  readonly allowRollback: boolean;
  readonly log: (line: string) => void;
}

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ServingOptionsError(
      `option ${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`,
      name,
    );
  }
  return value;
}

function settleBatching(value: ModelServerOptions['batching']): BatchingOptions | false {
  if (value === false) return false;
  if (value === undefined || value === true)
    return { maxBatchSize: DEFAULT_MAX_BATCH_SIZE, maxDelayMs: 0 };
  if (typeof value !== 'object' || value === null) {
    throw new ServingOptionsError('option batching must be a boolean or an object', 'batching');
  }
  return {
    maxBatchSize: integer(
      value.maxBatchSize,
      'batching.maxBatchSize',
      1,
      100_000,
      DEFAULT_MAX_BATCH_SIZE,
    ),
    maxDelayMs: integer(value.maxDelayMs, 'batching.maxDelayMs', 0, 1000, 0),
  };
}

/**
 * Applies defaults and checks the options.
 * @throws ServingOptionsError naming the invalid option
 */
export function settleServerOptions(options: ModelServerOptions): SettledServerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ServingOptionsError('startModelServer needs an options object', 'options');
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.trim() === '') {
    throw new ServingOptionsError('option host must be a host name or address', 'host');
  }
  const log = options.log ?? ((line: string) => console.error(line));
  return {
    registry: new ModelRegistry({
      modelsDir: options.modelsDir,
      keepVersions: options.keepVersions,
    }),
    host,
    port: integer(options.port, 'port', 0, 65_535, DEFAULT_SERVING_PORT),
    batching: settleBatching(options.batching),
    loader:
      options.loader ??
      trainedModelLoader({ backend: options.backend, fastPath: options.fastPath, log }),
    historyProvider: options.historyProvider ?? modelDirHistory(),
    pollIntervalMs: integer(options.pollIntervalMs, 'pollIntervalMs', 0, 86_400_000, 1000),
    watch: options.watch ?? true,
    maxBodyBytes: integer(options.maxBodyBytes, 'maxBodyBytes', 1024, 1 << 30, 8 << 20),
    maxInstances: integer(options.maxInstances, 'maxInstances', 1, 10_000_000, 10_000),
    maxForecastDays: integer(options.maxForecastDays, 'maxForecastDays', 1, 10_000, 366),
    allowRollback: options.allowRollback ?? true,
    log,
  };
}
