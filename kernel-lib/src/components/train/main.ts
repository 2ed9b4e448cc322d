/**
 * The train step's entry point, `pipelab-component train …`: read the query step's Dataset, train,
 * write the Model and Metrics artifacts and, under KFP, `executor_output.json`.
 *
 *   --input <csv>             the Dataset (count,day)
 *   --preset <name>           default | sample | sample-trainer            (default: default)
 *   --window-size <n>         \
 *   --epochs <n>               | override the preset's value; 0 or empty keeps the preset's
 *   --batch-size <n>           |
 *   --learning-rate <x>       /
 *   --seed <n>                (default: 42)
 *   --model-dir <dir>         the Model artifact's local path (a directory)
 *   --metrics <file>          the Metrics artifact's local path (flat JSON of the metrics)
 *   --executor-input <json>   KFP's ExecutorInput ({{$}}); enables executor_output.json
 *   --backend <name>          auto | tensorflow | wasm | cpu              (default: auto)
 *
 * Without --input / --model-dir / --metrics, the paths come from the ExecutorInput's artifacts
 * (input `dataset`, outputs `model` and `metrics`, else by type: system.Dataset, system.Model,
 * system.Metrics), mapped as KFP's launcher mounts them (gs:// → /gcs/, s3:// → /s3/, minio:// →
 * /minio/, file:// → the path).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PipelabError, UsageError } from '../../errors';
import { localPathOfArtifact } from '../../serving/artifact-uri';
import { findArtifact, parseExecutorInput, type ExecutorInputInfo } from '../executor-input';
import { BACKENDS, type BackendName } from './backend';
import { cardSummary, TRAIN_METRIC_NAMES, type TrainMetrics } from './card';
import { readDatasetCsv } from './csv';
import { TrainOptionsError } from './errors';
import { PRESET_NAMES } from './presets';
import { train } from './train';

/** Streams and environment of the step's process. */
export interface TrainMainIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const TRAIN_USAGE = `Usage: pipelab-component train --input <dataset.csv> --model-dir <dir> --metrics <file> [options]
  --input <csv>             the query step's Dataset (a count,day CSV, oldest first)
  --preset <name>           ${PRESET_NAMES.join(' | ')} (default: default)
  --window-size <n>         days of history in the window   } 0 or empty: the preset's value
  --epochs <n>              epochs (the most, with early stopping)
  --batch-size <n>          batch size
  --learning-rate <x>       Adam's learning rate
  --seed <n>                seed of initialisation, dropout and shuffling (default: 42)
  --model-dir <dir>         where to write the Model artifact (a directory)
  --metrics <file>          where to write the Metrics artifact (JSON)
  --executor-input <json>   KFP's ExecutorInput ({{$}}): also write executor_output.json
  --backend <name>          auto | ${BACKENDS.join(' | ')} (default: auto, or $PIPELAB_TFJS_BACKEND)
`;

/** A number option: empty or 0 means "the preset's" (undefined). */
function numberOption(
  value: string | undefined,
  name: string,
  integer: boolean,
): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new TrainOptionsError(
      `--${name} must be ${integer ? 'an integer' : 'a number'}; got '${value}'`,
      name,
    );
  }
  return n === 0 ? undefined : n;
}

/** Output parameters must be metrics (`rmse`, `mae`, …): checked before training. */
function checkOutputParameters(input: ExecutorInputInfo | undefined): void {
  for (const name of Object.keys(input?.outputParameters ?? {})) {
    if (!(TRAIN_METRIC_NAMES as readonly string[]).includes(name)) {
      throw new TrainOptionsError(
        `output parameter '${name}' is not a metric of the train step ` +
          `(known: ${TRAIN_METRIC_NAMES.join(', ')})`,
        name,
      );
    }
  }
}

/**
 * Runs the train step with command-line arguments.
 * @returns the exit code: 0 done, 2 bad usage or options, 1 failure (bad data, I/O, training)
 */
export async function trainMain(argv: string[], io: TrainMainIO): Promise<number> {
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string' },
        preset: { type: 'string' },
        'window-size': { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        'learning-rate': { type: 'string' },
        seed: { type: 'string' },
        'model-dir': { type: 'string' },
        metrics: { type: 'string' },
        'executor-input': { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      out(TRAIN_USAGE);
      return 0;
    }
    const executorInput =
      values['executor-input'] !== undefined && values['executor-input'].trim() !== ''
        ? parseExecutorInput(
            values['executor-input'],
            (message) => new TrainOptionsError(message, 'executor-input'),
          )
        : undefined;
    const inputs = executorInput?.inputArtifacts ?? {};
    const outputs = executorInput?.outputArtifacts ?? {};
    const datasetUri = findArtifact(inputs, 'dataset', 'system.Dataset', { orFirst: true })
      ?.artifact.uri;
    const modelOut = findArtifact(outputs, 'model', 'system.Model');
    const metricsOut = findArtifact(outputs, 'metrics', 'system.Metrics');
    const localPath = (uri: string | undefined, option: string): string | undefined => {
      if (!uri) return undefined;
      try {
        return localPathOfArtifact(uri);
      } catch (error) {
        throw new TrainOptionsError((error as Error).message, option);
      }
    };
    const input = values.input || localPath(datasetUri, 'input');
    const modelDir = values['model-dir'] || localPath(modelOut?.artifact.uri, 'model-dir');
    const metricsFile = values.metrics || localPath(metricsOut?.artifact.uri, 'metrics');
    const missing = [
      ['--input', input],
      ['--model-dir', modelDir],
      ['--metrics', metricsFile],
    ].filter(([, v]) => !v);
    if (missing.length > 0) {
      throw new UsageError(`missing ${missing.map(([k]) => k).join(', ')}\n\n${TRAIN_USAGE}`);
    }
    const backend = values.backend?.trim() || 'auto';
    if (backend !== 'auto' && !(BACKENDS as readonly string[]).includes(backend)) {
      throw new TrainOptionsError(
        `--backend must be auto or one of ${BACKENDS.join(', ')}; got '${backend}'`,
        'backend',
      );
    }
    const seed = numberOption(values.seed, 'seed', true);
    checkOutputParameters(executorInput);

    const dataset = await readDatasetCsv(input as string);
    const result = await train(dataset.series, {
      preset: values.preset?.trim() || undefined,
      windowSize: numberOption(values['window-size'], 'window-size', true),
      epochs: numberOption(values.epochs, 'epochs', true),
      batchSize: numberOption(values['batch-size'], 'batch-size', true),
      learningRate: numberOption(values['learning-rate'], 'learning-rate', false),
      // --seed 0 is a seed like any other; only an empty value means the default.
      seed: values.seed?.trim() ? (seed ?? 0) : undefined,
      backend: backend as BackendName | 'auto',
      env: io.env,
      dataSha256: dataset.sha256,
      source: path.resolve(input as string),
      log: out,
    });
    try {
      await result.save(modelDir as string);
      await mkdir(path.dirname(metricsFile as string), { recursive: true });
      await writeFile(metricsFile as string, `${JSON.stringify(result.metrics, null, 2)}\n`);
      out(`wrote the model to ${modelDir} and the metrics to ${metricsFile}`);

      const outputFile = executorInput?.outputFile;
      if (executorInput && outputFile) {
        const parameterValues: Record<string, number | string> = {};
        for (const [name, file] of Object.entries(executorInput.outputParameters)) {
          const value = result.metrics[name as keyof TrainMetrics];
          parameterValues[name] = value;
          if (file) {
            await mkdir(path.dirname(file), { recursive: true });
            await writeFile(file, String(value));
          }
        }
        const artifacts: Record<string, { artifacts: Record<string, unknown>[] }> = {};
        if (modelOut) {
          artifacts[modelOut.key] = {
            artifacts: [
              {
                ...modelOut.artifact.json,
                metadata: { ...modelOut.artifact.metadata, ...cardSummary(result.card) },
              },
            ],
          };
        }
        if (metricsOut) {
          artifacts[metricsOut.key] = {
            artifacts: [
              {
                ...metricsOut.artifact.json,
                metadata: { ...metricsOut.artifact.metadata, ...result.metrics },
              },
            ],
          };
        }
        await mkdir(path.dirname(outputFile), { recursive: true });
        await writeFile(outputFile, `${JSON.stringify({ parameterValues, artifacts }, null, 2)}\n`);
        out(`wrote ${outputFile}`);
      }
    } finally {
      result.dispose();
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`train: ${message}\n`);
    const usage =
      error instanceof UsageError ||
      error instanceof TrainOptionsError ||
      (error instanceof TypeError &&
        (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'));
    if (!usage && !(error instanceof PipelabError) && error instanceof Error && error.stack) {
      io.stderr.write(`${error.stack}\n`);
    }
    return usage ? 2 : 1;
  }
}
