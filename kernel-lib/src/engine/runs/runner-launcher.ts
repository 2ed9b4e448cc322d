/**
 * The {@link RunLauncher} that executes runs with Pipelab's local runner, each container task as
 * a local process.
 */
import { runPipeline, type CacheStore, type CommandResolver, type ProcessMonitor } from '../runner';
import type { LaunchedRun, LaunchRequest, RunLauncher } from './launcher';

/** Options of {@link runnerLauncher}. */
export interface RunnerLauncherOptions {
  /** How many task processes one run may run at the same time. @default 4 */
  parallelism?: number;
  /** Where cached task outputs are kept. @default none: nothing is cached */
  cache?: CacheStore;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /** Maps containers to local commands. @default each container's command and args as written */
  commandResolver?: CommandResolver;
  /** The environment of task processes. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** How long a cancelled task's processes get between SIGTERM and SIGKILL. @default 5000 */
  killGracePeriodMs?: number;
  /**
   * Where object-store pipeline roots (`gs://`, `s3://`, `minio://`) are kept on this machine.
   * @default none: KFP's mount convention (`/gcs/...`)
   */
  bucketsDir?: string;
  /** Told about every task process started and ended. @default none */
  processMonitor?: ProcessMonitor;
}

/** A launcher that runs pipelines with `runPipeline`. */
export function runnerLauncher(options: RunnerLauncherOptions = {}): RunLauncher {
  return {
    launch(request: LaunchRequest): LaunchedRun {
      const handle = runPipeline(request.spec, {
        runId: request.runId,
        runName: request.runName,
        parameters: request.parameters,
        workDir: request.workDir,
        pipelineRoot: request.pipelineRoot,
        createTime: request.createTime,
        scheduleTime: request.scheduleTime,
        signal: request.signal,
        onEvent: request.onEvent,
        ...(request.reuseTasks !== undefined ? { reuseTasks: request.reuseTasks } : {}),
        ...(options.bucketsDir !== undefined ? { bucketsDir: options.bucketsDir } : {}),
        ...(options.processMonitor !== undefined ? { processMonitor: options.processMonitor } : {}),
        ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
        ...(options.cache !== undefined ? { cache: options.cache } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
        ...(options.commandResolver !== undefined
          ? { commandResolver: options.commandResolver }
          : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
        ...(options.killGracePeriodMs !== undefined
          ? { killGracePeriodMs: options.killGracePeriodMs }
          : {}),
      });
      return {
        done: handle.result.then((result) => ({
          state: result.state,
          ...(result.error !== undefined ? { error: result.error } : {}),
        })),
      };
    },
  };
}
