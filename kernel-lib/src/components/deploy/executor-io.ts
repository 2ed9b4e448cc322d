/**
 * The deploy step's side of KFP's executor protocol: from the ExecutorInput (`{{$}}`) the Model
 * artifact's URI, the files of the output parameters and of executor_output.json; back, the
 * output parameters (`version`, `promoted`, `gate_decision` and the gate's figures) and, when the
 * component declares a Metrics output, the gate's figures as that artifact's metadata.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { JsonValue } from '../../dsl/types';
import { localPathOfArtifact } from '../../serving/artifact-uri';
import { findArtifact, parameterFiles, parseExecutorInput } from '../executor-input';
import { DeployOptionsError } from './errors';

/** The parts of the ExecutorInput the deploy step uses. */
export interface DeployExecutorInput {
  /** The input Model artifact's URI (input `model`, else the first system.Model input). */
  readonly modelUri: string | undefined;
  /** Output parameter → the file its value goes to. */
  readonly parameterFiles: Readonly<Record<string, string>>;
  /** Output artifacts of type system.Metrics: name → URI. */
  readonly metricsArtifacts: Readonly<Record<string, string>>;
  /** Where executor_output.json goes. */
  readonly outputFile: string | undefined;
}

/**
 * Reads the ExecutorInput JSON (protobuf JSON, camelCase or snake_case).
 * @throws DeployOptionsError when it is not a JSON object
 */
export function parseDeployExecutorInput(text: string): DeployExecutorInput {
  const info = parseExecutorInput(
    text,
    (message, cause) => new DeployOptionsError(message, 'executor-input', { cause }),
  );
  const metricsArtifacts: Record<string, string> = {};
  for (const [name, artifact] of Object.entries(info.outputArtifacts)) {
    if (artifact.schemaTitle === 'system.Metrics' && artifact.uri !== undefined) {
      metricsArtifacts[name] = artifact.uri;
    }
  }
  return {
    modelUri: findArtifact(info.inputArtifacts, 'model', 'system.Model')?.artifact.uri,
    parameterFiles: parameterFiles(info),
    metricsArtifacts,
    outputFile: info.outputFile,
  };
}

function parameterText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function writeText(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/**
 * Writes the declared output parameters' files, the Metrics artifacts, and executor_output.json
 * (with every value in `parameters`; KFP takes the declared ones).
 */
export async function writeDeployOutputs(
  input: DeployExecutorInput,
  parameters: Readonly<Record<string, JsonValue>>,
  metrics: Readonly<Record<string, number>>,
): Promise<void> {
  for (const [name, file] of Object.entries(input.parameterFiles)) {
    const value = parameters[name];
    if (value !== undefined) await writeText(file, parameterText(value));
  }
  const artifacts: Record<string, JsonValue> = {};
  for (const [name, uri] of Object.entries(input.metricsArtifacts)) {
    await writeText(localPathOfArtifact(uri), `${JSON.stringify(metrics, null, 2)}\n`);
    artifacts[name] = { artifacts: [{ name, uri, metadata: { ...metrics } }] };
  }
  if (input.outputFile === undefined) return;
  await writeText(
    input.outputFile,
    `${JSON.stringify({ parameterValues: parameters, artifacts }, null, 2)}\n`,
  );
}
