/**
 * `compile()` for tests: every spec a test compiles is also checked against
 * pipeline_spec.proto when ../shared is present. Without it the check is left out after a
 * notice, except in CI (or with PIPELAB_REQUIRE_SHARED set), where a missing ../shared throws.
 */
import { compile, type CompileOptions } from '../../kernel-lib/src/compiler/build';
import type { PipelineSpec } from '../../kernel-lib/src/compiler/spec';
import type { Pipeline } from '../../kernel-lib/src/dsl/pipeline';
import { validatePipelineSpec } from './proto';
import { requireSharedOrSkip } from './shared';

export function compileChecked(pipeline: Pipeline, options?: CompileOptions): PipelineSpec {
  const spec = compile(pipeline, options);
  if (requireSharedOrSkip('pipeline_spec.proto checks of compiled specs') !== undefined)
    validatePipelineSpec(JSON.parse(JSON.stringify(spec)));
  return spec;
}
