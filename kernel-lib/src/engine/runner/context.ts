/**
 * What every part of a run shares: the spec, the settled options, the executor slots, the
 * record of tasks and the cancellation signal.
 */
import type { PipelineSpec } from '../../compiler/spec';
import type { CacheStore } from './cache';
import type { RunPlaceholderValues } from './placeholders';
import type { RunRecorder } from './recorder';
import type { Semaphore } from './semaphore';
import type {
  CommandResolver,
  ProcessMonitor,
  SkipReason,
  TaskIO,
  TaskResult,
  TaskState,
} from './types';

/** The shared state of one run, passed to every part that executes it. */
export interface RunContext {
  readonly spec: PipelineSpec;
  readonly runId: string;
  readonly runName: string;
  readonly pipelineName: string;
  readonly workDir: string;
  readonly pipelineRoot: string;
  /** Where object-store URIs are kept locally, if anywhere. */
  readonly bucketsDir: string | undefined;
  /** Tasks of an earlier attempt of the run, by path, that may be reused. */
  readonly reuseTasks: ReadonlyMap<string, TaskResult>;
  readonly processMonitor: ProcessMonitor | undefined;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cache: CacheStore | undefined;
  readonly enableCaching: boolean;
  readonly commandResolver: CommandResolver | undefined;
  readonly killGracePeriodMs: number;
  readonly now: () => Date;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  readonly slots: Semaphore;
  readonly recorder: RunRecorder;
  readonly placeholders: RunPlaceholderValues;
}

/** How one task ended, as its downstream tasks see it. */
export interface TaskOutcome {
  state: TaskState;
  skipReason?: SkipReason;
  outputs: TaskIO;
  error?: string;
}

/** No parameters and no artifacts. */
export function emptyIO(): TaskIO {
  return { parameters: {}, artifacts: {} };
}
