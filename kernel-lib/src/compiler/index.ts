/** The compiler: a pipeline to its PipelineSpec, files in and out. */
import type { Pipeline } from '../dsl/pipeline';
import { compile, type CompileOptions } from './build';
import { writePipelinePackage, type PackageFormat } from './package';
import type { PipelineSpec } from './spec';

export { compile, type CompileOptions } from './build';
export { pipelineToYaml, pipelineToJson } from './yaml';
export {
  writePipelinePackage,
  loadPipelinePackage,
  packPipeline,
  formatFromPath,
  type PackageFormat,
} from './package';
export { validatePipelineSpec } from './validate';
export type * from './spec';

/**
 * Compiles a pipeline and writes it to `path` (`.yaml` by default; `.json`, or `.tar.gz` holding
 * `pipeline.yaml`). Nothing is written when compilation fails.
 */
export async function compileToFile(
  pipeline: Pipeline,
  path: string,
  options: CompileOptions & { format?: PackageFormat } = {},
): Promise<PipelineSpec> {
  const spec = compile(pipeline, options);
  await writePipelinePackage(spec, path, options.format ? { format: options.format } : {});
  return spec;
}
