/**
 * `pipelab compile` and `pipelab inspect` as a user runs them: the built CLI in a child process,
 * on TypeScript and JavaScript pipeline modules that import Pipelab by its package name.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../kernel-lib/src/compiler/build';
import { loadPipelinePackage } from '../kernel-lib/src/compiler/package';
import type { PipelineSpec } from '../kernel-lib/src/compiler/spec';
import { chicagoPipeline } from '../kernel-lib/src/pipelines/chicago';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'kernel-lib', 'dist', 'cli', 'main.js');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'pipelines');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function pipelab(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
  dir = mkdtempSync(path.join(tmpdir(), 'pipelab-cli-'));
});

describe('pipelab compile', () => {
  it('compiles the Chicago pipeline to .yaml and .tar.gz, and both load back to the compiled spec', async () => {
    const module = path.join(ROOT, 'kernel-lib', 'dist', 'pipelines', 'chicago.js');
    const yamlFile = path.join(dir, 'chicago.pipeline.yaml');
    const tarFile = path.join(dir, 'chicago.pipeline.tar.gz');
    const a = await pipelab('compile', module, '-o', yamlFile);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(
      /wrote .*chicago\.pipeline\.yaml \(pipeline 'chicago-crime-prediction', 4 executors\)/,
    );
    expect((await pipelab('compile', module, '--output', tarFile)).code).toBe(0);
    const fromYaml = await loadPipelinePackage(yamlFile);
    expect(await loadPipelinePackage(tarFile)).toEqual(fromYaml);
    // The CLI compiled the built module; a function component's embedded source is that build's
    // JavaScript, so compare everything but the programs of `node -e` executors.
    const withoutPrograms = (spec: PipelineSpec) => {
      const copy = structuredClone(spec);
      for (const executor of Object.values(copy.deploymentSpec?.executors ?? {})) {
        if (executor.container?.command?.[0] === 'node') executor.container.command = ['node'];
      }
      return copy;
    };
    expect(withoutPrograms(fromYaml)).toEqual(withoutPrograms(compile(chicagoPipeline)));
    expect(readFileSync(yamlFile, 'utf8')).toMatch(
      /^# PIPELINE DEFINITION\n# Name: chicago-crime-prediction\n/,
    );
  });

  it('compiles a TypeScript module with a function component, named by its default export', async () => {
    const out = path.join(dir, 'hello.yaml');
    const r = await pipelab('compile', path.join(FIXTURES, 'hello.ts'), '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spec = await loadPipelinePackage(out);
    expect(spec.pipelineInfo.name).toBe('hello');
    expect(Object.keys(spec.root.dag.tasks).sort()).toEqual(['shout', 'write']);
    const shout = spec.deploymentSpec?.executors['exec-shout']?.container;
    expect(shout?.command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(shout?.command?.[2]).toContain('toUpperCase()');
    expect(shout?.args).toEqual(['--executor_input', '{{$}}', '--function_to_execute', 'shout']);
  });

  it('chooses among several pipelines with --pipeline, by export or pipeline name', async () => {
    const module = path.join(FIXTURES, 'two.mjs');
    const ambiguous = await pipelab('compile', module, '-o', path.join(dir, 'two.yaml'));
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(
      /exports several pipelines \(first, second\); choose one with --pipeline/,
    );
    expect(existsSync(path.join(dir, 'two.yaml'))).toBe(false);
    const byExport = await pipelab(
      'compile',
      module,
      '--pipeline',
      'second',
      '-o',
      path.join(dir, 'second.yaml'),
    );
    expect(byExport.code).toBe(0);
    const byName = await pipelab(
      'compile',
      module,
      '--pipeline',
      'first',
      '--param',
      'm="uno"',
      '-o',
      path.join(dir, 'first.json'),
    );
    expect(byName.code).toBe(0);
    const first = JSON.parse(readFileSync(path.join(dir, 'first.json'), 'utf8')) as {
      root: { inputDefinitions: { parameters: { m: { defaultValue: string } } } };
    };
    expect(first.root.inputDefinitions.parameters.m.defaultValue).toBe('uno');
  });

  it('writes nothing when the pipeline is invalid, and leaves an existing file untouched', async () => {
    const out = path.join(dir, 'cycle.yaml');
    writeFileSync(out, 'previous content');
    const before = readdirSync(dir).sort();
    const r = await pipelab('compile', path.join(FIXTURES, 'cycle.ts'), '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tasks form a cycle: step(-2)? → step(-2)? → step/);
    expect(readFileSync(out, 'utf8')).toBe('previous content');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('reports a function component that is not self-contained, writing nothing', async () => {
    const out = path.join(dir, 'leaky.yaml');
    const r = await pipelab('compile', path.join(FIXTURES, 'leaky.ts'), '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/function component 'scale' is not self-contained: it uses 'factor'/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an output extension it cannot write, and a missing module', async () => {
    const bad = await pipelab(
      'compile',
      path.join(FIXTURES, 'hello.ts'),
      '-o',
      path.join(dir, 'hello.txt'),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\.yaml/);
    expect(existsSync(path.join(dir, 'hello.txt'))).toBe(false);
    const missing = await pipelab('compile', path.join(FIXTURES, 'nope.ts'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});

describe('pipelab inspect', () => {
  it('summarises a compiled file and rejects one that is not a pipeline', async () => {
    const out = path.join(dir, 'inspect.tar.gz');
    expect((await pipelab('compile', path.join(FIXTURES, 'hello.ts'), '-o', out)).code).toBe(0);
    const r = await pipelab('inspect', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pipeline 'hello' \(schema 2\.1\.0, pipelab-/);
    expect(r.stdout).toMatch(/text: STRING = "hi"/);
    const junk = path.join(dir, 'junk.yaml');
    writeFileSync(junk, 'key: [unclosed');
    const bad = await pipelab('inspect', junk);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/junk\.yaml/);
  });
});
