/**
 * The local runner: executes a compiled PipelineSpec on this machine. The public surface.
 */
export { runPipeline, executePipeline, type RunHandle } from './runner';
export type { RunOptions } from './options';
export type {
  AttemptResult,
  CommandResolution,
  CommandResolver,
  CommandResolverContext,
  ProcessMonitor,
  ResolvedContainer,
  RunEvent,
  RunResult,
  RunState,
  RuntimeArtifactIR,
  SkipReason,
  TaskIO,
  TaskResult,
  TaskState,
} from './types';
export { MemoryCacheStore, JsonFileCacheStore, type CacheEntry, type CacheStore } from './cache';
export { cacheFingerprint, type CacheKey } from './cache-key';
export { evaluateCondition, compileCel, type CompiledCondition } from './cel';
export {
  localPathOfUri,
  isObjectStoreUri,
  mapObjectStoreUri,
  resolvePipelineRoot,
  taskOutputPaths,
} from './artifacts';
export { parseDuration } from './retry';
export {
  RunnerError,
  RunSpecError,
  RunOptionsError,
  RunParameterError,
  TaskError,
  ConditionError,
  PlaceholderError,
  CacheStoreError,
  type RunnerErrorContext,
} from './errors';
