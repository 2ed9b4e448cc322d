/**
 * Pipelab: define Kubeflow Pipelines in TypeScript, compile them to the KFP v2 IR, and run them on
 * the embedded engine or a KFP cluster.
 *
 * ```ts
 * import { dsl, compiler } from 'pipelab';
 * ```
 */
export * as dsl from './dsl';
export * as compiler from './compiler';
export {
  pipeline,
  containerComponent,
  functionComponent,
  param,
  If,
  Artifact,
  Dataset,
  Model,
  Metrics,
} from './dsl';
export { compile, compileToFile, loadPipelinePackage, writePipelinePackage } from './compiler';
export * as client from './client';
export * as display from './display';
export { Client, RunHandle, filter, type ClientOptions } from './client';
export * from './errors';
export { VERSION } from './version';
