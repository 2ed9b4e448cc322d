/**
 * `runPipeline`: executes a compiled PipelineSpec on this machine, each container task as a
 * local process (the image is not pulled), like KFP's `kfp.local` SubprocessRunner. It is a
 * library: no HTTP, no database; the engine builds its store and API on top.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { ComponentSpecIR, DagSpec, PipelineSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import type { RunContext } from './context';
import { emptyIO } from './context';
import { runDag } from './dag';
import { messageOf } from './errors';
import { settleOptions, type RunOptions } from './options';
import { resolveRunParameters } from './parameters';
import { RunRecorder } from './recorder';
import { Semaphore } from './semaphore';
import type { RunResult, RunState, TaskIO } from './types';
import { validateRunnableSpec } from './validate';

/** A run in progress. */
export interface RunHandle {
  readonly runId: string;
  readonly runName: string;
  readonly workDir: string;
  readonly pipelineRoot: string;
  /** Settles when the run has ended, whatever its state; never rejects. */
  readonly result: Promise<RunResult>;
  /** Cancels the run, as aborting `options.signal` does. */
  cancel(): void;
  /** The run as it is now. */
  snapshot(): RunResult;
}

function utc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function podName(runName: string, path: string, taskId: string): string {
  const base = `${runName}-${path.replace(/\//g, '-')}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return `${base}-${taskId.slice(0, 6)}`;
}

function registerTasks(ctx: RunContext, dag: DagSpec, parentPath: string, createTime: Date): void {
  for (const [name, task] of Object.entries(dag.tasks)) {
    const path = parentPath ? `${parentPath}/${name}` : name;
    const component: ComponentSpecIR = ctx.spec.components?.[task.componentRef.name] ?? {};
    const executor = component.executorLabel
      ? ctx.spec.deploymentSpec?.executors[component.executorLabel]
      : undefined;
    // A task an earlier attempt ran keeps its id (and with it its links) across a retry.
    const earlier = ctx.reuseTasks.get(path);
    const taskId = earlier?.taskId ?? randomUUID();
    ctx.recorder.register({
      path,
      name,
      displayName: task.taskInfo?.name ?? name,
      ...(parentPath ? { parentPath } : {}),
      componentName: task.componentRef.name,
      kind: component.dag
        ? 'dag'
        : executor?.importer && !executor.container
          ? 'importer'
          : 'container',
      taskId,
      podName: earlier?.podName ?? podName(ctx.runName, path, taskId),
      state: 'PENDING',
      createTime,
      attempts: [],
      inputs: emptyIO(),
      outputs: emptyIO(),
    });
    if (component.dag) registerTasks(ctx, component.dag, path, createTime);
  }
}

/**
 * Starts running a compiled pipeline and returns at once; await `handle.result` for the
 * outcome.
 *
 * @throws RunSpecError when the spec uses something the runner cannot execute
 * @throws RunParameterError when a parameter is unknown, missing or of the wrong type
 * @throws RunOptionsError when another option is invalid
 */
export function runPipeline(spec: PipelineSpec, options: RunOptions = {}): RunHandle {
  validateRunnableSpec(spec);
  const pipelineName = spec.pipelineInfo.name;
  const settled = settleOptions(pipelineName, options);
  const parameters = resolveRunParameters(
    pipelineName,
    spec.root.inputDefinitions,
    settled.parameters,
  );

  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  if (settled.signal?.aborted) controller.abort();
  else settled.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const recorder = new RunRecorder(settled.runId, settled.now, settled.onEvent);
  const ctx: RunContext = {
    spec,
    runId: settled.runId,
    runName: settled.runName,
    pipelineName,
    workDir: settled.workDir,
    pipelineRoot: settled.pipelineRoot,
    bucketsDir: settled.bucketsDir,
    reuseTasks: settled.reuseTasks,
    processMonitor: settled.processMonitor,
    cwd: settled.cwd,
    env: settled.env,
    cache: settled.cache,
    enableCaching: settled.enableCaching,
    commandResolver: settled.commandResolver,
    killGracePeriodMs: settled.killGracePeriodMs,
    now: settled.now,
    sleep: settled.sleep,
    signal: controller.signal,
    slots: new Semaphore(settled.parallelism),
    recorder,
    placeholders: {
      pipelineJobName: settled.runName,
      pipelineJobUuid: settled.runId,
      pipelineRoot: settled.pipelineRoot,
      createTimeUtc: utc(settled.createTime),
      scheduleTimeUtc: utc(settled.scheduleTime),
    },
  };
  registerTasks(ctx, spec.root.dag, '', ctx.now());

  const run: {
    state: RunState;
    startTime?: Date;
    endTime?: Date;
    outputs: TaskIO;
    error?: string;
  } = { state: 'PENDING', outputs: emptyIO() };

  const snapshot = (): RunResult => ({
    runId: ctx.runId,
    runName: ctx.runName,
    pipelineName,
    state: run.state,
    createTime: settled.createTime,
    scheduleTime: settled.scheduleTime,
    ...(run.startTime ? { startTime: run.startTime } : {}),
    ...(run.endTime ? { endTime: run.endTime } : {}),
    workDir: ctx.workDir,
    pipelineRoot: ctx.pipelineRoot,
    parameters: structuredClone(parameters) as Record<string, JsonValue>,
    tasks: recorder.snapshot(),
    outputs: structuredClone(run.outputs),
    ...(run.error ? { error: run.error } : {}),
  });

  const setState = (state: RunState, error?: string) => {
    run.state = state;
    if (error !== undefined) run.error = error;
    recorder.emit({
      type: 'run',
      time: ctx.now(),
      runId: ctx.runId,
      state,
      ...(error ? { error } : {}),
    });
  };

  const execute = async (): Promise<RunResult> => {
    // Let the caller subscribe to the handle before the first event.
    await Promise.resolve();
    run.startTime = ctx.now();
    setState('RUNNING');
    // Every task exists from the start, PENDING, so a caller can show (and follow) all of them.
    recorder.announce();
    try {
      fs.mkdirSync(ctx.workDir, { recursive: true });
      const outcome = await runDag(ctx, spec.root.dag, { path: '', parameters, artifacts: {} });
      run.outputs = outcome.outputs;
      run.endTime = ctx.now();
      if (controller.signal.aborted) setState('CANCELED', 'the run was cancelled.');
      else setState(outcome.state === 'SUCCEEDED' ? 'SUCCEEDED' : outcome.state, outcome.error);
    } catch (error) {
      run.endTime = ctx.now();
      setState('FAILED', `the run could not go on: ${messageOf(error)}`);
    } finally {
      settled.signal?.removeEventListener('abort', onOuterAbort);
    }
    return snapshot();
  };

  return {
    runId: ctx.runId,
    runName: ctx.runName,
    workDir: ctx.workDir,
    pipelineRoot: ctx.pipelineRoot,
    result: execute(),
    cancel: () => controller.abort(),
    snapshot,
  };
}

/** Runs a compiled pipeline to its end: `runPipeline(spec, options).result`. */
export function executePipeline(spec: PipelineSpec, options: RunOptions = {}): Promise<RunResult> {
  return runPipeline(spec, options).result;
}
