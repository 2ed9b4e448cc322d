/**
 * Runs an importer task (KFP's `dsl.importer`): no process, its output artifact is an existing
 * URI, given as a constant or through an input parameter.
 */
import type { ArtifactTypeSchema, ComponentSpecIR } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import { mapObjectStoreUri } from './artifacts';
import type { RunContext, TaskOutcome } from './context';
import { messageOf } from './errors';
import { emptyIO } from './context';
import type { TaskIO } from './types';

/** The parts of KFP's `ImporterSpec` the runner reads. */
interface ImporterSpec {
  artifactUri?: { constant?: JsonValue; runtimeParameter?: string };
  typeSchema?: ArtifactTypeSchema;
  metadata?: Record<string, JsonValue>;
}

/** Runs an importer task to its end. Never rejects. */
export function runImporterTask(
  ctx: RunContext,
  taskPath: string,
  component: ComponentSpecIR,
  importer: unknown,
  inputs: TaskIO,
): TaskOutcome {
  const spec = (importer ?? {}) as ImporterSpec;
  const from = spec.artifactUri?.runtimeParameter;
  const given = from !== undefined ? inputs.parameters[from] : spec.artifactUri?.constant;
  const [outputName, outputDef] = Object.entries(
    component.outputDefinitions?.artifacts ?? {},
  )[0] ?? ['artifact'];
  const now = ctx.now();
  const fail = (error: string): TaskOutcome => {
    ctx.recorder.update(taskPath, { state: 'FAILED', startTime: now, endTime: now, error });
    return { state: 'FAILED', outputs: emptyIO(), error };
  };
  if (typeof given !== 'string' || given === '') {
    return fail(
      `importer task '${taskPath}' has no artifact URI` +
        (from !== undefined ? ` (its input parameter '${from}' is not a non-empty string).` : '.'),
    );
  }
  let uri = given;
  if (ctx.bucketsDir !== undefined) {
    // Object storage is kept in the buckets directory, where the pipeline root's artifacts are.
    try {
      uri = mapObjectStoreUri(given, ctx.bucketsDir);
    } catch (error) {
      return fail(`importer task '${taskPath}': ${messageOf(error)}`);
    }
  }
  const outputs: TaskIO = {
    parameters: {},
    artifacts: {
      [outputName]: {
        name: outputName,
        uri,
        metadata: { ...(spec.metadata ?? {}) },
        type: spec.typeSchema ?? outputDef?.artifactType ?? { schemaTitle: 'system.Artifact' },
      },
    },
  };
  ctx.recorder.update(taskPath, { state: 'SUCCEEDED', startTime: now, endTime: now, outputs });
  return { state: 'SUCCEEDED', outputs };
}
