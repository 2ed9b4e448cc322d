/**
 * The step's side of KFP's executor protocol: the ExecutorInput it receives as `{{$}}` (where its
 * output artifact lives, where to write output parameters and executor_output.json), and the
 * ExecutorOutput it writes back — artifact metadata and output parameter values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonValue } from '../../dsl/types';
import { QueryUsageError } from './errors';

/** The parts of KFP's ExecutorInput the step uses. */
export interface StepExecutorInput {
  /** Output artifact name → its URI. */
  artifactUris: Record<string, string>;
  /** Output parameter name → the file its value is written to. */
  parameterFiles: Record<string, string>;
  /** Where executor_output.json goes. */
  outputFile: string | undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * Reads the ExecutorInput JSON (protobuf JSON: camelCase, or snake_case as some launchers write).
 * @throws QueryUsageError when it is not JSON
 */
export function parseExecutorInput(text: string): StepExecutorInput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new QueryUsageError(
      `--executor-input is not JSON: ${text.slice(0, 120)}`,
      'executor-input',
      {
        cause: error,
      },
    );
  }
  const outputs = record(record(data).outputs);
  const artifactUris: Record<string, string> = {};
  for (const [name, list] of Object.entries(record(outputs.artifacts))) {
    const first = (record(list).artifacts as unknown[] | undefined)?.[0];
    const uri = record(first).uri;
    if (typeof uri === 'string') artifactUris[name] = uri;
  }
  const parameterFiles: Record<string, string> = {};
  for (const [name, spec] of Object.entries(record(outputs.parameters))) {
    const file = record(spec).outputFile ?? record(spec).output_file;
    if (typeof file === 'string') parameterFiles[name] = file;
  }
  const outputFile = outputs.outputFile ?? outputs.output_file;
  return {
    artifactUris,
    parameterFiles,
    outputFile: typeof outputFile === 'string' ? outputFile : undefined,
  };
}

/** What the step reports back. */
export interface StepOutputs {
  /** The output artifact's name (`dataset`). */
  artifactName: string;
  artifactUri: string;
  metadata: Record<string, JsonValue>;
  parameters: Record<string, JsonValue>;
}

function parameterText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Writes executor_output.json (when the ExecutorInput names it) and the file of every output
 * parameter the ExecutorInput declares that the step has a value for.
 */
export function writeExecutorOutput(input: StepExecutorInput, outputs: StepOutputs): void {
  for (const [name, file] of Object.entries(input.parameterFiles)) {
    const value = outputs.parameters[name];
    if (value === undefined) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, parameterText(value));
  }
  if (input.outputFile === undefined) return;
  const body = {
    artifacts: {
      [outputs.artifactName]: {
        artifacts: [
          { name: outputs.artifactName, uri: outputs.artifactUri, metadata: outputs.metadata },
        ],
      },
    },
    parameterValues: outputs.parameters,
  };
  fs.mkdirSync(path.dirname(input.outputFile), { recursive: true });
  fs.writeFileSync(input.outputFile, `${JSON.stringify(body, null, 2)}\n`);
}

/** The local path of an artifact URI (KFP's mounts: gs:// → /gcs/, s3:// → /s3/, minio:// → /minio/). */
export function localPathOfArtifactUri(uri: string): string | undefined {
  if (uri.startsWith('file://')) return uri.slice('file://'.length).replace(/^[^/]+(?=\/)/, '');
  for (const [prefix, mount] of [
    ['gs://', '/gcs/'],
    ['s3://', '/s3/'],
    ['minio://', '/minio/'],
  ] as const) {
    if (uri.startsWith(prefix)) return mount + uri.slice(prefix.length);
  }
  return path.isAbsolute(uri) ? uri : undefined;
}
