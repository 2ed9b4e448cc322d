/** The pipeline DSL: components, parameters and artifact types, pipelines and conditions. */
export {
  param,
  artifactType,
  optional,
  Artifact,
  Dataset,
  Model,
  Metrics,
  ClassificationMetrics,
  SlicedClassificationMetrics,
  HTML,
  Markdown,
  type ParameterType,
  type ParameterValue,
  type ParamSpec,
  type ArtifactSpec,
  type IOSpec,
  type JsonValue,
} from './types';
export {
  containerComponent,
  functionComponent,
  isComponent,
  type Component,
  type ComponentDefinition,
  type ContainerComponentOptions,
  type FunctionComponentOptions,
  type ContainerIO,
  type RuntimeArtifact,
  type TaskArgs,
  type TaskOptions,
  type OutputChannels,
} from './component';
export {
  pipeline,
  If,
  isPipeline,
  type Pipeline,
  type PipelineOptions,
  type PipelineParams,
  type IfChain,
} from './pipeline';
export { PipelineTask, type RetryOptions } from './task';
export { ParamChannel, ArtifactChannel, type Channel, type Condition } from './channel';
export {
  ifPresent,
  concat,
  EXECUTOR_INPUT,
  PIPELINE_JOB_NAME,
  PIPELINE_JOB_ID,
  PIPELINE_TASK_NAME,
  PIPELINE_TASK_ID,
  PIPELINE_JOB_CREATE_TIME_UTC,
  PIPELINE_JOB_SCHEDULE_TIME_UTC,
  PIPELINE_ROOT,
  type Placeholder,
  type CommandPart,
} from './placeholders';
