/**
 * The compiler against pipelines compiled by the KFP SDK: the same pipeline written with
 * Pipelab's DSL must compile to the same IR, field for field (ignoring sdkVersion, and for
 * function components the embedded program), and every compiled spec must encode against
 * pipeline_spec.proto.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compile } from '../kernel-lib/src/compiler';
import type { PipelineSpec } from '../kernel-lib/src/compiler/spec';
import { chicagoPipeline } from '../kernel-lib/src/pipelines/chicago';
import { chicagoReference } from './golden/chicago-reference';
import { CONTAINER_GOLDENS } from './golden/container-pipelines';
import { FUNCTION_GOLDENS } from './golden/function-pipelines';
import { validatePipelineSpec } from './support/proto';
import { describeShared, sharedPath } from './support/shared';

function golden(file: string): PipelineSpec {
  const spec = parse(readFileSync(file, 'utf8')) as PipelineSpec & { sdkVersion?: string };
  delete spec.sdkVersion;
  return spec;
}

function compiled(p: Parameters<typeof compile>[0]): PipelineSpec {
  const spec = compile(p);
  expect(spec.sdkVersion).toMatch(/^pipelab-\d+\.\d+\.\d+/);
  delete spec.sdkVersion;
  return spec;
}

describeShared('golden IR: container components', () => {
  for (const [file, p] of CONTAINER_GOLDENS) {
    it(`${file} matches field for field`, () => {
      expect(compiled(p)).toEqual(golden(sharedPath('kfp', 'golden', file)));
    });
  }

  it('the Chicago reference pipeline matches chicago_pipeline.kfp-sdk-2.15.2.yaml', () => {
    const want = golden(sharedPath('kfp', 'reference', 'chicago_pipeline.kfp-sdk-2.15.2.yaml'));
    expect(compiled(chicagoReference)).toEqual(want);
  });
});

describeShared('golden IR: function components', () => {
  for (const [file, p] of FUNCTION_GOLDENS) {
    it(`${file} matches except the executors' programs`, () => {
      const got = compiled(p);
      const want = golden(sharedPath('kfp', 'golden', file));
      const gotExecutors = got.deploymentSpec?.executors ?? {};
      const wantExecutors = want.deploymentSpec?.executors ?? {};
      expect(Object.keys(gotExecutors).sort()).toEqual(Object.keys(wantExecutors).sort());
      for (const [label, executor] of Object.entries(wantExecutors)) {
        const mine = gotExecutors[label]?.container;
        // Same executor protocol as KFP's lightweight components: the ExecutorInput and the function name.
        expect(mine?.args).toEqual(executor.container?.args);
        expect(mine?.command?.[0]).toBe('node');
        expect(mine?.image).toMatch(/^node:/);
      }
      delete got.deploymentSpec;
      delete want.deploymentSpec;
      expect(got).toEqual(want);
    });
  }
});

describeShared('compiled specs encode against pipeline_spec.proto', () => {
  const all = [
    ...CONTAINER_GOLDENS.map(([f, p]) => [f, p] as const),
    ...FUNCTION_GOLDENS.map(([f, p]) => [f, p] as const),
    ['chicago reference', chicagoReference] as const,
    ['chicago (Pipelab components)', chicagoPipeline] as const,
  ];
  for (const [name, p] of all) {
    it(name, () => {
      expect(() => validatePipelineSpec(JSON.parse(JSON.stringify(compile(p))))).not.toThrow();
    });
  }
});

describe('compile output is deterministic', () => {
  it('compiling twice gives identical specs', () => {
    expect(JSON.stringify(compile(chicagoPipeline))).toBe(JSON.stringify(compile(chicagoPipeline)));
  });
});
