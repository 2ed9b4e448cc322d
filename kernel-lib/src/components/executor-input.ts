/**
 * KFP's ExecutorInput (`{{$}}`) as every step of the component image reads it: its input and
 * output artifacts, the files its output parameters go to, and where executor_output.json goes.
 * Protobuf JSON, in camelCase or in snake_case as some launchers write it (`outputFile` /
 * `output_file`, `schemaTitle` / `schema_title`).
 */
import type { JsonValue } from '../dsl/types';

/** One runtime artifact of the ExecutorInput (the first of its list). */
export interface ExecutorArtifact {
  readonly name?: string;
  readonly uri?: string;
  /** Its type's schema title (`system.Dataset`, `system.Model`, `system.Metrics` …). */
  readonly schemaTitle?: string;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /** The artifact's JSON as given, to echo back in executor_output.json. */
  readonly json: Readonly<Record<string, unknown>>;
}

/** The parts of the ExecutorInput the steps use. */
export interface ExecutorInputInfo {
  /** Input artifacts by name (the first artifact of each). */
  readonly inputArtifacts: Readonly<Record<string, ExecutorArtifact>>;
  /** Output artifacts by name (the first artifact of each). */
  readonly outputArtifacts: Readonly<Record<string, ExecutorArtifact>>;
  /** Every declared output parameter → the file its value goes to, when the input names one. */
  readonly outputParameters: Readonly<Record<string, string | undefined>>;
  /** Where executor_output.json goes. */
  readonly outputFile: string | undefined;
}

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function artifactsOf(list: unknown): Record<string, ExecutorArtifact> {
  const out: Record<string, ExecutorArtifact> = {};
  for (const [key, entry] of Object.entries(record(list))) {
    const artifacts = record(entry).artifacts;
    if (!Array.isArray(artifacts) || artifacts.length === 0) continue;
    const json = record(artifacts[0]);
    const type = record(json.type);
    out[key] = {
      name: text(json.name),
      uri: text(json.uri),
      schemaTitle: text(type.schemaTitle) ?? text(type.schema_title),
      metadata: record(json.metadata) as Record<string, JsonValue>,
      json,
    };
  }
  return out;
}

/**
 * Reads the ExecutorInput JSON.
 * @param invalid makes the step's own usage error from a message (and the JSON error)
 * @throws what `invalid` makes, when the text is not a JSON object
 */
export function parseExecutorInput(
  jsonText: string,
  invalid: (message: string, cause?: unknown) => Error,
): ExecutorInputInfo {
  let data: unknown;
  try {
    data = JSON.parse(jsonText);
  } catch (error) {
    throw invalid(`--executor-input is not JSON: ${(error as Error).message}`, error);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid('--executor-input must be a JSON object');
  }
  const inputs = record(record(data).inputs);
  const outputs = record(record(data).outputs);
  const outputParameters: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(record(outputs.parameters))) {
    outputParameters[name] = text(record(spec).outputFile) ?? text(record(spec).output_file);
  }
  return {
    inputArtifacts: artifactsOf(inputs.artifacts),
    outputArtifacts: artifactsOf(outputs.artifacts),
    outputParameters,
    outputFile: text(outputs.outputFile) ?? text(outputs.output_file),
  };
}

/** The output parameters that have a file to go to. */
export function parameterFiles(info: ExecutorInputInfo): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, file] of Object.entries(info.outputParameters)) {
    if (file !== undefined) files[name] = file;
  }
  return files;
}

/**
 * Finds an artifact: the one named `name`, else the first of type `schemaTitle`, else (with
 * `orFirst`) the first one.
 */
export function findArtifact(
  artifacts: Readonly<Record<string, ExecutorArtifact>>,
  name: string,
  schemaTitle: string,
  options: { orFirst?: boolean } = {},
): { key: string; artifact: ExecutorArtifact } | undefined {
  const entries = Object.entries(artifacts);
  const found =
    entries.find(([key]) => key === name) ??
    entries.find(([, a]) => a.schemaTitle === schemaTitle) ??
    (options.orFirst ? entries[0] : undefined);
  return found ? { key: found[0], artifact: found[1] } : undefined;
}
