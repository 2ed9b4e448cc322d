/**
 * The step's side of KFP's executor protocol: the ExecutorInput it receives as `{{$}}` (where its
 * output artifact lives, where to write output parameters and executor_output.json), and the
 * ExecutorOutput it writes back — artifact metadata and output parameter values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonValue } from '../../dsl/types';
import { parameterFiles, parseExecutorInput as parseSharedExecutorInput } from '../executor-input';
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

/**
 * Reads the ExecutorInput JSON (protobuf JSON: camelCase, or snake_case as some launchers write).
 * @throws QueryUsageError when it is not a JSON object
 */
export function parseExecutorInput(text: string): StepExecutorInput {
  const info = parseSharedExecutorInput(
    text,
    (message, cause) => new QueryUsageError(message, 'executor-input', { cause }),
  );
  const artifactUris: Record<string, string> = {};
  for (const [name, artifact] of Object.entries(info.outputArtifacts)) {
    if (artifact.uri !== undefined) artifactUris[name] = artifact.uri;
  }
  return { artifactUris, parameterFiles: parameterFiles(info), outputFile: info.outputFile };
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
