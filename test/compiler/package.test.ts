/**
 * Pipeline packages: YAML/JSON text as the KFP SDK writes it, the `.tar.gz` layout, atomic writes,
 * and loading untrusted files (bad YAML, things that are not a PipelineSpec, unsafe archives).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  formatFromPath,
  loadPipelinePackage,
  packPipeline,
  writePipelinePackage,
  type PackageFormat,
} from '../../kernel-lib/src/compiler/package';
import type { PipelineSpec, TaskSpec } from '../../kernel-lib/src/compiler/spec';
import { validatePipelineSpec } from '../../kernel-lib/src/compiler/validate';
import { describeShared } from '../support/shared';
import { pipelineHeader, pipelineToJson, pipelineToYaml } from '../../kernel-lib/src/compiler/yaml';
import {
  PipelabError,
  PipelineDefinitionError,
  PipelineLoadError,
  UsageError,
} from '../../kernel-lib/src/errors';

/** Goldens that KFP wrote without folding any line, so ours must match them byte for byte. */
const UNFOLDED_GOLDEN = [
  'container_outputs.yaml',
  'container_parameter_types.yaml',
  'container_retry_caching.yaml',
  'container_with_artifact_output.yaml',
];

const MiB = 1024 * 1024;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory for one test, removed when the file's tests are done. */
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-package-'));
  tempDirs.push(dir);
  return dir;
}

function readGolden(file: string): PipelineSpec {
  return parse(fs.readFileSync(file, 'utf8')) as PipelineSpec;
}

function headerLines(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('#'));
  return lines.slice(0, end);
}

/** A small valid pipeline: query -> train, with an input and a dependency. */
function tinySpec(): PipelineSpec {
  const dataset = { artifactType: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } };
  return {
    pipelineInfo: { name: 'tiny', description: 'Two steps.' },
    schemaVersion: '2.1.0',
    sdkVersion: 'pipelab-test',
    root: {
      inputDefinitions: {
        parameters: {
          epochs: { parameterType: 'NUMBER_INTEGER', defaultValue: 25, isOptional: true },
          text: { parameterType: 'STRING', defaultValue: 'hi', isOptional: true },
        },
      },
      dag: {
        tasks: {
          query: {
            taskInfo: { name: 'query' },
            componentRef: { name: 'comp-query' },
            inputs: { parameters: { text: { componentInputParameter: 'text' } } },
          },
          train: {
            taskInfo: { name: 'train' },
            componentRef: { name: 'comp-train' },
            dependentTasks: ['query'],
            inputs: {
              artifacts: {
                data: { taskOutputArtifact: { producerTask: 'query', outputArtifactKey: 'data' } },
              },
              parameters: { epochs: { componentInputParameter: 'epochs' } },
            },
            retryPolicy: { maxRetryCount: 3, backoffFactor: 2 },
          },
        },
      },
    },
    components: {
      'comp-query': {
        executorLabel: 'exec-query',
        inputDefinitions: { parameters: { text: { parameterType: 'STRING' } } },
        outputDefinitions: { artifacts: { data: dataset } },
      },
      'comp-train': {
        executorLabel: 'exec-train',
        inputDefinitions: {
          artifacts: { data: dataset },
          parameters: { epochs: { parameterType: 'NUMBER_INTEGER' } },
        },
      },
    },
    deploymentSpec: {
      executors: {
        'exec-query': {
          container: {
            image: 'busybox:1.36',
            command: ['echo'],
            args: ["{{$.inputs.parameters['text']}}"],
          },
        },
        'exec-train': {
          container: { image: 'busybox:1.36', command: ['train'], resources: { cpuLimit: 2 } },
        },
      },
    },
  };
}

function task(spec: PipelineSpec, name: string): TaskSpec {
  const found = spec.root.dag.tasks[name];
  if (found === undefined) throw new Error(`no task ${name}`);
  return found;
}

async function tarGz(
  entries: { header: Partial<tar.Header> & { name: string }; body?: Buffer | string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  for (const { header, body } of entries) {
    if (body === undefined) pack.entry(header);
    else pack.entry(header, body);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return zlib.gzipSync(Buffer.concat(chunks));
}

async function listTarGz(bytes: Buffer): Promise<{ header: tar.Header; body: Buffer }[]> {
  const extract = tar.extract();
  const entries: { header: tar.Header; body: Buffer }[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) parts.push(chunk);
      entries.push({ header: entry.header, body: Buffer.concat(parts) });
    }
  })();
  extract.end(zlib.gunzipSync(bytes));
  await done;
  return entries;
}

async function loadError(
  source: string | Buffer,
  options?: Parameters<typeof loadPipelinePackage>[1],
): Promise<PipelineLoadError> {
  const error = await loadPipelinePackage(source, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PipelineLoadError);
  return error as PipelineLoadError;
}

function writeText(text: string | Buffer, name = 'pipeline.yaml'): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

const FORMATS: [PackageFormat, string][] = [
  ['yaml', 'pipeline.yaml'],
  ['json', 'pipeline.json'],
  ['tar.gz', 'pipeline.tar.gz'],
];

describeShared("KFP's compiled files", (shared) => {
  const goldenDir = path.join(shared, 'kfp', 'golden');
  const chicago = path.join(shared, 'kfp', 'reference', 'chicago_pipeline.kfp-sdk-2.15.2.yaml');
  /** KFP's compiled files by name: every golden, and the Chicago pipeline KFP SDK 2.15.2 wrote. */
  const golden: [string, string][] = [
    ...fs
      .readdirSync(goldenDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f): [string, string] => [f, path.join(goldenDir, f)]),
    [path.basename(chicago), chicago],
  ];

  describe.each(golden)('%s', (_name, file) => {
    it.each(FORMATS)('round-trips through a %s package', async (format, fileName) => {
      const spec = readGolden(file);
      const out = path.join(tempDir(), fileName);
      await writePipelinePackage(spec, out);
      expect(await loadPipelinePackage(out)).toStrictEqual(spec);
      expect(formatFromPath(out)).toBe(format);
    });

    it('loads the file KFP wrote and passes validation', async () => {
      expect(await loadPipelinePackage(file)).toStrictEqual(readGolden(file));
    });

    it('gets the same header comment as KFP wrote', () => {
      const spec = readGolden(file);
      let expected = headerLines(fs.readFileSync(file, 'utf8'));
      if (spec.pipelineInfo.description === undefined) {
        // KFP took this description from a component docstring that the spec does not record
        expected = expected.filter((line) => !line.startsWith('# Description:'));
      }
      expect(headerLines(pipelineToYaml(spec))).toEqual(expected);
      expect(pipelineHeader(spec)).toBe(`${expected.join('\n')}\n`);
    });

    it('writes YAML that reads back to the same spec', () => {
      const spec = readGolden(file);
      expect(parse(pipelineToYaml(spec))).toStrictEqual(spec);
      expect(JSON.parse(pipelineToJson(spec))).toStrictEqual(spec);
    });
  });

  for (const name of UNFOLDED_GOLDEN) {
    it(`writes YAML byte for byte as KFP did: ${name}`, () => {
      const file = path.join(goldenDir, name);
      expect(pipelineToYaml(readGolden(file))).toBe(fs.readFileSync(file, 'utf8'));
    });
  }

  it('writes the header of container_conditions.yaml exactly', () => {
    const file = path.join(goldenDir, 'container_conditions.yaml');
    expect(pipelineHeader(readGolden(file)).split('\n')).toEqual([
      '# PIPELINE DEFINITION',
      '# Name: container-conditions',
      '# Description: If/Elif/Else on an upstream output and on a parameter.',
      '# Inputs:',
      '#    min_rows: int [Default: 100.0]',
      "#    mode: str [Default: 'auto']",
      "#    text: str [Default: 'hello']",
      '',
    ]);
    expect(headerLines(fs.readFileSync(file, 'utf8'))).toEqual(
      headerLines(pipelineToYaml(readGolden(file))),
    );
  });

  it('writes the header of container_parameter_types.yaml exactly', () => {
    const file = path.join(goldenDir, 'container_parameter_types.yaml');
    expect(pipelineHeader(readGolden(file)).split('\n')).toEqual([
      '# PIPELINE DEFINITION',
      '# Name: container-parameter-types',
      '# Description: Every parameter type, with defaults and an optional input.',
      '# Inputs:',
      '#    b: bool [Default: True]',
      "#    d: dict [Default: {'x': 1.0}]",
      '#    f: float [Default: 0.5]',
      '#    i: int [Default: 7.0]',
      "#    l: list [Default: ['a', 'b']]",
      '#    opt: str',
      "#    s: str [Default: 'text']",
      '',
    ]);
    expect(headerLines(fs.readFileSync(file, 'utf8'))).toEqual(
      headerLines(pipelineToYaml(readGolden(file))),
    );
  });
});

describe('pipelineToYaml / pipelineToJson', () => {
  it('sorts keys at every level and keeps list order', () => {
    const spec = tinySpec();
    // build the same spec with keys inserted in another order
    const reversed = JSON.parse(
      JSON.stringify(spec, (_k, v: unknown) =>
        v && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v).reverse())
          : v,
      ),
    ) as PipelineSpec;
    expect(pipelineToYaml(reversed)).toBe(pipelineToYaml(spec));
    expect(pipelineToJson(reversed)).toBe(pipelineToJson(spec));
    const yaml = pipelineToYaml(spec);
    const top = yaml.split('\n').filter((l) => /^[a-z]/i.test(l));
    expect(top).toEqual([
      'components:',
      'deploymentSpec:',
      'pipelineInfo:',
      'root:',
      'schemaVersion: 2.1.0',
      'sdkVersion: pipelab-test',
    ]);
    expect(yaml).toContain('        command:\n        - echo\n        image: busybox:1.36\n');
    expect(pipelineToJson(spec)).toMatch(/^\{\n {2}"components": \{\n {4}"comp-query": \{\n/);
  });

  it('orders keys by code point, as Python does, including keys that look like numbers', () => {
    const spec = tinySpec();
    const params = spec.root.inputDefinitions?.parameters ?? {};
    for (const name of ['10', '9', 'B', 'a', '\u{1F600}', '\uFF5E']) {
      params[name] = { parameterType: 'STRING' };
    }
    const expected = ['10', '9', 'B', 'a', 'epochs', 'text', '\uFF5E', '\u{1F600}'];
    const yaml = pipelineToYaml(spec);
    const section = yaml.slice(yaml.indexOf('\n  inputDefinitions:\n    parameters:\n'));
    const yamlKeys = section
      .split('\n')
      .slice(3)
      .filter((line) => /^ {6}\S/.test(line))
      .map((line) =>
        line
          .trim()
          .replace(/:$/, '')
          .replace(/^'(.*)'$/, '$1'),
      );
    expect(yamlKeys.slice(0, expected.length)).toEqual(expected);
    const json = pipelineToJson(spec);
    const root = json.indexOf('\n  "root": {');
    const positions = expected.map((k) => json.indexOf(`\n        ${JSON.stringify(k)}: {`, root));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('writes the IR doubles as Python floats and integer fields as integers', () => {
    const yaml = pipelineToYaml(tinySpec());
    expect(yaml).toContain('defaultValue: 25.0\n');
    expect(yaml).toContain('maxRetryCount: 3\n');
    expect(yaml).toContain('backoffFactor: 2.0\n');
    expect(yaml).toContain('cpuLimit: 2.0\n');
    const json = pipelineToJson(tinySpec());
    expect(json).toContain('"defaultValue": 25.0,');
    expect(json).toContain('"maxRetryCount": 3\n');
    expect(json).toContain('"backoffFactor": 2.0,');
  });

  it('writes defaults in the header as Python reprs', () => {
    const spec = tinySpec();
    spec.pipelineInfo.description = 'First line.\nSecond line.\n';
    spec.root.inputDefinitions = {
      parameters: {
        lr: { parameterType: 'NUMBER_DOUBLE', defaultValue: 1e-5 },
        big: { parameterType: 'NUMBER_DOUBLE', defaultValue: 1e16 },
        quote: { parameterType: 'STRING', defaultValue: "it's" },
        multi: { parameterType: 'STRING', defaultValue: 'a\nb' },
        none: { parameterType: 'STRUCT', defaultValue: { z: null, a: [1, 'x', false] } },
      },
      artifacts: { data: { artifactType: { schemaTitle: 'system.Dataset' } } },
    };
    spec.root.outputDefinitions = { parameters: { Output: { parameterType: 'STRING' } } };
    expect(pipelineHeader(spec)).toBe(
      [
        '# PIPELINE DEFINITION',
        '# Name: tiny',
        '# Description: First line.',
        '#              Second line.',
        '# Inputs:',
        '#    big: float [Default: 1e+16]',
        '#    data: system.Dataset',
        '#    lr: float [Default: 1e-05]',
        "#    multi: str [Default: 'a\\nb']",
        "#    none: dict [Default: {'a': [1.0, 'x', False], 'z': None}]",
        '#    quote: str [Default: "it\'s"]',
        '# Outputs:',
        '#    Output: str',
        '',
      ].join('\n'),
    );
  });

  it('round-trips strings exactly: newlines, quotes, leading spaces, YAML look-alikes', () => {
    const strings = [
      '',
      ' ',
      '  leading spaces',
      'trailing spaces  ',
      'line one\nline two',
      'ends with a newline\n',
      'ends with two newlines\n\n',
      '\n',
      '\nstarts with a newline',
      ' leading space\nthen more',
      'line with trailing space \nnext',
      'last line is spaces\n  ',
      'x\n\n\ny\n\n',
      "it's",
      'say "hi"',
      `both ' and "`,
      'back\\slash and \\n',
      "{{$.inputs.parameters['text']}}",
      '{"IfPresent": {"InputName": "opt", "Then": ["--opt"]}}',
      'yes',
      'no',
      'on',
      'off',
      'true',
      'null',
      '~',
      '123',
      '1e3',
      '0o17',
      '0x1F',
      '12:30',
      '2024-01-01',
      '.inf',
      '- item',
      '? key',
      'key: value',
      '# not a comment',
      'a #b',
      '&anchor',
      '*alias',
      '!tag',
      '|',
      '>',
      '=',
      '<<',
      '---',
      'a\n---\nb',
      'tab\tinside',
      '\tleading tab\nx',
      'crlf\r\nline',
      'control \u0001 \u007f \u0085 \u2028 \ufeff',
      'unicode é 日本 😀',
      'x'.repeat(500) + ' ' + 'y '.repeat(200),
      `#!/bin/sh\nset -e\nif [ -n "$1" ]; then\n  echo "it's $1"\nfi\n`,
    ];
    const spec = tinySpec();
    const query = spec.deploymentSpec?.executors['exec-query']?.container;
    if (query === undefined) throw new Error('no container');
    query.args = strings;
    spec.pipelineInfo.description = strings.join('|');
    const yaml = pipelineToYaml(spec);
    expect(
      (parse(yaml) as PipelineSpec).deploymentSpec?.executors['exec-query']?.container?.args,
    ).toStrictEqual(strings);
    expect(parse(yaml)).toStrictEqual(spec);
    expect(parse(yaml, { version: '1.1' })).toStrictEqual(spec);
    expect(JSON.parse(pipelineToJson(spec))).toStrictEqual(spec);
    // a long string is never folded onto several lines
    expect(yaml).toContain(`${'x'.repeat(500)} ${'y '.repeat(200)}`);
  });

  it('never writes YAML anchors for shared objects', () => {
    const spec = tinySpec();
    const shared = { artifactType: { schemaTitle: 'system.Model' } };
    const comp = spec.components?.['comp-train'];
    if (comp === undefined) throw new Error('no component');
    comp.outputDefinitions = { artifacts: { a: shared, b: shared } };
    const yaml = pipelineToYaml(spec);
    expect(yaml).not.toMatch(/[&*]a\d/);
    expect(parse(yaml)).toStrictEqual(JSON.parse(JSON.stringify(spec)));
  });

  it('refuses a spec that is not JSON data, naming where', () => {
    const big = { ...tinySpec(), sdkVersion: 10n as unknown as string };
    expect(() => pipelineToYaml(big)).toThrow(PipelineDefinitionError);
    expect(() => pipelineToJson(big)).toThrow(/sdkVersion is a bigint \(10n\)/);
    const nan = tinySpec();
    nan.root.inputDefinitions = {
      parameters: { x: { parameterType: 'NUMBER_DOUBLE', defaultValue: Number.NaN } },
    };
    expect(() => pipelineToYaml(nan)).toThrow(
      /root\.inputDefinitions\.parameters\.x\.defaultValue is the number NaN/,
    );
  });
});

describe('formatFromPath', () => {
  it.each([
    ['out.yaml', 'yaml'],
    ['dir/out.YML', 'yaml'],
    ['out.json', 'json'],
    ['chicago.pipeline.tar.gz', 'tar.gz'],
    ['out.TGZ', 'tar.gz'],
  ])('%s is %s', (file, format) => {
    expect(formatFromPath(file)).toBe(format);
  });

  it('rejects other extensions with a UsageError listing the allowed ones', () => {
    expect(() => formatFromPath('out.txt')).toThrow(UsageError);
    expect(() => formatFromPath('out.gz')).toThrow(/\.yaml, \.yml, \.json/);
  });
});

describe('packPipeline', () => {
  it('makes a tar.gz holding exactly pipeline.yaml (mode 0644, mtime 0)', async () => {
    const spec = tinySpec();
    const entries = await listTarGz(await packPipeline(spec, 'tar.gz'));
    expect(entries.map((e) => e.header.name)).toEqual(['pipeline.yaml']);
    const [entry] = entries;
    expect(entry?.header.type).toBe('file');
    expect(entry?.header.mode).toBe(0o644);
    expect(entry?.header.mtime.getTime()).toBe(0);
    expect(entry?.body.toString('utf8')).toBe(pipelineToYaml(spec));
  });

  it.each(['yaml', 'json', 'tar.gz'] as const)(
    'packs the same spec to the same %s bytes',
    async (format) => {
      const a = await packPipeline(tinySpec(), format);
      const b = await packPipeline(tinySpec(), format);
      expect(a.equals(b)).toBe(true);
    },
  );

  it('writes YAML and JSON as text ending with a newline', async () => {
    expect((await packPipeline(tinySpec(), 'yaml')).toString('utf8')).toMatch(
      /^# PIPELINE DEFINITION\n# Name: tiny\n[^]*\nsdkVersion: pipelab-test\n$/,
    );
    expect((await packPipeline(tinySpec(), 'json')).toString('utf8')).toMatch(/^\{\n[^]*\n\}\n$/);
  });
});

describe('writePipelinePackage', () => {
  it('creates missing parent directories and replaces an existing file', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'a', 'b', 'out.tar.gz');
    await writePipelinePackage(tinySpec(), out);
    expect(await loadPipelinePackage(out)).toStrictEqual(tinySpec());
    const spec = tinySpec();
    spec.pipelineInfo.name = 'renamed';
    await writePipelinePackage(spec, out);
    expect((await loadPipelinePackage(out)).pipelineInfo.name).toBe('renamed');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out.tar.gz']);
  });

  it('honours an explicit format over the extension', async () => {
    const out = path.join(tempDir(), 'pipeline.txt');
    await writePipelinePackage(tinySpec(), out, { format: 'json' });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toStrictEqual(tinySpec());
  });

  it('leaves no file and no temporary file when the rename fails (target is a directory)', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.yaml');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'kept');
    const error = await writePipelinePackage(tinySpec(), out).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelabError);
    expect((error as Error).message).toMatch(/out\.yaml.*directory/);
    expect(fs.readdirSync(dir)).toEqual(['out.yaml']);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
  });

  it('leaves no file when the spec cannot be serialized (a BigInt)', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.yaml');
    const spec = { ...tinySpec(), sdkVersion: 1n as unknown as string };
    await expect(writePipelinePackage(spec, out)).rejects.toThrow(PipelineDefinitionError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('leaves an existing file unchanged when the spec cannot be serialized (a cycle)', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.tar.gz');
    fs.writeFileSync(out, 'previous content');
    const spec = tinySpec();
    (spec.root as unknown as Record<string, unknown>).self = spec.root;
    await expect(writePipelinePackage(spec, out)).rejects.toThrow(/root\.self refers back to root/);
    expect(fs.readFileSync(out, 'utf8')).toBe('previous content');
    expect(fs.readdirSync(dir)).toEqual(['out.tar.gz']);
  });

  it('rejects an unknown extension before writing anything', async () => {
    const dir = tempDir();
    await expect(writePipelinePackage(tinySpec(), path.join(dir, 'x', 'out.txt'))).rejects.toThrow(
      UsageError,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('loadPipelinePackage', () => {
  it('loads bytes as well as files, whatever the name, by sniffing gzip', async () => {
    const spec = tinySpec();
    for (const format of ['yaml', 'json', 'tar.gz'] as const) {
      const bytes = await packPipeline(spec, format);
      expect(await loadPipelinePackage(bytes)).toStrictEqual(spec);
      expect(await loadPipelinePackage(new Uint8Array(bytes))).toStrictEqual(spec);
      expect(await loadPipelinePackage(writeText(bytes, 'no-extension'))).toStrictEqual(spec);
    }
  });

  it('takes the first document of a multi-document YAML (KFP appends a PlatformSpec)', async () => {
    const text = `${pipelineToYaml(tinySpec())}---\nplatforms:\n  kubernetes:\n    deploymentSpec: {}\n`;
    expect(await loadPipelinePackage(writeText(text))).toStrictEqual(tinySpec());
  });

  it('picks the only YAML member of an archive not named pipeline.yaml', async () => {
    const yaml = pipelineToYaml(tinySpec());
    const bytes = await tarGz([
      { header: { name: 'README.md', size: 2 }, body: 'hi' },
      { header: { name: 'dir', type: 'directory' } },
      { header: { name: './dir/tiny.yml', size: Buffer.byteLength(yaml) }, body: yaml },
    ]);
    expect(await loadPipelinePackage(bytes)).toStrictEqual(tinySpec());
  });

  it('rejects an archive with several candidates and no pipeline.yaml, listing them', async () => {
    const bytes = await tarGz([
      { header: { name: 'a.yaml' }, body: 'a: 1\n' },
      { header: { name: 'b.json' }, body: '{}' },
    ]);
    const error = await loadError(bytes, { name: 'two.tar.gz' });
    expect(error.message).toMatch(/two\.tar\.gz: .*no pipeline\.yaml.*'a\.yaml', 'b\.json'/);
  });

  it('rejects text that is not YAML, with the line and column', async () => {
    const file = writeText('key: [unclosed');
    const error = await loadError(file);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not valid YAML at line 1, column \d+: /);
    expect(error.context.file).toBe(file);
  });

  it.each([
    ['a plain string', 'just some words\n', /found the string "just some words"/],
    ['a list', '- a\n- b\n', /found a list/],
    ['a number', '42\n', /found number 42/],
    ['another mapping', 'name: x\nsteps: [a, b]\n', /missing pipelineInfo, root, schemaVersion/],
    [
      'a Kubernetes manifest',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      /looks like a Kubernetes manifest \(apiVersion: v1, kind: ConfigMap\)/,
    ],
  ])('rejects YAML that is not a PipelineSpec: %s', async (_what, text, pattern) => {
    const error = await loadError(writeText(text));
    expect(error.message).toMatch(pattern);
    expect(error.message).toMatch(/PipelineSpec/);
  });

  it('rejects a KFP v1 / Argo workflow, saying a v2 PipelineSpec is needed', async () => {
    const argo = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Workflow',
      'metadata:',
      '  generateName: chicago-crime-prediction-',
      'spec:',
      '  entrypoint: chicago-crime-prediction',
      '  templates: []',
      '',
    ].join('\n');
    const error = await loadError(writeText(argo));
    expect(error.message).toMatch(/KFP v1 \/ Argo workflow/);
    expect(error.message).toMatch(/needs a v2 PipelineSpec/);
  });

  it('rejects schemaVersion 9.9.9, naming the supported versions', async () => {
    const spec = { ...tinySpec(), schemaVersion: '9.9.9' };
    const error = await loadError(writeText(pipelineToYaml(spec)));
    expect(error.message).toMatch(
      /schemaVersion: PipelineSpec schema version '9\.9\.9' is not supported; Pipelab reads schema versions 2\.0\.0 and 2\.1\.0/,
    );
    expect(error.context.pipeline).toBe('tiny');
  });

  it('rejects a componentRef to a component that does not exist', async () => {
    const spec = tinySpec();
    task(spec, 'train').componentRef.name = 'comp-trian';
    const error = await loadError(writeText(pipelineToYaml(spec)));
    expect(error.message).toContain(
      "root.dag.tasks.train.componentRef.name: component 'comp-trian' is not defined in components (did you mean 'comp-train'?)",
    );
  });

  it('rejects an executorLabel naming no executor', async () => {
    const spec = tinySpec();
    const comp = spec.components?.['comp-query'];
    if (comp === undefined) throw new Error('no component');
    comp.executorLabel = 'exec-missing';
    const error = await loadError(writeText(pipelineToYaml(spec)));
    expect(error.message).toMatch(
      /components\.comp-query\.executorLabel: executor 'exec-missing' is not defined in deploymentSpec\.executors/,
    );
  });

  it('rejects dependentTasks that form a cycle', async () => {
    const spec = tinySpec();
    task(spec, 'query').dependentTasks = ['train'];
    const error = await loadError(writeText(pipelineToYaml(spec)));
    expect(error.message).toMatch(
      /root\.dag\.tasks: tasks form a cycle: (query -> train -> query|train -> query -> train)/,
    );
  });

  it('rejects an archive member named ../evil.yaml', async () => {
    const bytes = await tarGz([
      { header: { name: '../evil.yaml' }, body: pipelineToYaml(tinySpec()) },
    ]);
    const error = await loadError(bytes, { name: 'evil.tar.gz' });
    expect(error.message).toMatch(
      /evil\.tar\.gz: archive member '\.\.\/evil\.yaml' has a '\.\.' path segment/,
    );
  });

  it('rejects an archive member with an absolute path', async () => {
    const bytes = await tarGz([
      { header: { name: '/etc/pipeline.yaml' }, body: pipelineToYaml(tinySpec()) },
    ]);
    const error = await loadError(bytes);
    expect(error.message).toMatch(/archive member '\/etc\/pipeline\.yaml' has an absolute path/);
  });

  it('rejects an archive holding a symlink', async () => {
    const bytes = await tarGz([
      { header: { name: 'pipeline.yaml', type: 'symlink', linkname: '/etc/passwd' } },
    ]);
    const error = await loadError(bytes);
    expect(error.message).toMatch(
      /archive member 'pipeline\.yaml' is a symbolic link \(to '\/etc\/passwd'\)/,
    );
  });

  it('rejects an archive holding a hard link', async () => {
    const bytes = await tarGz([
      { header: { name: 'a.txt' }, body: 'x' },
      { header: { name: 'pipeline.yaml', type: 'link', linkname: 'a.txt' } },
    ]);
    expect((await loadError(bytes)).message).toMatch(/is a hard link/);
  });

  it('rejects a member that unpacks to more than 32 MiB, without unpacking it', async () => {
    const bytes = await tarGz([
      { header: { name: 'pipeline.yaml' }, body: Buffer.alloc(40 * MiB, ' ') },
    ]);
    expect(bytes.length).toBeLessThan(MiB);
    const error = await loadError(bytes, { name: 'bomb.tar.gz' });
    expect(error.message).toMatch(
      /bomb\.tar\.gz: archive member 'pipeline\.yaml' is more than 32 MiB/,
    );
  });

  it('stops unpacking as soon as the archive passes the limit', async () => {
    // 40 members of 1 MiB each (each under the limit), then corrupt gzip data: a loader that
    // read on past 32 MiB would report the corruption instead of the limit
    const members = Array.from({ length: 40 }, (_, i) => ({
      header: { name: `part-${i}.yaml` },
      body: Buffer.alloc(MiB, ' '),
    }));
    const valid = await tarGz(members);
    const corrupt = zlib.gzipSync(Buffer.alloc(MiB, 'z'));
    corrupt.fill(0xff, 10, corrupt.length - 8);
    const bytes = Buffer.concat([valid, corrupt]);
    const unlimited = await loadError(bytes, { maxUnpackedBytes: 1024 * MiB });
    expect(unlimited.message).toMatch(/not a valid gzip file/);
    const error = await loadError(bytes);
    expect(error.message).toMatch(/the archive unpacks to more than 32 MiB/);
    const file = writeText(bytes, 'big.tar.gz');
    expect((await loadError(file)).message).toMatch(/big\.tar\.gz: the archive unpacks to more/);
    const small = await loadError(await packPipeline(tinySpec(), 'tar.gz'), {
      maxUnpackedBytes: 1024,
    });
    expect(small.message).toMatch(/more than 1 KiB.*maxUnpackedBytes = 1024/);
  });

  it('rejects a text file over the limit, reading no further than the limit', async () => {
    const error = await loadError(writeText(pipelineToYaml(tinySpec())), { maxUnpackedBytes: 100 });
    expect(error.message).toMatch(/the file is more than 100 bytes/);
    const big = writeText(`# ${'x'.repeat(300 * 1024)}\n${pipelineToYaml(tinySpec())}`);
    expect((await loadError(big, { maxUnpackedBytes: 256 * 1024 })).message).toMatch(
      /the file is more than 256 KiB/,
    );
    expect(await loadPipelinePackage(big)).toStrictEqual(tinySpec());
    if (fs.existsSync('/dev/zero')) {
      // an endless source: only a bounded read can finish
      const endless = await loadError('/dev/zero', { maxUnpackedBytes: MiB });
      expect(endless.message).toMatch(/\/dev\/zero: the file is more than 1 MiB/);
    }
  });

  it('rejects an empty file', async () => {
    const file = writeText('');
    const error = await loadError(file);
    expect(error.message).toBe(
      `${file}: the file is empty; expected a compiled pipeline (YAML, JSON or .tar.gz)`,
    );
    expect((await loadError(writeText('# only a comment\n'))).message).toMatch(
      /holds no YAML document/,
    );
  });

  it('rejects UTF-16 text, asking for UTF-8', async () => {
    const bytes = Buffer.from(`\ufeff${pipelineToYaml(tinySpec())}`, 'utf16le');
    expect((await loadError(bytes)).message).toMatch(/UTF-16 text; save it as UTF-8/);
  });

  it('rejects random bytes with a clear message', async () => {
    let seed = 42;
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      bytes[i] = seed >> 16;
    }
    bytes[0] = 0x42; // not the gzip magic
    const error = await loadError(writeText(bytes, 'random.bin'));
    expect(error.message).toMatch(
      /random\.bin: not a pipeline file: it holds binary data|neither UTF-8 text nor gzip/,
    );
  });

  it('rejects a truncated or corrupt gzip, and gzip that is not a tar', async () => {
    const bytes = await packPipeline(tinySpec(), 'tar.gz');
    expect((await loadError(bytes.subarray(0, bytes.length / 2))).message).toMatch(
      /not a valid gzip file/,
    );
    expect(
      (await loadError(zlib.gzipSync(Buffer.from('hello world\n'.repeat(100))))).message,
    ).toMatch(/gzip-compressed but is not a valid tar archive/);
  });

  it('reports a missing file and a directory', async () => {
    const dir = tempDir();
    expect((await loadError(path.join(dir, 'nope.yaml'))).message).toMatch(
      /nope\.yaml: cannot read the pipeline package: no such file/,
    );
    expect((await loadError(dir)).message).toMatch(/it is a directory/);
  });
});

describe('validatePipelineSpec', () => {
  it('accepts schema 2.0.0 and returns the value itself', () => {
    const spec = { ...tinySpec(), schemaVersion: '2.0.0' };
    expect(validatePipelineSpec(spec)).toBe(spec);
  });

  it.each<[string, (spec: PipelineSpec) => void, RegExp]>([
    [
      'a component key without comp-',
      (s) => {
        s.components = { train: {} };
      },
      /components\.train: component names must start with 'comp-'/,
    ],
    [
      'an unknown parameterType',
      (s) => {
        const p = s.root.inputDefinitions?.parameters?.text;
        if (p) (p as { parameterType: string }).parameterType = 'TEXT';
      },
      /root\.inputDefinitions\.parameters\.text\.parameterType: must be one of STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN, LIST, STRUCT, TASK_FINAL_STATUS, found the string "TEXT"/,
    ],
    [
      'an input with two sources',
      (s) => {
        task(s, 'query').inputs = {
          parameters: {
            text: { componentInputParameter: 'text', runtimeValue: { constant: 'x' } },
          },
        };
      },
      /root\.dag\.tasks\.query\.inputs\.parameters\.text: must set exactly one of componentInputParameter, taskOutputParameter, runtimeValue, taskFinalStatus \(found componentInputParameter and runtimeValue\)/,
    ],
    [
      'an input with no source',
      (s) => {
        task(s, 'query').inputs = { parameters: { text: {} } };
      },
      /\(found none\)/,
    ],
    [
      'a dependency on a task of another dag',
      (s) => {
        task(s, 'train').dependentTasks = ['elsewhere'];
      },
      /root\.dag\.tasks\.train\.dependentTasks\[0\]: task 'elsewhere' is not in this dag/,
    ],
    [
      'a task depending on itself',
      (s) => {
        task(s, 'query').dependentTasks = ['query'];
      },
      /tasks form a cycle: query -> query/,
    ],
    [
      'a cycle through task outputs',
      (s) => {
        task(s, 'query').inputs = {
          parameters: {
            text: { taskOutputParameter: { producerTask: 'train', outputParameterKey: 'x' } },
          },
        };
      },
      /tasks form a cycle/,
    ],
    [
      'an executor without an image',
      (s) => {
        const e = s.deploymentSpec?.executors['exec-train'];
        if (e) e.container = { image: '' };
      },
      /deploymentSpec\.executors\.exec-train\.container\.image: must be a non-empty string/,
    ],
    [
      'an executor with nothing to run',
      (s) => {
        const e = s.deploymentSpec?.executors;
        if (e) e['exec-train'] = {};
      },
      /deploymentSpec\.executors\.exec-train: has no container, importer, resolver, customJob/,
    ],
    [
      'a recursive component',
      (s) => {
        s.components = {
          ...s.components,
          'comp-loop': {
            dag: {
              tasks: {
                again: { taskInfo: { name: 'again' }, componentRef: { name: 'comp-loop' } },
              },
            },
          },
        };
        task(s, 'train').componentRef.name = 'comp-loop';
      },
      /components\.comp-loop\.dag\.tasks\.again\.componentRef\.name: component 'comp-loop' is used inside itself/,
    ],
    [
      'a root without a dag',
      (s) => {
        (s.root as { dag?: unknown }).dag = undefined;
      },
      /root\.dag: the pipeline root must have a dag/,
    ],
    [
      'a schemaVersion that is a number',
      (s) => {
        (s as { schemaVersion: unknown }).schemaVersion = 2.1;
      },
      /schemaVersion: must be a string such as '2\.1\.0', found number 2\.1/,
    ],
  ])('rejects %s', (_what, mutate, pattern) => {
    const spec = tinySpec();
    mutate(spec);
    expect(() => validatePipelineSpec(spec, 'x.yaml')).toThrow(PipelineLoadError);
    expect(() => validatePipelineSpec(spec, 'x.yaml')).toThrow(pattern);
  });
});
