/**
 * `pipelab-component deploy` end to end on the embedded registry: versions, the gate's decisions
 * and figures in the log, the version's metadata, `--version-output` and KFP's
 * executor_output.json; usage and model errors; and a run with real trained models.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { deployMain, type DeployMainHooks } from '../../../kernel-lib/src/components/deploy';
import { fileUri } from '../../../kernel-lib/src/engine/runner/artifacts';
import { ModelRegistry } from '../../../kernel-lib/src/serving';
import { fakeLoader, writeFakeModel } from '../../serving/support/fake-model';
import { trainTinyModel } from '../../serving/support/models';
import { removeTempDirs, tempDir } from '../../serving/support/temp';

afterAll(removeTempDirs);

/** 40 days at 500: a fake model of value v predicts v + 0.5, so its RMSE is |v − 499.5|. */
const recent = Array.from({ length: 40 }, (_, i) => ({
  day: new Date(Date.UTC(2022, 0, 1 + i)).toISOString().slice(0, 10),
  count: 500,
}));

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  hooks?: DeployMainHooks,
): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await deployMain(argv, { stdout, stderr, env }, hooks);
  return { code, out, err };
}

function workspace() {
  const root = tempDir('pipelab-deploy-');
  const modelsDir = path.join(root, 'models');
  let n = 0;
  const fake = (value: number, extra: { failLoad?: string } = {}): string => {
    const dir = writeFakeModel(path.join(root, `model-${n++}`), {
      value,
      history: recent,
      ...extra,
    });
    writeFileSync(
      path.join(dir, 'model_card.json'),
      JSON.stringify({
        preset: 'fake',
        createdAt: '2022-02-10T00:00:00Z',
        data: { firstDay: '2021-01-01', lastDay: '2022-02-09' },
        metrics: { rmse: 12.5 },
      }),
    );
    return dir;
  };
  const hooks: DeployMainHooks = { loader: fakeLoader() };
  const deploy = (dir: string, more: string[] = []): Promise<Run> =>
    run(['--model-dir', dir, '--models-dir', modelsDir, ...more], {}, hooks);
  return { root, modelsDir, fake, hooks, deploy, registry: new ModelRegistry({ modelsDir }) };
}

describe('deployMain (embedded registry)', () => {
  it('deploys the first version as the default, and writes the version output', async () => {
    const w = workspace();
    const versionFile = path.join(w.root, 'out', 'version');
    const r = await w.deploy(w.fake(500), ['--version-output', versionFile]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /deploy: .* as model 'chicago_crime' \(preset fake, data 2021-01-01..2022-02-09, test RMSE 12.5\)/,
    );
    expect(r.out).toMatch(/quality gate: no-baseline — the model has no default version yet/);
    expect(r.out).toMatch(/version 1: the default \(gate: no-baseline\)/);
    expect(readFileSync(versionFile, 'utf8')).toBe('1');
    expect((await w.registry.getDefault('chicago_crime'))?.version).toBe(1);
  });

  it('promotes a better model and rejects a worse one, recording both figures', async () => {
    const w = workspace();
    await w.deploy(w.fake(480)); // RMSE 19.5
    const better = await w.deploy(w.fake(502)); // RMSE 2.5
    expect(better.code).toBe(0);
    expect(better.out).toMatch(
      /quality gate: promote — RMSE 2.50 \(new\) vs 19.50 \(default version 1\) on the 37 days 2022-01-04..2022-02-09; within the tolerance of 5.0%/,
    );
    expect(better.out).toMatch(/version 2: the default/);

    const worse = await w.deploy(w.fake(510)); // RMSE 10.5 against 2.5
    expect(worse.code).toBe(0);
    expect(worse.out).toMatch(
      /quality gate: reject — RMSE 10.50 \(new\) vs 2.50 \(default version 2\)/,
    );
    expect(worse.out).toMatch(/version 3: not the default \(gate: reject\)/);
    expect((await w.registry.getDefault('chicago_crime'))?.version).toBe(2);
    const v3 = await w.registry.getVersion('chicago_crime', 3);
    expect(v3.meta.metadata).toMatchObject({
      gate: {
        decision: 'reject',
        passed: false,
        candidate_rmse: 10.5,
        baseline_rmse: 2.5,
        baseline_version: '2',
        tolerance: 0.05,
      },
      set_default_requested: true,
      model_card: { preset: 'fake', test_rmse: 12.5 },
    });

    // Within a wider tolerance it passes; with the gate off, set_default alone decides.
    const tolerant = await w.deploy(w.fake(503), ['--gate-tolerance', '0.5']); // 3.5 ≤ 2.5 × 1.5
    expect(tolerant.out).toMatch(/quality gate: promote/);
    const ungated = await w.deploy(w.fake(600), ['--gate', 'false']);
    expect(ungated.out).toMatch(/quality gate: gate-off/);
    expect((await w.registry.getDefault('chicago_crime'))?.version).toBe(5);
  });

  it('adds a version without making it the default when set_default is false', async () => {
    const w = workspace();
    await w.deploy(w.fake(480));
    const r = await w.deploy(w.fake(500), ['--set-default', 'false']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/set_default is false/);
    expect(r.out).toMatch(/quality gate: promote/);
    expect(r.out).toMatch(/version 2: not the default/);
    expect((await w.registry.getDefault('chicago_crime'))?.version).toBe(1);
  });

  it("writes KFP's executor_output.json, parameter files and a Metrics artifact", async () => {
    const w = workspace();
    await w.deploy(w.fake(480));
    const outputs = path.join(w.root, 'kfp');
    const executorInput = {
      inputs: {
        artifacts: {
          model: {
            artifacts: [
              {
                name: 'model',
                uri: pathToFileURL(w.fake(500)).href,
                type: { schemaTitle: 'system.Model' },
              },
            ],
          },
        },
      },
      outputs: {
        parameters: {
          version: { outputFile: path.join(outputs, 'version') },
          promoted: { outputFile: path.join(outputs, 'promoted') },
          gate_decision: { outputFile: path.join(outputs, 'gate_decision') },
        },
        artifacts: {
          gate_metrics: {
            artifacts: [
              {
                name: 'gate_metrics',
                uri: pathToFileURL(path.join(outputs, 'gate_metrics')).href,
                type: { schemaTitle: 'system.Metrics' },
              },
            ],
          },
        },
        outputFile: path.join(outputs, 'executor_output.json'),
      },
    };
    const r = await run(
      [
        '--models-dir',
        w.modelsDir,
        '--model-name',
        'chicago_crime',
        '--set-default',
        'True',
        '--executor-input',
        JSON.stringify(executorInput),
      ],
      {},
      w.hooks,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(path.join(outputs, 'executor_output.json'), 'utf8'));
    expect(written.parameterValues).toMatchObject({
      version: '2',
      promoted: true,
      gate_decision: 'promote',
      default_version: '2',
      candidate_rmse: 0.5,
      baseline_rmse: 19.5,
      gate: { decision: 'promote', baseline_version: '1' },
    });
    expect(written.artifacts.gate_metrics.artifacts[0].metadata).toEqual({
      promoted: 1,
      candidate_rmse: 0.5,
      baseline_rmse: 19.5,
    });
    expect(readFileSync(path.join(outputs, 'version'), 'utf8')).toBe('2');
    expect(readFileSync(path.join(outputs, 'promoted'), 'utf8')).toBe('true');
    expect(readFileSync(path.join(outputs, 'gate_decision'), 'utf8')).toBe('promote');
    expect(JSON.parse(readFileSync(path.join(outputs, 'gate_metrics'), 'utf8'))).toMatchObject({
      candidate_rmse: 0.5,
    });
  });

  it("reads the Model artifact at the engine's URI of a path with '#', '%' and spaces", async () => {
    const w = workspace();
    const dir = path.join(w.root, 'run #3', '50%25 model dir');
    mkdirSync(path.dirname(dir), { recursive: true });
    renameSync(w.fake(500), dir);
    const outputFile = path.join(w.root, 'out #1', 'executor_output.json');
    const executorInput = {
      inputs: { artifacts: { model: { artifacts: [{ uri: fileUri(dir) }] } } },
      outputs: {
        parameters: { version: { output_file: `${outputFile}.version` } },
        output_file: outputFile,
      },
    };
    const r = await run(
      ['--models-dir', w.modelsDir, '--executor-input', JSON.stringify(executorInput)],
      {},
      w.hooks,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const deployed = await w.registry.getVersion('chicago_crime', 1);
    expect(deployed.meta.source).toBe(fileUri(dir));
    expect(JSON.parse(readFileSync(path.join(deployed.dir, 'fake_model.json'), 'utf8')).value).toBe(
      500,
    );
    expect(readFileSync(`${outputFile}.version`, 'utf8')).toBe('1');
    expect(JSON.parse(readFileSync(outputFile, 'utf8')).parameterValues.version).toBe('1');
  });

  it('creates a given version, replacing it only with --replace-existing-version', async () => {
    const w = workspace();
    expect((await w.deploy(w.fake(500), ['--version', '7'])).code).toBe(0);
    const clash = await w.deploy(w.fake(501), ['--version', '7']);
    expect(clash.code).toBe(1);
    expect(clash.err).toMatch(/version 7 of model 'chicago_crime' already exists/);
    // 499 is as good as 500 (RMSE 0.5 both): the gate passes, so it may replace the default.
    const replaced = await w.deploy(w.fake(499), ['--version', '7', '--replace-existing-version']);
    expect(replaced.code).toBe(0);
    expect(replaced.out).toMatch(/deployed chicago_crime version 7 \(replaced\)/);
    const flagged = await w.deploy(w.fake(499), [
      '--version',
      '7',
      '--replace-existing-version',
      'true',
      '--gate-window-days',
      '10',
    ]);
    expect(flagged.code).toBe(0);
  });

  it("refuses to replace the default's version with a model the gate rejected", async () => {
    const w = workspace();
    expect((await w.deploy(w.fake(500), ['--version', '7'])).code).toBe(0);
    const before = await w.registry.getVersion('chicago_crime', 7);
    // 520 predicts 520.5: RMSE 20.5 against 0.5, rejected.
    const rejected = await w.deploy(w.fake(520), ['--version', '7', '--replace-existing-version']);
    expect(rejected.code).toBe(1);
    expect(rejected.out).toMatch(/quality gate: reject/);
    expect(rejected.out).toMatch(
      /not replacing the default version 7: the quality gate rejected the model/,
    );
    expect(rejected.err).toMatch(/cannot replace version 7 of model 'chicago_crime'/);
    const after = await w.registry.getDefault('chicago_crime');
    expect(after?.version).toBe(7);
    expect(after?.meta.sha256).toBe(before.meta.sha256);
    expect(
      JSON.parse(readFileSync(path.join(after?.dir ?? '', 'fake_model.json'), 'utf8')).value,
    ).toBe(500);
    // set_default false is refused the same way, even for a model the gate would pass.
    const notDefault = await w.deploy(w.fake(499), [
      '--version',
      '7',
      '--replace-existing-version',
      '--set-default',
      'false',
    ]);
    expect(notDefault.code).toBe(1);
    expect(notDefault.out).toMatch(/not replacing the default version 7: set_default is false/);
  });

  it('finds the registry through PIPELAB_MODELS, else PIPELAB_HOME', async () => {
    const w = workspace();
    const viaEnv = path.join(w.root, 'env-models');
    expect(
      (await run(['--model-dir', w.fake(500)], { PIPELAB_MODELS: viaEnv }, w.hooks)).code,
    ).toBe(0);
    expect(existsSync(path.join(viaEnv, 'chicago_crime', '1'))).toBe(true);
    const home = path.join(w.root, 'home');
    expect(
      (
        await run(
          ['--model-dir', w.fake(500), '--model-name', 'other'],
          { PIPELAB_HOME: home },
          w.hooks,
        )
      ).code,
    ).toBe(0);
    expect(existsSync(path.join(home, 'models', 'other', '1'))).toBe(true);
  });

  it('exits 2 on bad usage and 1 when the model cannot be deployed', async () => {
    const w = workspace();
    const usage: [string[], RegExp][] = [
      [[], /missing --model-dir/],
      [['--model-dir', w.fake(1), '--set-default', 'maybe'], /--set-default must be true or false/],
      [
        ['--model-dir', w.fake(1), '--gate-tolerance=-1'],
        /--gate-tolerance must be a number from 0/,
      ],
      [['--model-dir', w.fake(1), '--version', 'v2'], /--version must be a positive integer/],
      [['--model-dir', w.fake(1), '--model-name', 'a/b'], /is not a model name/],
      [['--model-dir', w.fake(1), '--target', 'cloud'], /--target must be local or kubernetes/],
      [['--model-dir', 'http://example.com/model'], /not a local path or a mounted artifact URI/],
      [['--model-dir', w.fake(1), '--bogus'], /Unknown option '--bogus'/],
      [['--executor-input', '{oops'], /--executor-input is not JSON/],
    ];
    for (const [argv, message] of usage) {
      const r = await run([...argv, '--models-dir', w.modelsDir], {}, w.hooks);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    const missing = await w.deploy(path.join(w.root, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/is not a directory/);
    const broken = await w.deploy(w.fake(1, { failLoad: 'no model.json' }));
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/cannot load the model in .*: no model.json/);
    expect(await w.registry.listVersions('chicago_crime')).toEqual([]);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: pipelab-component deploy/);
  });
});

describe('deployMain with real trained models', () => {
  it('gates on the same recent days: a trained model replaces a barely trained one, not back', async () => {
    const root = tempDir('pipelab-deploy-real-');
    const modelsDir = path.join(root, 'models');
    mkdirSync(modelsDir);
    const poor = await trainTinyModel({ epochs: 1, learningRate: 1e-6 });
    const good = await trainTinyModel({ epochs: 20 });
    const first = await run(['--model-dir', pathToFileURL(poor).href, '--models-dir', modelsDir]);
    expect(first.err).toBe('');
    expect(first.out).toMatch(/version 1: the default \(gate: no-baseline\)/);
    const second = await run(['--model-dir', good, '--models-dir', modelsDir]);
    expect(second.out).toMatch(
      /quality gate: promote — RMSE \d+\.\d+ \(new\) vs \d+\.\d+ \(default version 1\) on the 86 days/,
    );
    expect(second.out).toMatch(/version 2: the default/);
    const third = await run(['--model-dir', poor, '--models-dir', modelsDir]);
    expect(third.out).toMatch(/quality gate: reject/);
    expect(third.out).toMatch(/version 3: not the default/);
    const registry = new ModelRegistry({ modelsDir });
    const gate = (await registry.getVersion('chicago_crime', 3)).meta.metadata.gate as {
      candidate_rmse: number;
      baseline_rmse: number;
    };
    expect(gate.candidate_rmse).toBeGreaterThan(gate.baseline_rmse * 1.05);
    expect((await registry.getDefault('chicago_crime'))?.version).toBe(2);
  });
});
