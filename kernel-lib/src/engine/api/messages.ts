/**
 * The request messages of the KFP v2beta1 API the engine accepts, field by field as in
 * `kfp_api_single_file.swagger.json` (output-only fields are accepted and ignored, as KFP does).
 */
import type { MessageSpec } from './input';

const STORAGE_STATES = ['STORAGE_STATE_UNSPECIFIED', 'AVAILABLE', 'ARCHIVED'] as const;
const RUNTIME_STATES = [
  'RUNTIME_STATE_UNSPECIFIED',
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'SKIPPED',
  'FAILED',
  'CANCELING',
  'CANCELED',
  'PAUSED',
] as const;

const STATUS: MessageSpec = {
  name: 'googleRpcStatus',
  fields: { code: 'int32', message: 'string', details: { list: 'struct' } },
};

export const EXPERIMENT: MessageSpec = {
  name: 'v2beta1Experiment',
  fields: {
    experiment_id: 'string',
    display_name: 'string',
    description: 'string',
    created_at: 'timestamp',
    namespace: 'string',
    storage_state: { enum: STORAGE_STATES },
    last_run_created_at: 'timestamp',
  },
};

export const URL_MESSAGE: MessageSpec = {
  name: 'v2beta1Url',
  fields: { pipeline_url: 'string' },
};

export const PIPELINE: MessageSpec = {
  name: 'v2beta1Pipeline',
  fields: {
    pipeline_id: 'string',
    display_name: 'string',
    name: 'string',
    description: 'string',
    created_at: 'timestamp',
    namespace: 'string',
    error: { message: STATUS },
    tags: { map: 'string' },
  },
};

export const PIPELINE_VERSION: MessageSpec = {
  name: 'v2beta1PipelineVersion',
  fields: {
    pipeline_id: 'string',
    pipeline_version_id: 'string',
    display_name: 'string',
    name: 'string',
    description: 'string',
    created_at: 'timestamp',
    package_url: { message: URL_MESSAGE },
    code_source_url: 'string',
    pipeline_spec: 'struct',
    error: { message: STATUS },
    tags: { map: 'string' },
  },
};

export const CREATE_PIPELINE_AND_VERSION: MessageSpec = {
  name: 'v2beta1CreatePipelineAndVersionRequest',
  fields: {
    pipeline: { message: PIPELINE },
    pipeline_version: { message: PIPELINE_VERSION },
  },
};

export const PIPELINE_VERSION_REFERENCE: MessageSpec = {
  name: 'v2beta1PipelineVersionReference',
  fields: { pipeline_id: 'string', pipeline_version_id: 'string' },
};

export const RUNTIME_CONFIG: MessageSpec = {
  name: 'v2beta1RuntimeConfig',
  fields: { parameters: { map: 'value' }, pipeline_root: 'string' },
};

const RUNTIME_STATUS: MessageSpec = {
  name: 'v2beta1RuntimeStatus',
  fields: {
    update_time: 'timestamp',
    state: { enum: RUNTIME_STATES },
    error: { message: STATUS },
  },
};

export const RUN: MessageSpec = {
  name: 'v2beta1Run',
  fields: {
    experiment_id: 'string',
    run_id: 'string',
    display_name: 'string',
    storage_state: { enum: STORAGE_STATES },
    description: 'string',
    pipeline_version_id: 'string',
    pipeline_spec: 'struct',
    pipeline_version_reference: { message: PIPELINE_VERSION_REFERENCE },
    runtime_config: { message: RUNTIME_CONFIG },
    service_account: 'string',
    created_at: 'timestamp',
    scheduled_at: 'timestamp',
    finished_at: 'timestamp',
    state: { enum: RUNTIME_STATES },
    error: { message: STATUS },
    run_details: 'struct',
    recurring_run_id: 'string',
    state_history: { list: { message: RUNTIME_STATUS } },
    plugins_input: { map: 'struct' },
    plugins_output: { map: 'struct' },
  },
};

const INT_VALUES: MessageSpec = {
  name: 'PredicateIntValues',
  fields: { values: { list: 'int32' } },
};
const LONG_VALUES: MessageSpec = {
  name: 'PredicateLongValues',
  fields: { values: { list: 'int64' } },
};
const STRING_VALUES: MessageSpec = {
  name: 'PredicateStringValues',
  fields: { values: { list: 'string' } },
};

/** The operations of a filter predicate, in enum order (the client may send the number). */
export const PREDICATE_OPERATIONS = [
  'OPERATION_UNSPECIFIED',
  'EQUALS',
  'NOT_EQUALS',
  'GREATER_THAN',
  'GREATER_THAN_EQUALS',
  'LESS_THAN',
  'LESS_THAN_EQUALS',
  'IN',
  'IS_SUBSTRING',
] as const;

export const PREDICATE: MessageSpec = {
  name: 'v2beta1Predicate',
  fields: {
    operation: { enum: PREDICATE_OPERATIONS },
    key: 'string',
    int_value: 'int32',
    long_value: 'int64',
    string_value: 'string',
    timestamp_value: 'timestamp',
    int_values: { message: INT_VALUES },
    long_values: { message: LONG_VALUES },
    string_values: { message: STRING_VALUES },
  },
};

export const FILTER: MessageSpec = {
  name: 'v2beta1Filter',
  fields: { predicates: { list: { message: PREDICATE } } },
};

export const CRON_SCHEDULE: MessageSpec = {
  name: 'v2beta1CronSchedule',
  fields: {
    start_time: 'timestamp',
    end_time: 'timestamp',
    cron: 'string',
    /** Pipelab addition: the IANA zone the cron is read in (default UTC). */
    time_zone: 'string',
  },
};

export const PERIODIC_SCHEDULE: MessageSpec = {
  name: 'v2beta1PeriodicSchedule',
  fields: { start_time: 'timestamp', end_time: 'timestamp', interval_second: 'int64' },
};

export const TRIGGER: MessageSpec = {
  name: 'v2beta1Trigger',
  fields: {
    cron_schedule: { message: CRON_SCHEDULE },
    periodic_schedule: { message: PERIODIC_SCHEDULE },
  },
};

export const RECURRING_RUN_MODES = ['MODE_UNSPECIFIED', 'ENABLE', 'DISABLE'] as const;
const RECURRING_RUN_STATUSES = ['STATUS_UNSPECIFIED', 'ENABLED', 'DISABLED'] as const;

export const RECURRING_RUN: MessageSpec = {
  name: 'v2beta1RecurringRun',
  fields: {
    recurring_run_id: 'string',
    display_name: 'string',
    description: 'string',
    pipeline_version_id: 'string',
    pipeline_spec: 'struct',
    pipeline_version_reference: { message: PIPELINE_VERSION_REFERENCE },
    runtime_config: { message: RUNTIME_CONFIG },
    service_account: 'string',
    max_concurrency: 'int64',
    trigger: { message: TRIGGER },
    mode: { enum: RECURRING_RUN_MODES },
    created_at: 'timestamp',
    updated_at: 'timestamp',
    status: { enum: RECURRING_RUN_STATUSES },
    error: { message: STATUS },
    no_catchup: 'bool',
    namespace: 'string',
    experiment_id: 'string',
    plugins_input: { map: 'struct' },
    // Pipelab additions: an input (max_consecutive_failures) and outputs, accepted and ignored.
    max_consecutive_failures: 'int32',
    next_fire_time: 'timestamp',
    last_run: 'struct',
    consecutive_failures: 'int32',
    disabled_reason: 'string',
  },
};

/** Pipelab addition: `POST /apis/v2beta1/recurringruns:preview`. */
export const PREVIEW_REQUEST: MessageSpec = {
  name: 'PreviewRecurringRunRequest',
  fields: {
    trigger: { message: TRIGGER },
    recurring_run_id: 'string',
    count: 'int32',
    from: 'timestamp',
  },
};
