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

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function firstArtifact(list: unknown): Json {
  const artifacts = record(list).artifacts;
  return Array.isArray(artifacts) ? record(artifacts[0]) : {};
}

function schemaTitle(artifact: Json): string | undefined {
  const type = record(artifact.type);
  const title = type.schemaTitle ?? type.schema_title;
  return typeof title === 'string' ? title : undefined;
}

/**
 * Reads the ExecutorInput JSON (protobuf JSON, camelCase or snake_case).
 * @throws DeployOptionsError when it is not a JSON object
 */
export function parseDeployExecutorInput(text: string): DeployExecutorInput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DeployOptionsError(
      `--executor-input is not JSON: ${(error as Error).message}`,
      'executor-input',
      { cause: error },
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DeployOptionsError('--executor-input must be a JSON object', 'executor-input');
  }
  const inputs = record(record(data).inputs);
  const outputs = record(record(data).outputs);
  const inputArtifacts = record(inputs.artifacts);
  const model =
    inputArtifacts.model !== undefined
      ? firstArtifact(inputArtifacts.model)
      : Object.values(inputArtifacts)
          .map(firstArtifact)
          .find((a) => schemaTitle(a) === 'system.Model');
  const parameterFiles: Record<string, string> = {};
  for (const [name, spec] of Object.entries(record(outputs.parameters))) {
    const file = record(spec).outputFile ?? record(spec).output_file;
    if (typeof file === 'string') parameterFiles[name] = file;
  }
  const metricsArtifacts: Record<string, string> = {};
  for (const [name, list] of Object.entries(record(outputs.artifacts))) {
    const artifact = firstArtifact(list);
    if (schemaTitle(artifact) === 'system.Metrics' && typeof artifact.uri === 'string') {
      metricsArtifacts[name] = artifact.uri;
    }
  }
  const outputFile = outputs.outputFile ?? outputs.output_file;
  return {
    modelUri: typeof model?.uri === 'string' ? model.uri : undefined,
    parameterFiles,
    metricsArtifacts,
    outputFile: typeof outputFile === 'string' ? outputFile : undefined,
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
