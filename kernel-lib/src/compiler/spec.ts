/**
 * The KFP v2 IR (PipelineSpec, schemaVersion 2.1.0) in its JSON/YAML form: camelCase field
 * names as protobuf's JSON mapping writes them. Only the parts Pipelab emits or reads are typed;
 * unknown fields from other compilers are kept as they are.
 */
import type { JsonValue, ParameterType } from '../dsl/types';

export interface ArtifactTypeSchema {
  schemaTitle: string;
  schemaVersion?: string;
}

export interface ParameterSpec {
  parameterType: ParameterType;
  defaultValue?: JsonValue;
  isOptional?: boolean;
  description?: string;
}

export interface ArtifactSpecIR {
  artifactType: ArtifactTypeSchema;
  isArtifactList?: boolean;
  isOptional?: boolean;
  description?: string;
}

export interface InputsSpec {
  parameters?: Record<string, ParameterSpec>;
  artifacts?: Record<string, ArtifactSpecIR>;
}

export interface OutputsSpec {
  parameters?: Record<string, { parameterType: ParameterType; description?: string }>;
  artifacts?: Record<string, ArtifactSpecIR>;
}

export interface TaskInputParameterSpec {
  componentInputParameter?: string;
  taskOutputParameter?: { producerTask: string; outputParameterKey: string };
  runtimeValue?: { constant: JsonValue };
  taskFinalStatus?: { producerTask: string };
  parameterExpressionSelector?: string;
}

export interface TaskInputArtifactSpec {
  componentInputArtifact?: string;
  taskOutputArtifact?: { producerTask: string; outputArtifactKey: string };
}

export interface RetryPolicyIR {
  maxRetryCount?: number;
  backoffDuration?: string;
  backoffFactor?: number;
  backoffMaxDuration?: string;
}

export interface TaskSpec {
  taskInfo: { name: string };
  componentRef: { name: string };
  inputs?: {
    parameters?: Record<string, TaskInputParameterSpec>;
    artifacts?: Record<string, TaskInputArtifactSpec>;
  };
  dependentTasks?: string[];
  cachingOptions?: { enableCache?: boolean; cacheKey?: string };
  triggerPolicy?: { condition?: string; strategy?: string };
  retryPolicy?: RetryPolicyIR;
  iteratorPolicy?: { parallelismLimit?: number };
  parameterIterator?: unknown;
  artifactIterator?: unknown;
}

export interface DagOutputsSpec {
  parameters?: Record<
    string,
    {
      valueFromParameter?: { producerSubtask: string; outputParameterKey: string };
      valueFromOneof?: unknown;
    }
  >;
  artifacts?: Record<
    string,
    { artifactSelectors: { producerSubtask: string; outputArtifactKey: string }[] }
  >;
}

export interface DagSpec {
  tasks: Record<string, TaskSpec>;
  outputs?: DagOutputsSpec;
}

export interface ComponentSpecIR {
  inputDefinitions?: InputsSpec;
  outputDefinitions?: OutputsSpec;
  dag?: DagSpec;
  executorLabel?: string;
}

export interface ContainerSpecIR {
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value: string }[];
  resources?: {
    cpuLimit?: number;
    memoryLimit?: number;
    resourceCpuLimit?: string;
    resourceMemoryLimit?: string;
  };
}

export interface ExecutorSpec {
  container?: ContainerSpecIR;
  importer?: unknown;
  resolver?: unknown;
  customJob?: unknown;
}

export interface PipelineSpec {
  pipelineInfo: { name: string; description?: string; displayName?: string };
  components?: Record<string, ComponentSpecIR>;
  deploymentSpec?: { executors: Record<string, ExecutorSpec> };
  root: ComponentSpecIR & { dag: DagSpec };
  schemaVersion: string;
  sdkVersion?: string;
  defaultPipelineRoot?: string;
}

export const SCHEMA_VERSION = '2.1.0';
