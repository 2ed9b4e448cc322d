/**
 * The embedded engine: Pipelab's local stand-in for a Kubeflow Pipelines cluster. It speaks the
 * KFP REST API v2beta1 (see API.md for what it adds), keeps metadata in SQLite, executes runs
 * with the local runner and starts the runs of recurring runs on its clock.
 */
export { startEngine, DATABASE_FILE, BUCKETS_DIR, type EngineHandle } from './server';
export type { EngineOptions, DailyTick } from './options';
export {
  FakeClock,
  SystemClock,
  systemClock,
  type Clock,
  type TimerHandle,
  type SystemClockOptions,
} from './schedule/clock';
export {
  ACCESS_TOKEN_FILE,
  accessTokenPath,
  loadOrCreateAccessToken,
  type AccessToken,
} from './access-token';
export { TOKEN_QUERY_PARAMETER } from './api/auth';
export type { RunLauncher, LaunchRequest, LaunchedRun, LaunchOutcome } from './runs/launcher';
export { runnerLauncher, type RunnerLauncherOptions } from './runs/runner-launcher';
export {
  EngineError,
  ApiError,
  InvalidArgumentError,
  NotFoundError,
  AlreadyExistsError,
  FailedPreconditionError,
  UnimplementedError,
  PayloadTooLargeError,
  UnauthenticatedError,
  PermissionDeniedError,
  AccessTokenError,
  StoreError,
  EngineOptionsError,
  GrpcCode,
  httpStatusOf,
  type GrpcCodeName,
  type EngineErrorContext,
} from './errors';
