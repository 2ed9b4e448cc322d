import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it, expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import * as protojson from 'protobufjs/ext/protojson.js';
import { describeShared } from './support/shared';
import {
  loadProtoRoot,
  ProtoValidationError,
  roundTrip,
  validateMessage,
  validatePipelineSpec,
  validatePlatformSpec,
} from './support/proto';

type Json = Record<string, unknown>;

/** All YAML documents of a file, as plain JSON values. */
function readYamlDocuments(file: string): unknown[] {
  const docs = Array.from(parseAllDocuments(fs.readFileSync(file, 'utf8')));
  for (const doc of docs) {
    if (doc.errors.length > 0)
      throw new Error(`${file}: ${doc.errors[0]?.message ?? 'YAML error'}`);
  }
  return docs.map((doc) => doc.toJS() as unknown);
}

function readSpec(file: string): Json {
  const [spec] = readYamlDocuments(file);
  if (typeof spec !== 'object' || spec === null) throw new Error(`${file}: no YAML document`);
  return spec as Json;
}

/** Walks `obj` along `keys`, creating nothing: the path must exist. */
function at(obj: Json, ...keys: string[]): Json {
  let cur: unknown = obj;
  for (const key of keys) {
    if (typeof cur !== 'object' || cur === null) throw new Error(`no ${keys.join('.')}`);
    cur = (cur as Json)[key];
  }
  if (typeof cur !== 'object' || cur === null) throw new Error(`no object at ${keys.join('.')}`);
  return cur as Json;
}

function errorOf(fn: () => void): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

interface NegativeCase {
  name: string;
  mutate: (spec: Json) => void;
  /** JSON path that must appear in the message. */
  path: string;
  /** Further text the message must contain. */
  contains?: string;
  /** Whether protobufjs' ProtoJSON parser (which treats deploymentSpec as a Struct) rejects it too. */
  protojsonRejects: boolean;
}

// All cases start from golden/container_retry_caching.yaml (tasks `emit` and `announce`).
const TASKS = ['root', 'dag', 'tasks'];
const NEGATIVE_CASES: NegativeCase[] = [
  {
    name: 'unknown field inside a task',
    mutate: (s) => {
      at(s, ...TASKS, 'emit', 'cachingOptions').enableCach = true;
    },
    path: 'root.dag.tasks.emit.cachingOptions.enableCach',
    contains: 'unknown field in ml_pipelines.PipelineTaskSpec.CachingOptions',
    protojsonRejects: true,
  },
  {
    name: 'unknown field directly on a task',
    mutate: (s) => {
      at(s, ...TASKS, 'announce').dependsOn = ['emit'];
    },
    path: 'root.dag.tasks.announce.dependsOn',
    contains: 'unknown field in ml_pipelines.PipelineTaskSpec',
    protojsonRejects: true,
  },
  {
    name: 'string where a message is expected',
    mutate: (s) => {
      at(s, ...TASKS, 'emit').componentRef = 'comp-emit';
    },
    path: 'root.dag.tasks.emit.componentRef',
    contains: 'expected object for message ml_pipelines.ComponentRef',
    protojsonRejects: true,
  },
  {
    name: 'unknown enum value for parameterType',
    mutate: (s) => {
      at(s, 'components', 'comp-emit', 'inputDefinitions', 'parameters', 'text').parameterType =
        'STR';
    },
    path: 'components.comp-emit.inputDefinitions.parameters.text.parameterType',
    contains: 'unknown enum value "STR" for ml_pipelines.ParameterType.ParameterTypeEnum',
    protojsonRejects: true,
  },
  {
    name: 'unknown field inside an executor container',
    mutate: (s) => {
      at(s, 'deploymentSpec', 'executors')['exec-x'] = {
        container: { imag: 'python:3.11', command: ['echo'] },
      };
    },
    path: 'deploymentSpec.executors.exec-x.container.imag',
    contains: 'unknown field in ml_pipelines.PipelineDeploymentConfig.PipelineContainerSpec',
    protojsonRejects: false, // deploymentSpec is a Struct for the proto itself
  },
  {
    name: 'non-array dependentTasks',
    mutate: (s) => {
      at(s, ...TASKS, 'announce').dependentTasks = 'emit';
    },
    path: 'root.dag.tasks.announce.dependentTasks',
    contains: 'expected array',
    protojsonRejects: true,
  },
  {
    name: 'wrong type in retryPolicy.maxRetryCount (string)',
    mutate: (s) => {
      at(s, ...TASKS, 'emit', 'retryPolicy').maxRetryCount = 'three';
    },
    path: 'root.dag.tasks.emit.retryPolicy.maxRetryCount',
    contains: 'int32',
    protojsonRejects: true,
  },
  {
    name: 'wrong type in retryPolicy.maxRetryCount (fraction)',
    mutate: (s) => {
      at(s, ...TASKS, 'emit', 'retryPolicy').maxRetryCount = 2.5;
    },
    path: 'root.dag.tasks.emit.retryPolicy.maxRetryCount',
    protojsonRejects: true,
  },
  {
    name: 'map value that is not a message object',
    mutate: (s) => {
      at(s, ...TASKS).extra = ['not', 'a', 'task'];
    },
    path: 'root.dag.tasks.extra',
    contains: 'expected object for message ml_pipelines.PipelineTaskSpec',
    protojsonRejects: true,
  },
  {
    name: 'map field that is not an object',
    mutate: (s) => {
      at(s, 'root', 'dag').tasks = ['emit', 'announce'];
    },
    path: 'root.dag.tasks',
    contains: 'expected object for map<string, ml_pipelines.PipelineTaskSpec>',
    protojsonRejects: true,
  },
  {
    name: 'oneof set twice',
    mutate: (s) => {
      at(s, ...TASKS, 'emit', 'inputs', 'parameters', 'text').runtimeValue = { constant: 'x' };
    },
    path: 'root.dag.tasks.emit.inputs.parameters.text.runtimeValue',
    contains: 'oneof "kind"',
    protojsonRejects: true,
  },
  {
    name: 'same field under its JSON and proto names',
    mutate: (s) => {
      s.pipeline_info = { name: 'again' };
    },
    path: 'pipeline_info',
    contains: 'set twice',
    protojsonRejects: true,
  },
  {
    name: 'malformed Duration',
    mutate: (s) => {
      at(s, ...TASKS, 'emit', 'retryPolicy').backoffDuration = '10 seconds';
    },
    path: 'root.dag.tasks.emit.retryPolicy.backoffDuration',
    contains: 'google.protobuf.Duration',
    protojsonRejects: true,
  },
  {
    name: 'string where a bool is expected',
    mutate: (s) => {
      at(s, ...TASKS, 'emit', 'cachingOptions').enableCache = 'true';
    },
    path: 'root.dag.tasks.emit.cachingOptions.enableCache',
    contains: 'expected boolean',
    protojsonRejects: true,
  },
  {
    name: 'non-string list element in an executor command',
    mutate: (s) => {
      at(s, 'deploymentSpec', 'executors', 'exec-emit', 'container').command = ['emit', 3];
    },
    path: 'deploymentSpec.executors.exec-emit.container.command[1]',
    contains: 'expected string',
    protojsonRejects: false,
  },
];

describeShared('KFP pipeline_spec.proto validation', (shared) => {
  const goldenDir = path.join(shared, 'kfp', 'golden');
  const files = [
    ...fs
      .readdirSync(goldenDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => path.join(goldenDir, f)),
    path.join(shared, 'kfp', 'reference', 'chicago_pipeline.kfp-sdk-2.15.2.yaml'),
  ];
  const baseFile = path.join(goldenDir, 'container_retry_caching.yaml');
  const pipelineSpecType = () => loadProtoRoot().lookupType('ml_pipelines.PipelineSpec');

  it('loads the proto once, with google.rpc.Status defined in memory', () => {
    const root = loadProtoRoot();
    expect(loadProtoRoot()).toBe(root);
    const status = root.lookupType('google.rpc.Status');
    expect(status.fieldsArray.map((f) => f.name)).toEqual(['code', 'message', 'details']);
    expect(root.lookupType('ml_pipelines.PipelineTaskFinalStatus').fields.error?.resolvedType).toBe(
      status,
    );
  });

  it('finds the golden files', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  describe('golden IR validates', () => {
    it.each(files.map((f) => [path.relative(shared, f), f]))('%s', (_name, file) => {
      const docs = readYamlDocuments(file);
      expect(docs.length).toBeGreaterThanOrEqual(1);
      validatePipelineSpec(docs[0]);
      // an optional second document holds the platform specs
      if (docs.length > 1) validatePlatformSpec(docs[1]);
    });
  });

  describe('agrees with protobufjs ProtoJSON parsing on the golden IR', () => {
    it.each(files.map((f) => [path.relative(shared, f), f]))('%s', (_name, file) => {
      const spec = readSpec(file);
      const type = pipelineSpecType();
      const viaProtojson: unknown = protojson.toJson(type, protojson.fromJson(type, spec));
      expect(roundTrip(spec)).toEqual(viaProtojson);
    });
  });

  describe('rejects broken specs with the JSON path of the problem', () => {
    it.each(NEGATIVE_CASES.map((c) => [c.name, c]))('%s', (_name, c) => {
      const spec = readSpec(baseFile);
      validatePipelineSpec(spec); // the unmodified file is fine
      c.mutate(spec);
      const err = errorOf(() => validatePipelineSpec(spec));
      expect(err).toBeInstanceOf(ProtoValidationError);
      expect(err.message).toContain(`${c.path}:`);
      if (c.contains !== undefined) expect(err.message).toContain(c.contains);
      expect(() => roundTrip(spec)).toThrow(c.path);
      const type = pipelineSpecType();
      if (c.protojsonRejects) expect(() => protojson.fromJson(type, spec)).toThrow();
      else expect(() => protojson.fromJson(type, spec)).not.toThrow();
    });
  });

  it('reports several problems at once', () => {
    const spec = readSpec(baseFile);
    at(spec, ...TASKS, 'emit', 'cachingOptions').enableCach = true;
    at(spec, ...TASKS, 'announce').dependentTasks = 'emit';
    const err = errorOf(() => validatePipelineSpec(spec));
    expect(err.message).toMatch(/^2 problems validating ml_pipelines\.PipelineSpec/);
    expect((err as ProtoValidationError).issues.map((i) => i.path)).toEqual([
      'root.dag.tasks.announce.dependentTasks',
      'root.dag.tasks.emit.cachingOptions.enableCach',
    ]);
  });

  it('suggests the intended field name', () => {
    const spec = readSpec(baseFile);
    at(spec, ...TASKS, 'emit', 'cachingOptions').enableCach = true;
    expect(() => validatePipelineSpec(spec)).toThrow('did you mean "enableCache"?');
  });

  it('rejects a spec that is not an object', () => {
    expect(() => validatePipelineSpec('pipeline')).toThrow(
      '(top level): expected object for message ml_pipelines.PipelineSpec, got string',
    );
    expect(() => validatePipelineSpec(['pipeline'])).toThrow('got array');
  });

  it('accepts the other ProtoJSON spellings', () => {
    const spec = readSpec(baseFile);
    // proto field names instead of JSON names
    spec.pipeline_info = spec.pipelineInfo;
    delete spec.pipelineInfo;
    const emit = at(spec, ...TASKS, 'emit');
    emit.task_info = emit.taskInfo;
    delete emit.taskInfo;
    // int32 as a decimal string, enum as a number, null as "unset"
    at(emit, 'retryPolicy').maxRetryCount = '3';
    at(spec, 'root', 'inputDefinitions', 'parameters', 'text').parameterType = 3;
    emit.triggerPolicy = null;
    // int64 as number or string inside the deployment config
    const container = at(spec, 'deploymentSpec', 'executors', 'exec-emit', 'container');
    container.resources = { accelerator: { count: '2', resourceCount: '2' } };
    validatePipelineSpec(spec);
    container.resources = { accelerator: { count: 2 } };
    validatePipelineSpec(spec);
    container.resources = { accelerator: { count: '2.5' } };
    expect(() => validatePipelineSpec(spec)).toThrow(
      'deploymentSpec.executors.exec-emit.container.resources.accelerator.count',
    );

    container.resources = { accelerator: { count: 2, resourceCount: '2' } };

    const out = roundTrip(spec);
    expect(out).toMatchObject({
      pipelineInfo: { name: 'container-retry-caching' },
      root: { inputDefinitions: { parameters: { text: { parameterType: 'STRING' } } } },
    });
    expect(at(out, ...TASKS, 'emit')).toMatchObject({
      taskInfo: { name: 'first step' },
      retryPolicy: { maxRetryCount: 3, backoffDuration: '10s', backoffMaxDuration: '3600s' },
    });
    expect(at(out, 'root', 'dag', 'tasks', 'emit').triggerPolicy).toBeUndefined();
    // deploymentSpec is a Struct in PipelineSpec, so it comes back exactly as written
    expect(at(out, 'deploymentSpec', 'executors', 'exec-emit', 'container').resources).toEqual({
      accelerator: { count: 2, resourceCount: '2' },
    });
  });

  it('validates other messages by name', () => {
    validateMessage('ml_pipelines.PipelineTaskFinalStatus', {
      state: 'FAILED',
      error: { code: 3, message: 'boom', details: [] },
    });
    expect(() =>
      validateMessage('ml_pipelines.PipelineTaskFinalStatus', { error: { cod: 3 } }),
    ).toThrow('error.cod: unknown field in google.rpc.Status');
    validateMessage('ml_pipelines.PlatformSpec', {
      platforms: { kubernetes: { deploymentSpec: { executors: { 'exec-a': { any: 'thing' } } } } },
    });
  });

  it('roundTrip of a golden file keeps the pipelineInfo name', () => {
    const spec = readSpec(
      path.join(shared, 'kfp', 'reference', 'chicago_pipeline.kfp-sdk-2.15.2.yaml'),
    );
    const out = roundTrip(spec);
    expect(out).toMatchObject({ pipelineInfo: { name: 'chicago-crime-prediction' } });
    expect(out.pipelineInfo).toEqual(spec.pipelineInfo);
    expect(out.deploymentSpec).toEqual(spec.deploymentSpec);
    expect(out.schemaVersion).toBe('2.1.0');
  });
});
