/**
 * The KFP REST API v2beta1 messages as they travel on the wire: snake_case field names, enums as
 * their names, int64 values as decimal strings (grpc-gateway writes them so), timestamps as
 * RFC 3339 strings. They mirror the definitions of `kfp_api_single_file.swagger.json`; every
 * field is optional there, and so it is here, because a server leaves out what is empty.
 *
 * The embedded engine answers with these same shapes; what it adds is documented where it is used
 * (task logs in `runs.ts`).
 */

import type { JsonValue } from '../dsl/types';

export type { JsonValue };

/** `protobufAny`: one entry of an error's details, its type named by `@type`. */
export interface ProtobufAny {
  '@type'?: string;
  [field: string]: unknown;
}

/** `googleRpcStatus`: the body of every error response, and the `error` field of resources. */
export interface GoogleRpcStatus {
  /** The gRPC status code (google.rpc.Code), e.g. 5 for NOT_FOUND. */
  code?: number;
  message?: string;
  details?: ProtobufAny[];
}

/** `v2beta1RuntimeState`: the state of a run or a task. */
export type RuntimeState =
  | 'RUNTIME_STATE_UNSPECIFIED'
  | 'PENDING'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'SKIPPED'
  | 'FAILED'
  | 'CANCELING'
  | 'CANCELED'
  | 'PAUSED';

/** `v2beta1RunStorageState` / `v2beta1ExperimentStorageState`. */
export type StorageState = 'STORAGE_STATE_UNSPECIFIED' | 'AVAILABLE' | 'ARCHIVED';

/** `v2beta1PredicateOperation`. */
export type PredicateOperation =
  | 'OPERATION_UNSPECIFIED'
  | 'EQUALS'
  | 'NOT_EQUALS'
  | 'GREATER_THAN'
  | 'GREATER_THAN_EQUALS'
  | 'LESS_THAN'
  | 'LESS_THAN_EQUALS'
  | 'IN'
  | 'IS_SUBSTRING';

/** `v2beta1Predicate`: one condition of a filter; exactly one value field is set. */
export interface V2beta1Predicate {
  operation?: PredicateOperation;
  key?: string;
  int_value?: number;
  /** int64, as a decimal string. */
  long_value?: string;
  string_value?: string;
  /** RFC 3339; compared as Unix seconds. */
  timestamp_value?: string;
  int_values?: { values?: number[] };
  long_values?: { values?: string[] };
  string_values?: { values?: string[] };
}

/** `v2beta1Filter`: predicates that are AND-ed. Sent JSON-encoded in the `filter` query parameter. */
export interface V2beta1Filter {
  predicates?: V2beta1Predicate[];
}

/** `v2beta1GetHealthzResponse`; KFP's server (and the engine) also write `commit_sha` and `tag_name`. */
export interface V2beta1GetHealthzResponse {
  multi_user?: boolean;
  pipeline_store?: string;
  commit_sha?: string;
  tag_name?: string;
}

/** `v2beta1Experiment`. */
export interface V2beta1Experiment {
  experiment_id?: string;
  display_name?: string;
  description?: string;
  created_at?: string;
  namespace?: string;
  storage_state?: StorageState;
  last_run_created_at?: string;
}

/** `v2beta1ListExperimentsResponse`. */
export interface V2beta1ListExperimentsResponse {
  experiments?: V2beta1Experiment[];
  total_size?: number;
  next_page_token?: string;
}

/** `v2beta1Pipeline`. */
export interface V2beta1Pipeline {
  pipeline_id?: string;
  display_name?: string;
  name?: string;
  description?: string;
  created_at?: string;
  namespace?: string;
  error?: GoogleRpcStatus;
  tags?: Record<string, string>;
}

/** `v2beta1Url`. */
export interface V2beta1Url {
  pipeline_url?: string;
}

/** `v2beta1PipelineVersion`. */
export interface V2beta1PipelineVersion {
  pipeline_id?: string;
  pipeline_version_id?: string;
  display_name?: string;
  name?: string;
  description?: string;
  created_at?: string;
  package_url?: V2beta1Url;
  code_source_url?: string;
  /** The compiled PipelineSpec (a JSON object). */
  pipeline_spec?: Record<string, unknown>;
  error?: GoogleRpcStatus;
  tags?: Record<string, string>;
}

/** `v2beta1ListPipelinesResponse`. */
export interface V2beta1ListPipelinesResponse {
  pipelines?: V2beta1Pipeline[];
  total_size?: number;
  next_page_token?: string;
}

/** `v2beta1ListPipelineVersionsResponse`. */
export interface V2beta1ListPipelineVersionsResponse {
  pipeline_versions?: V2beta1PipelineVersion[];
  next_page_token?: string;
  total_size?: number;
}

/** `v2beta1PipelineVersionReference`. */
export interface V2beta1PipelineVersionReference {
  pipeline_id?: string;
  /** When unset, the latest version of the pipeline is used. */
  pipeline_version_id?: string;
}

/** `v2beta1RuntimeConfig`. */
export interface V2beta1RuntimeConfig {
  parameters?: Record<string, JsonValue>;
  pipeline_root?: string;
}

/** `v2beta1RuntimeStatus`: one entry of a state history. */
export interface V2beta1RuntimeStatus {
  update_time?: string;
  state?: RuntimeState;
  error?: GoogleRpcStatus;
}

/** `v2beta1ArtifactList`: ML Metadata artifact ids (int64 as strings). */
export interface V2beta1ArtifactList {
  artifact_ids?: string[];
}

/** `v2beta1PipelineTaskExecutorDetail`. */
export interface V2beta1PipelineTaskExecutorDetail {
  main_job?: string;
  pre_caching_check_job?: string;
  failed_main_jobs?: string[];
  failed_pre_caching_check_jobs?: string[];
}

/** `PipelineTaskDetailChildTask`. */
export interface PipelineTaskDetailChildTask {
  task_id?: string;
  pod_name?: string;
}

/** `v2beta1PipelineTaskDetail`: one task of a run. */
export interface V2beta1PipelineTaskDetail {
  run_id?: string;
  task_id?: string;
  display_name?: string;
  create_time?: string;
  start_time?: string;
  end_time?: string;
  executor_detail?: V2beta1PipelineTaskExecutorDetail;
  state?: RuntimeState;
  /** int64, as a decimal string. */
  execution_id?: string;
  error?: GoogleRpcStatus;
  inputs?: Record<string, V2beta1ArtifactList>;
  outputs?: Record<string, V2beta1ArtifactList>;
  parent_task_id?: string;
  state_history?: V2beta1RuntimeStatus[];
  pod_name?: string;
  child_tasks?: PipelineTaskDetailChildTask[];
}

/** `v2beta1RunDetails`. */
export interface V2beta1RunDetails {
  /** int64, as a decimal string. */
  pipeline_context_id?: string;
  /** int64, as a decimal string. */
  pipeline_run_context_id?: string;
  task_details?: V2beta1PipelineTaskDetail[];
}

/** `v2beta1MetadataValue`. */
export interface V2beta1MetadataValue {
  value?: unknown;
  render_type?: 'UNSPECIFIED' | 'URL';
}

/** `v2beta1PluginOutput`. */
export interface V2beta1PluginOutput {
  entries?: Record<string, V2beta1MetadataValue>;
  state?: 'PLUGIN_STATE_UNSPECIFIED' | 'PLUGIN_RUNNING' | 'PLUGIN_SUCCEEDED' | 'PLUGIN_FAILED';
  state_message?: string;
}

/** `v2beta1Run`. */
export interface V2beta1Run {
  experiment_id?: string;
  run_id?: string;
  display_name?: string;
  storage_state?: StorageState;
  description?: string;
  /** Deprecated by KFP: use `pipeline_version_reference`. */
  pipeline_version_id?: string;
  /** The compiled PipelineSpec the run was created from, when it was given inline. */
  pipeline_spec?: Record<string, unknown>;
  pipeline_version_reference?: V2beta1PipelineVersionReference;
  runtime_config?: V2beta1RuntimeConfig;
  service_account?: string;
  created_at?: string;
  scheduled_at?: string;
  finished_at?: string;
  state?: RuntimeState;
  error?: GoogleRpcStatus;
  run_details?: V2beta1RunDetails;
  recurring_run_id?: string;
  state_history?: V2beta1RuntimeStatus[];
  plugins_input?: Record<string, Record<string, unknown>>;
  plugins_output?: Record<string, V2beta1PluginOutput>;
}

/** `v2beta1ListRunsResponse`. */
export interface V2beta1ListRunsResponse {
  runs?: V2beta1Run[];
  total_size?: number;
  next_page_token?: string;
}

/** `v2beta1CronSchedule`. */
export interface V2beta1CronSchedule {
  start_time?: string;
  end_time?: string;
  cron?: string;
}

/** `v2beta1PeriodicSchedule`. */
export interface V2beta1PeriodicSchedule {
  start_time?: string;
  end_time?: string;
  /** int64 seconds, as a decimal string. */
  interval_second?: string;
}

/** `v2beta1Trigger`: one of a cron or a periodic schedule. */
export interface V2beta1Trigger {
  cron_schedule?: V2beta1CronSchedule;
  periodic_schedule?: V2beta1PeriodicSchedule;
}

/** `v2beta1RecurringRun`. */
export interface V2beta1RecurringRun {
  recurring_run_id?: string;
  display_name?: string;
  description?: string;
  pipeline_version_id?: string;
  pipeline_spec?: Record<string, unknown>;
  pipeline_version_reference?: V2beta1PipelineVersionReference;
  runtime_config?: V2beta1RuntimeConfig;
  service_account?: string;
  /** int64, as a decimal string. */
  max_concurrency?: string;
  trigger?: V2beta1Trigger;
  mode?: 'MODE_UNSPECIFIED' | 'ENABLE' | 'DISABLE';
  created_at?: string;
  updated_at?: string;
  status?: 'STATUS_UNSPECIFIED' | 'ENABLED' | 'DISABLED';
  error?: GoogleRpcStatus;
  no_catchup?: boolean;
  namespace?: string;
  experiment_id?: string;
  plugins_input?: Record<string, Record<string, unknown>>;
}

/** `v2beta1ListRecurringRunsResponse`. Note the camelCase `recurringRuns`, as in KFP's swagger. */
export interface V2beta1ListRecurringRunsResponse {
  recurringRuns?: V2beta1RecurringRun[];
  total_size?: number;
  next_page_token?: string;
}

// Pipelab engine additions to the recurring-run messages (kernel-lib/src/engine/API.md). A KFP
// server neither sends nor accepts them.

/** `v2beta1CronSchedule` with the engine's `time_zone`. */
export interface PipelabCronSchedule extends V2beta1CronSchedule {
  /** The IANA zone the cron is read in (the engine; KFP reads UTC). Absent means UTC. */
  time_zone?: string;
}

/** `v2beta1Trigger` with the engine's cron time zone. */
export interface PipelabTrigger extends V2beta1Trigger {
  cron_schedule?: PipelabCronSchedule;
}

/** The latest run of a recurring run, as the engine summarizes it (`last_run`). */
export interface RecurringRunLastRun {
  run_id?: string;
  display_name?: string;
  state?: RuntimeState;
  scheduled_at?: string;
  created_at?: string;
  finished_at?: string;
}

/** A recurring run as the engine answers it: KFP's message and the engine's additions. */
export interface PipelabRecurringRun extends V2beta1RecurringRun {
  trigger?: PipelabTrigger;
  /** Disable after this many failed runs in a row; absent: never. */
  max_consecutive_failures?: number;
  /** Failed runs in a row so far. */
  consecutive_failures?: number;
  /** Why the engine disabled it (repeated failures, an archived experiment). */
  disabled_reason?: string;
  /** When it fires next; absent when disabled or past its end time. */
  next_fire_time?: string;
  /** Its latest run, by scheduled time. */
  last_run?: RecurringRunLastRun;
}

/** The engine's `POST /apis/v2beta1/recurringruns:preview` answer. */
export interface PreviewRecurringRunResponse {
  fire_times?: string[];
}
