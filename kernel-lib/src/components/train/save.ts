/**
 * The Model artifact on disk: a directory with the tfjs LayersModel (`model.json` + `weights.bin`,
 * written and read by custom IO handlers on the local file system), the preprocessing, the model
 * card, and JSON for plots (test predictions, loss curve).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ModelLoadError } from './errors';

/** File names inside the model directory. */
export const MODEL_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  preprocessing: 'preprocessing.json',
  card: 'model_card.json',
  predictions: 'test_predictions.json',
  lossCurve: 'loss_curve.json',
} as const;

/** An IOHandler saving a LayersModel as `model.json` + `weights.bin` in `dir` (created). */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new TypeError('only JSON model topologies can be saved');
      }
      await mkdir(dir, { recursive: true });
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata
          ? { userDefinedMetadata: artifacts.userDefinedMetadata }
          : {}),
      };
      await writeFile(path.join(dir, MODEL_FILES.weights), new Uint8Array(weights));
      await writeFile(path.join(dir, MODEL_FILES.model), `${JSON.stringify(modelJson)}\n`);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** An IOHandler loading a LayersModel saved by {@link fileSaveHandler} (or tfjs' own format). */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const file = path.join(dir, MODEL_FILES.model);
      const modelJson = await readJson<tf.io.ModelJSON>(file);
      if (typeof modelJson !== 'object' || modelJson === null || !modelJson.modelTopology) {
        throw new ModelLoadError(`${file} is not a TensorFlow.js model.json`, file);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const part of group.paths) {
            const partFile = path.resolve(dir, part);
            if (path.relative(dir, partFile).startsWith('..')) {
              throw new ModelLoadError(`weights path '${part}' leaves the model directory`, file);
            }
            const bytes = await readFile(partFile).catch((error: unknown) => {
              throw new ModelLoadError(`cannot read ${partFile}: ${String(error)}`, partFile, {
                cause: error,
              });
            });
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/** Writes a JSON file (pretty-printed, with a final newline). */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reads a JSON file.
 * @throws ModelLoadError naming the file when it is missing or not JSON
 */
export async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ModelLoadError(`cannot read ${file}: ${(error as Error).message}`, file, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ModelLoadError(`${file} is not valid JSON: ${(error as Error).message}`, file, {
      cause: error,
    });
  }
}
