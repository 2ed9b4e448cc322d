/**
 * Pipelab's model server: TensorFlow Serving's REST API over a registry of model versions on
 * disk, with micro-batching, atomic default switches, retention and rollback. See README.md.
 *
 * ```ts
 * import { startModelServer } from 'pipelab/dist/serving';
 * const server = await startModelServer({ modelsDir: '~/.pipelab/models', port: 0 });
 * await server.registry.deployVersion('chicago_crime', 'path/to/model', { setDefault: true });
 * // POST `${server.url}/v1/models/chicago_crime:predict` {"instances": [[812, 790, …]]}
 * await server.registry.rollback('chicago_crime');
 * await server.close();
 * ```
 */
export { startModelServer } from './server';
export type { ModelServer } from './server';
export { DEFAULT_SERVING_PORT, settleServerOptions } from './options';
export type { ModelServerOptions, SettledServerOptions } from './options';
export { ModelRegistry } from './registry';
export type {
  DefaultPointer,
  DeployResult,
  DeployVersionOptions,
  ModelRegistryOptions,
  ModelSnapshot,
  RegistryChange,
  VersionInfo,
  VersionMeta,
} from './registry';
export {
  checkModelName,
  isModelName,
  parseVersion,
  REGISTRY_FILES,
  VERSION_META_FORMAT,
} from './layout';
export { DEFAULT_MAX_BATCH_SIZE, MicroBatcher } from './batcher';
export type { BatchCallback, BatchingOptions, BatchRunner } from './batcher';
export { trainedModelLoader } from './predictor';
export type { DailyPoint, PredictorLoader, ServablePredictor, ServingInput } from './predictor';
export { modelDirHistory, readStoredHistory } from './history';
export type { HistoryProvider, HistoryRequest } from './history';
export { isDay, parsePredictRequest, SIGNATURE_NAME } from './instances';
export type { InputSignature, PredictRequest, RequestLimits } from './instances';
export { parseForecastRequest } from './forecast';
/** The day `n` days after a `YYYY-MM-DD` day (the train step's calendar arithmetic). */
export { addDays } from '../components/train/calendar';
export type { ForecastRequest } from './forecast';
export { parseRoute } from './routes';
export type { Route } from './routes';
export type { VersionSelector, VersionState } from './model-pool';
export { defaultModelsDir, MODELS_ENV } from './models-dir';
export { serveMain, SERVE_USAGE } from './serve-main';
export type { ServeMainIO } from './serve-main';
export {
  DefaultVersionReplaceError,
  InvalidRequestError,
  ModelNotFoundError,
  RegistryError,
  RollbackError,
  ServingError,
  ServingOptionsError,
  VersionExistsError,
  VersionNotFoundError,
  VersionUnavailableError,
} from './errors';
