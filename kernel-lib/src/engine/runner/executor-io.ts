/**
 * The two files between the runner and a task's process: the ExecutorInput it receives as
 * `{{$}}`, and the ExecutorOutput (`executor_output.json`) it may write back. Both in protobuf's
 * JSON mapping (camelCase), as KFP's launcher writes and reads them.
 */
import * as fs from 'node:fs';
import type { OutputsSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import {
  parseParameterText,
  isParameterValue,
  describeParameterType,
  showValue,
} from './parameters';
import { TaskError } from './errors';
import type { RuntimeArtifactIR, TaskIO } from './types';

/** KFP's `ExecutorInput` message. */
export interface ExecutorInput {
  inputs: {
    parameterValues: Record<string, JsonValue>;
    artifacts: Record<string, { artifacts: RuntimeArtifactIR[] }>;
  };
  outputs: {
    parameters: Record<string, { outputFile: string }>;
    artifacts: Record<string, { artifacts: RuntimeArtifactIR[] }>;
    outputFile: string;
  };
}

/** Where a task's process writes its outputs. */
export interface OutputLocations {
  parameterFiles: Record<string, string>;
  artifacts: Record<string, RuntimeArtifactIR>;
  executorOutputFile: string;
}

/** Builds the ExecutorInput of a task. */
export function buildExecutorInput(inputs: TaskIO, outputs: OutputLocations): ExecutorInput {
  const wrap = (artifacts: Record<string, RuntimeArtifactIR>) =>
    Object.fromEntries(Object.entries(artifacts).map(([k, a]) => [k, { artifacts: [a] }]));
  return {
    inputs: { parameterValues: inputs.parameters, artifacts: wrap(inputs.artifacts) },
    outputs: {
      parameters: Object.fromEntries(
        Object.entries(outputs.parameterFiles).map(([k, file]) => [k, { outputFile: file }]),
      ),
      artifacts: wrap(outputs.artifacts),
      outputFile: outputs.executorOutputFile,
    },
  };
}

interface ExecutorOutput {
  parameterValues?: Record<string, unknown>;
  artifacts?: Record<string, { artifacts?: { uri?: unknown; metadata?: unknown }[] }>;
}

function readExecutorOutput(file: string, task: string): ExecutorOutput | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new Error('not an object');
    const raw = data as Record<string, unknown>;
    return {
      parameterValues: (raw.parameterValues ??
        raw.parameter_values) as ExecutorOutput['parameterValues'],
      artifacts: raw.artifacts as ExecutorOutput['artifacts'],
    };
  } catch (error) {
    throw new TaskError(
      `task '${task}' wrote an executor output file that is not a JSON object (${file}): ` +
        `${error instanceof Error ? error.message : String(error)}`,
      { task, file },
    );
  }
}

/**
 * Reads a task's outputs after its process succeeded: each declared output parameter from
 * executor_output.json's `parameterValues` or else from its output file (parsed by its
 * declared type), and each output artifact with the metadata the process reported.
 * @throws TaskError naming the output that is missing or of the wrong type
 */
export function collectOutputs(
  task: string,
  definitions: OutputsSpec | undefined,
  where: OutputLocations,
): TaskIO {
  const executorOutput = readExecutorOutput(where.executorOutputFile, task);
  const parameters: Record<string, JsonValue> = {};
  for (const [name, spec] of Object.entries(definitions?.parameters ?? {})) {
    const context = { task, parameter: name };
    const reported = executorOutput?.parameterValues?.[name];
    if (reported !== undefined) {
      if (!isParameterValue(spec.parameterType, reported)) {
        throw new TaskError(
          `task '${task}': output parameter '${name}' must be ${describeParameterType(spec.parameterType)} ` +
            `(${spec.parameterType}); executor_output.json gives ${showValue(reported)}.`,
          context,
        );
      }
      parameters[name] = reported;
      continue;
    }
    const file = where.parameterFiles[name] ?? '';
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new TaskError(
        `task '${task}' did not write its output parameter '${name}' (expected the file ${file}).`,
        { ...context, file },
      );
    }
    const parsed = parseParameterText(spec.parameterType, text);
    if ('error' in parsed) {
      throw new TaskError(`task '${task}': output parameter '${name}': ${parsed.error}.`, {
        ...context,
        file,
      });
    }
    parameters[name] = parsed.value;
  }

  const artifacts: Record<string, RuntimeArtifactIR> = {};
  for (const [name, artifact] of Object.entries(where.artifacts)) {
    const reported = executorOutput?.artifacts?.[name]?.artifacts?.[0];
    const metadata = reported?.metadata;
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    ) {
      throw new TaskError(
        `task '${task}': the metadata of output artifact '${name}' must be an object.`,
        {
          task,
          parameter: name,
        },
      );
    }
    artifacts[name] = {
      ...artifact,
      uri: typeof reported?.uri === 'string' && reported.uri !== '' ? reported.uri : artifact.uri,
      metadata: {
        ...artifact.metadata,
        ...((metadata as Record<string, JsonValue> | undefined) ?? {}),
      },
    };
  }
  return { parameters, artifacts };
}
