/**
 * The client of the KFP REST API v2beta1: one {@link Client} with sub-clients for pipelines,
 * experiments, runs and recurring runs, talking to the embedded engine or to Kubeflow Pipelines
 * with the same code. This entry point runs in Node and in browsers; `./node` adds the Node-only
 * parts (token files, kubeconfig transport).
 */
export { Client, type ClientOptions, type ConnectOptions } from './client';
export {
  Connection,
  DEFAULT_ENDPOINT,
  API_PREFIX,
  normalizeEndpoint,
  type ConnectionOptions,
  type RequestOptions,
  type FetchFunction,
} from './connection';
export { ENV, type AuthOptions, type TokenSource, type Env } from './auth';
export {
  PipelinesClient,
  PipelineVersionsClient,
  type UploadPipelineOptions,
  type UploadPipelineVersionOptions,
  type ListPipelinesOptions,
  type IteratePipelinesOptions,
  type DeletePipelineOptions,
} from './pipelines';
export {
  ExperimentsClient,
  type CreateExperimentOptions,
  type ListExperimentsOptions,
  type IterateExperimentsOptions,
} from './experiments';
export {
  RunsClient,
  type CreateRunOptions,
  type ListRunsOptions,
  type IterateRunsOptions,
  type TaskLogOptions,
  type PipelineVersionRef,
} from './runs';
export { RecurringRunsClient, fromApiTrigger } from './recurring-runs';
export type {
  KfpCron,
  TimeOption,
  TriggerWindow,
  CronTriggerOptions,
  PeriodicTriggerOptions,
  TriggerOptions,
  CreateRecurringRunOptions,
  UpdateRecurringRunOptions,
  ListRecurringRunsOptions,
  IterateRecurringRunsOptions,
  PreviewOptions,
} from './schedule-types';
export { RunHandle, type WaitOptions } from './run-handle';
export {
  FINAL_RUN_STATES,
  isFinalState,
  isSucceeded,
  taskDetails,
  findTask,
  failedTasks,
  runLink,
} from './run-helpers';
export {
  filter,
  predicate,
  encodeFilter,
  type FilterInput,
  type FilterValue,
  type FilterListValue,
} from './filter';
export type { ListOptions, IterateOptions, Page } from './paging';
export {
  isPipelineSpec,
  withCaching,
  type PipelineSource,
  type PipelinePackage,
} from './pipeline-source';
export {
  KfpApiError,
  ConnectionError,
  RunTimeoutError,
  RunFailedError,
  EngineOnlyError,
  ClientOptionsError,
  grpcCodeName,
  missingOperation,
  type KfpApiErrorInit,
} from './errors';
export type { KubeconfigOptions } from './kube';
export type {
  JsonValue,
  ProtobufAny,
  GoogleRpcStatus,
  RuntimeState,
  StorageState,
  PredicateOperation,
  V2beta1Predicate,
  V2beta1Filter,
  V2beta1GetHealthzResponse,
  V2beta1Experiment,
  V2beta1ListExperimentsResponse,
  V2beta1Pipeline,
  V2beta1Url,
  V2beta1PipelineVersion,
  V2beta1ListPipelinesResponse,
  V2beta1ListPipelineVersionsResponse,
  V2beta1PipelineVersionReference,
  V2beta1RuntimeConfig,
  V2beta1RuntimeStatus,
  V2beta1ArtifactList,
  V2beta1PipelineTaskExecutorDetail,
  PipelineTaskDetailChildTask,
  V2beta1PipelineTaskDetail,
  V2beta1RunDetails,
  V2beta1MetadataValue,
  V2beta1PluginOutput,
  V2beta1Run,
  V2beta1ListRunsResponse,
  V2beta1CronSchedule,
  V2beta1PeriodicSchedule,
  V2beta1Trigger,
  V2beta1RecurringRun,
  V2beta1ListRecurringRunsResponse,
  PipelabCronSchedule,
  PipelabTrigger,
  PipelabRecurringRun,
  RecurringRunLastRun,
  PreviewRecurringRunResponse,
} from './types';
