/**
 * `compile()` for tests: every spec a test compiles is also checked against
 * pipeline_spec.proto when ../shared is present (in CI it always is).
 */
import { compile, type CompileOptions } from '../../kernel-lib/src/compiler/build';
import type { PipelineSpec } from '../../kernel-lib/src/compiler/spec';
import type { Pipeline } from '../../kernel-lib/src/dsl/pipeline';
import { validatePipelineSpec } from './proto';
import { sharedDir } from './shared';

export function compileChecked(pipeline: Pipeline, options?: CompileOptions): PipelineSpec {
  const spec = compile(pipeline, options);
  if (sharedDir()) validatePipelineSpec(JSON.parse(JSON.stringify(spec)));
  return spec;
}
