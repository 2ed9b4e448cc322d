/**
 * `trainMain`, the step's command line: artifacts, KFP's executor output, exit codes.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainMain } from '../../../kernel-lib/src/components/train/main';
import { fileUri, localPathOfUri } from '../../../kernel-lib/src/engine/runner/artifacts';
import { syntheticCsv, syntheticSeries } from './synthetic';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[]): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  const code = await trainMain(args, { stdout, stderr, env: {} });
  return {
    code,
    stdout: Buffer.concat(chunks.out).toString(),
    stderr: Buffer.concat(chunks.err).toString(),
  };
}

let dir: string;
let csv: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pipelab-train-main-'));
  csv = path.join(dir, 'reports.csv');
  writeFileSync(csv, syntheticCsv(syntheticSeries({ days: 500 })));
});

describe('trainMain', () => {
  it('writes the Model and Metrics artifacts, and the executor output under KFP', async () => {
    const out = path.join(dir, 'kfp');
    const executorInput = {
      inputs: {
        parameterValues: {},
        artifacts: {
          dataset: {
            artifacts: [
              { name: 'dataset', uri: `file://${csv}`, type: { schemaTitle: 'system.Dataset' } },
            ],
          },
        },
      },
      outputs: {
        parameters: { rmse: { outputFile: path.join(out, 'rmse') } },
        artifacts: {
          model: {
            artifacts: [
              { name: 'model', uri: `file://${out}/model`, type: { schemaTitle: 'system.Model' } },
            ],
          },
          metrics: {
            artifacts: [
              {
                name: 'metrics',
                uri: `file://${out}/metrics`,
                type: { schemaTitle: 'system.Metrics' },
                metadata: { display_name: 'test' },
              },
            ],
          },
        },
        outputFile: path.join(out, 'executor_output.json'),
      },
    };
    const result = await run([
      '--preset',
      'sample',
      '--epochs',
      '3',
      '--window-size',
      '0',
      '--learning-rate',
      '',
      '--executor-input',
      JSON.stringify(executorInput),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^epoch \d+\/3 /gm)).toHaveLength(3);

    const card = JSON.parse(readFileSync(path.join(out, 'model', 'model_card.json'), 'utf8'));
    expect(card.hyperparameters).toMatchObject({ window: 7, epochs: 3, learningRate: 0.01 });
    expect(card.data.source).toBe(csv);
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics'), 'utf8'));
    expect(metrics.rmse).toBeGreaterThan(0);
    expect(readFileSync(path.join(out, 'rmse'), 'utf8')).toBe(String(metrics.rmse));

    const output = JSON.parse(readFileSync(path.join(out, 'executor_output.json'), 'utf8'));
    expect(output.parameterValues).toEqual({ rmse: metrics.rmse });
    const [metricsArtifact] = output.artifacts.metrics.artifacts;
    expect(metricsArtifact.metadata).toEqual({ display_name: 'test', ...metrics });
    const [modelArtifact] = output.artifacts.model.artifacts;
    expect(modelArtifact.uri).toBe(`file://${out}/model`);
    expect(modelArtifact.metadata).toMatchObject({
      preset: 'sample',
      window: 7,
      data_sha256: card.data.sha256,
      rmse: metrics.rmse,
    });
  });

  it("reads and writes artifacts whose paths hold '#', '%' and spaces, as the engine names them", async () => {
    // The engine's URIs are file:// + the raw path: '%20' is three characters, '#' no fragment.
    const root = path.join(dir, 'run #1', '100%20 done');
    mkdirSync(root, { recursive: true });
    const input = path.join(root, 'data #2.csv');
    copyFileSync(csv, input);
    const modelDir = path.join(root, 'model %41');
    const metricsFile = path.join(root, 'metrics#x');
    const outputFile = path.join(root, 'out put', 'executor_output.json');
    const rmseFile = path.join(root, 'out put', 'rmse');
    for (const p of [input, modelDir, metricsFile]) expect(localPathOfUri(fileUri(p))).toBe(p);
    const executorInput = {
      inputs: { artifacts: { dataset: { artifacts: [{ uri: fileUri(input) }] } } },
      // snake_case, as some launchers write it.
      outputs: {
        parameters: { rmse: { output_file: rmseFile } },
        artifacts: {
          model: {
            artifacts: [{ uri: fileUri(modelDir), type: { schema_title: 'system.Model' } }],
          },
          metrics: {
            artifacts: [{ uri: fileUri(metricsFile), type: { schema_title: 'system.Metrics' } }],
          },
        },
        output_file: outputFile,
      },
    };
    const result = await run([
      '--preset',
      'sample',
      '--epochs',
      '1',
      '--executor-input',
      JSON.stringify(executorInput),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(path.join(modelDir, 'model.json'))).toBe(true);
    expect(
      JSON.parse(readFileSync(path.join(modelDir, 'model_card.json'), 'utf8')).data.source,
    ).toBe(input);
    const metrics = JSON.parse(readFileSync(metricsFile, 'utf8'));
    expect(readFileSync(rmseFile, 'utf8')).toBe(String(metrics.rmse));
    const output = JSON.parse(readFileSync(outputFile, 'utf8'));
    expect(output.parameterValues).toEqual({ rmse: metrics.rmse });
    expect(output.artifacts.model.artifacts[0].uri).toBe(fileUri(modelDir));
    // Nothing was written where a decoding reader would have put it.
    expect(readdirSync(path.join(dir, 'run #1')).sort()).toEqual(['100%20 done']);
  });

  it('takes explicit paths without KFP', async () => {
    const modelDir = path.join(dir, 'plain', 'model');
    const metricsFile = path.join(dir, 'plain', 'metrics.json');
    const result = await run([
      '--input',
      csv,
      '--preset',
      'sample',
      '--epochs',
      '1',
      '--seed',
      '0',
      '--model-dir',
      modelDir,
      '--metrics',
      metricsFile,
    ]);
    expect(result.code).toBe(0);
    expect(existsSync(path.join(modelDir, 'model.json'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(modelDir, 'model_card.json'), 'utf8')).seed).toBe(0);
    expect(existsSync(metricsFile)).toBe(true);
  });

  it('exits 2 on bad usage, naming the problem', async () => {
    const missing = await run(['--preset', 'sample']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing --input, --model-dir, --metrics/);
    const unknown = await run([
      '--input',
      csv,
      '--model-dir',
      dir,
      '--metrics',
      'm',
      '--preset',
      'x',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown preset 'x'/);
    expect((await run(['--bogus'])).code).toBe(2);
    const epochs = await run([
      '--input',
      csv,
      '--model-dir',
      dir,
      '--metrics',
      'm',
      '--epochs',
      '2.5',
    ]);
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toMatch(/--epochs must be an integer/);
  });

  it('refuses an output parameter that is not a metric before training', async () => {
    const input = {
      outputs: { parameters: { accuracy: { outputFile: path.join(dir, 'acc') } }, outputFile: 'x' },
    };
    const result = await run([
      '--input',
      csv,
      '--model-dir',
      dir,
      '--metrics',
      'm',
      '--executor-input',
      JSON.stringify(input),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/output parameter 'accuracy' is not a metric/);
    expect(result.stdout).toBe('');
  });

  it('exits 1 on a bad dataset, naming the line', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'count,day\n10,2020-01-01 00:00:00 UTC\nten,2020-01-02 00:00:00 UTC\n');
    const result = await run(['--input', bad, '--model-dir', dir, '--metrics', 'm']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`train: line 3: count 'ten' is not a non-negative number\n`);
  });

  it('prints its usage with --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--executor-input <json>/);
  });
});
