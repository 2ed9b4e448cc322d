/**
 * A task's inputs at run time: each `inputs.parameters` / `inputs.artifacts` entry of its
 * TaskSpec resolved from the enclosing DAG's inputs, upstream outputs or constants, then the
 * component's defaults applied and its declarations checked.
 */
import type { ComponentSpecIR, TaskSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import type { TaskOutcome } from './context';
import { TaskError } from './errors';
import { describeParameterType, isParameterValue, showValue } from './parameters';
import {
  substituteRunPlaceholders,
  type RunPlaceholderValues,
  type TaskPlaceholderValues,
} from './placeholders';
import type { RuntimeArtifactIR, TaskIO, TaskState } from './types';

/** The inputs of the DAG a task is in. */
export interface DagScope {
  /** The DAG task's path; `''` for the root. */
  path: string;
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, RuntimeArtifactIR>;
}

/** What resolving a task's inputs needs to know. */
export interface InputSources {
  path: string;
  task: TaskSpec;
  component: ComponentSpecIR;
  scope: DagScope;
  upstream: Record<string, TaskOutcome>;
  run: RunPlaceholderValues;
  taskValues: TaskPlaceholderValues;
}

/** KFP's `PipelineTaskFinalStatus.state` names for our task states. */
const FINAL_STATES: Record<TaskState, string> = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  CACHED: 'SUCCEEDED',
  FAILED: 'FAILED',
  SKIPPED: 'NOT_TRIGGERED',
  CANCELED: 'CANCELLED',
};

function notProduced(
  path: string,
  input: string,
  producer: string,
  key: string,
  outcome?: TaskOutcome,
): TaskError {
  const why =
    outcome === undefined
      ? `which is not a task of this DAG`
      : outcome.state === 'SKIPPED'
        ? `which was skipped`
        : `which did not produce it`;
  return new TaskError(
    `task '${path}': input '${input}' takes output '${key}' of task '${producer}', ${why}.`,
    { task: path, parameter: input },
  );
}

/**
 * Resolves a task's inputs.
 * @throws TaskError naming the input that has no value or a value of the wrong type
 */
export function resolveTaskInputs(sources: InputSources): TaskIO {
  const { path, task, component, scope, upstream } = sources;
  const parameters: Record<string, JsonValue> = {};
  const artifacts: Record<string, RuntimeArtifactIR> = {};

  for (const [name, spec] of Object.entries(task.inputs?.parameters ?? {})) {
    if (spec.componentInputParameter !== undefined) {
      const value = scope.parameters[spec.componentInputParameter];
      if (value !== undefined) parameters[name] = value;
    } else if (spec.taskOutputParameter) {
      const { producerTask, outputParameterKey } = spec.taskOutputParameter;
      const outcome = upstream[producerTask];
      const value = outcome?.outputs.parameters[outputParameterKey];
      if (value === undefined)
        throw notProduced(path, name, producerTask, outputParameterKey, outcome);
      parameters[name] = value;
    } else if (spec.runtimeValue) {
      parameters[name] = substituteRunPlaceholders(
        spec.runtimeValue.constant,
        sources.run,
        sources.taskValues,
      );
    } else if (spec.taskFinalStatus) {
      const producer = spec.taskFinalStatus.producerTask;
      const outcome = upstream[producer];
      parameters[name] = {
        state: FINAL_STATES[outcome?.state ?? 'PENDING'],
        error: outcome?.error ? { code: 2, message: outcome.error } : {},
        pipelineJobResourceName: sources.run.pipelineJobName,
        pipelineTaskName: producer,
      };
    } else {
      throw new TaskError(
        `task '${path}': input '${name}' uses ${Object.keys(spec).join(', ') || 'no source'}, ` +
          `which the local runner does not support.`,
        { task: path, parameter: name },
      );
    }
  }

  for (const [name, spec] of Object.entries(task.inputs?.artifacts ?? {})) {
    if (spec.componentInputArtifact !== undefined) {
      const artifact = scope.artifacts[spec.componentInputArtifact];
      if (artifact) artifacts[name] = artifact;
    } else if (spec.taskOutputArtifact) {
      const { producerTask, outputArtifactKey } = spec.taskOutputArtifact;
      const outcome = upstream[producerTask];
      const artifact = outcome?.outputs.artifacts[outputArtifactKey];
      if (!artifact) throw notProduced(path, name, producerTask, outputArtifactKey, outcome);
      artifacts[name] = artifact;
    } else {
      throw new TaskError(
        `task '${path}': artifact input '${name}' has no source the local runner supports.`,
        {
          task: path,
          parameter: name,
        },
      );
    }
  }

  for (const [name, def] of Object.entries(component.inputDefinitions?.parameters ?? {})) {
    const value = parameters[name];
    if (value === undefined) {
      if (def.defaultValue !== undefined) parameters[name] = def.defaultValue;
      else if (!def.isOptional) {
        throw new TaskError(`task '${path}' has no value for its required input '${name}'.`, {
          task: path,
          parameter: name,
        });
      }
    } else if (!isParameterValue(def.parameterType, value)) {
      throw new TaskError(
        `task '${path}': input '${name}' must be ${describeParameterType(def.parameterType)} ` +
          `(${def.parameterType}); got ${showValue(value)}.`,
        { task: path, parameter: name },
      );
    }
  }
  for (const [name, def] of Object.entries(component.inputDefinitions?.artifacts ?? {})) {
    if (!artifacts[name] && !def.isOptional) {
      throw new TaskError(`task '${path}' has no artifact for its required input '${name}'.`, {
        task: path,
        parameter: name,
      });
    }
  }
  return { parameters, artifacts };
}
