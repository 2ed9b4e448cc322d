/**
 * Runs one container task: resolves its command line, answers from the cache when it can,
 * otherwise runs its process (retrying per its retry policy) and collects its outputs.
 *
 * Files of a task live in `<workDir>/<task path>/`: `outputs/<name>` for output parameters,
 * `executor_output.json`, and `logs/attempt-<n>.log`. Output artifacts live under the pipeline
 * root (see {@link outputArtifactUri}).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComponentSpecIR, ContainerSpecIR, TaskSpec } from '../../compiler/spec';
import { localPathOfUri, outputArtifactUri } from './artifacts';
import { cacheFingerprint, canonical, type CacheKey } from './cache-key';
import type { CacheEntry } from './cache';
import type { RunContext, TaskOutcome } from './context';
import { emptyIO } from './context';
import { messageOf } from './errors';
import { buildExecutorInput, collectOutputs, type OutputLocations } from './executor-io';
import {
  resolveCommandLine,
  substitutePlaceholders,
  type PlaceholderContext,
  type TaskPlaceholderValues,
} from './placeholders';
import { runProcess } from './process';
import { retryDelayMs, retryPlan } from './retry';
import type { AttemptResult, ResolvedContainer, RuntimeArtifactIR, TaskIO } from './types';

/** One container task, ready to run. */
export interface ContainerTaskPlan {
  path: string;
  task: TaskSpec;
  componentName: string;
  component: ComponentSpecIR;
  executorLabel: string;
  container: ContainerSpecIR;
  inputs: TaskIO;
  taskValues: TaskPlaceholderValues;
}

function fileName(name: string): string {
  return name.replace(/[/\\\0]/g, '_') || '_';
}

function outputLocations(
  ctx: RunContext,
  plan: ContainerTaskPlan,
  taskDir: string,
): OutputLocations {
  const parameterFiles: Record<string, string> = {};
  for (const name of Object.keys(plan.component.outputDefinitions?.parameters ?? {})) {
    parameterFiles[name] = path.join(taskDir, 'outputs', fileName(name));
  }
  const artifacts: Record<string, RuntimeArtifactIR> = {};
  for (const [name, def] of Object.entries(plan.component.outputDefinitions?.artifacts ?? {})) {
    artifacts[name] = {
      name,
      type: def.artifactType,
      uri: outputArtifactUri(ctx.pipelineRoot, ctx.pipelineName, ctx.runId, plan.path, name),
      metadata: {},
    };
  }
  return {
    parameterFiles,
    artifacts,
    executorOutputFile: path.join(taskDir, 'executor_output.json'),
  };
}

function cacheKeyOf(plan: ContainerTaskPlan): CacheKey {
  const outputs = plan.component.outputDefinitions;
  return {
    inputArtifactNames: Object.fromEntries(
      Object.entries(plan.inputs.artifacts).map(([name, a]) => [name, { artifactNames: [a.uri] }]),
    ),
    inputParameterValues: plan.inputs.parameters,
    outputArtifactsSpec: Object.fromEntries(
      Object.entries(outputs?.artifacts ?? {}).map(([name, def]) => [
        name,
        { type: def.artifactType },
      ]),
    ),
    outputParametersSpec: Object.fromEntries(
      Object.entries(outputs?.parameters ?? {}).map(([name, def]) => [name, def.parameterType]),
    ),
    containerSpec: {
      image: plan.container.image,
      cmdArgs: [...(plan.container.command ?? []), ...(plan.container.args ?? [])],
      pvcNames: [],
    },
  };
}

/** The local paths the task's process writes its output artifacts at. */
function plannedArtifactPaths(where: OutputLocations): string[] {
  return Object.values(where.artifacts)
    .map((a) => localPathOfUri(a.uri))
    .filter((p): p is string => p !== undefined);
}

/**
 * Removes what an attempt that did not succeed may have left at the output artifact paths, so
 * that an artifact found there is always the complete output of a successful attempt. The
 * task's own folder under the pipeline root goes too once it is empty.
 */
function discardOutputs(where: OutputLocations): void {
  const parents = new Set<string>();
  for (const local of plannedArtifactPaths(where)) {
    fs.rmSync(local, { recursive: true, force: true });
    parents.add(path.dirname(local));
  }
  for (const parent of parents) {
    try {
      fs.rmdirSync(parent);
    } catch {
      // Not empty, or already gone.
    }
  }
}

function existingLocalPaths(outputs: TaskIO): string[] {
  return Object.values(outputs.artifacts)
    .map((a) => localPathOfUri(a.uri))
    .filter((p): p is string => p !== undefined && fs.existsSync(p));
}

/** Looks the task up in the cache; a usable hit ends the task as CACHED. */
async function tryCache(
  ctx: RunContext,
  plan: ContainerTaskPlan,
  fingerprint: string,
): Promise<TaskOutcome | undefined> {
  const cache = ctx.cache;
  if (!cache) return undefined;
  let entry: CacheEntry | undefined;
  try {
    entry = await cache.get(ctx.pipelineName, fingerprint);
  } catch (error) {
    ctx.recorder.warn(
      `task '${plan.path}': cache lookup failed, running the task: ${messageOf(error)}`,
      plan.path,
    );
    return undefined;
  }
  if (!entry) return undefined;
  const missing = entry.localPaths.filter((p) => !fs.existsSync(p));
  if (missing.length > 0) {
    ctx.recorder.warn(
      `task '${plan.path}': the cached outputs of run ${entry.runId} are gone (${missing[0]}); running the task.`,
      plan.path,
    );
    return undefined;
  }
  const now = ctx.now();
  ctx.recorder.update(plan.path, {
    state: 'CACHED',
    startTime: now,
    endTime: now,
    outputs: entry.outputs,
    cachedFrom: { runId: entry.runId, taskPath: entry.taskPath },
  });
  return { state: 'CACHED', outputs: entry.outputs };
}

function sameInputs(a: TaskIO, b: TaskIO): boolean {
  const uris = (io: TaskIO) =>
    Object.fromEntries(Object.entries(io.artifacts).map(([name, art]) => [name, art.uri]));
  return (
    canonical(a.parameters) === canonical(b.parameters) && canonical(uris(a)) === canonical(uris(b))
  );
}

/**
 * Takes the task's result from an earlier attempt of the run (a retry) when it succeeded there
 * with the same inputs and its output files are still there.
 */
function tryReuse(ctx: RunContext, plan: ContainerTaskPlan): TaskOutcome | undefined {
  const earlier = ctx.reuseTasks.get(plan.path);
  if (earlier === undefined || (earlier.state !== 'SUCCEEDED' && earlier.state !== 'CACHED')) {
    return undefined;
  }
  if (!sameInputs(earlier.inputs, plan.inputs)) {
    ctx.recorder.warn(
      `task '${plan.path}': its inputs differ from the earlier attempt's; running it again.`,
      plan.path,
    );
    return undefined;
  }
  const wanted = Object.values(earlier.outputs.artifacts)
    .map((a) => localPathOfUri(a.uri))
    .filter((p): p is string => p !== undefined);
  const missing = wanted.find((p) => !fs.existsSync(p));
  if (missing !== undefined) {
    ctx.recorder.warn(
      `task '${plan.path}': an output of the earlier attempt is gone (${missing}); running it again.`,
      plan.path,
    );
    return undefined;
  }
  ctx.recorder.update(plan.path, {
    state: earlier.state,
    createTime: earlier.createTime,
    ...(earlier.startTime ? { startTime: earlier.startTime } : {}),
    ...(earlier.endTime ? { endTime: earlier.endTime } : {}),
    attempts: structuredClone(earlier.attempts),
    ...(earlier.logPath ? { logPath: earlier.logPath } : {}),
    ...(earlier.cachedFrom ? { cachedFrom: earlier.cachedFrom } : {}),
    ...(earlier.cacheFingerprint ? { cacheFingerprint: earlier.cacheFingerprint } : {}),
    outputs: structuredClone(earlier.outputs),
    reused: true,
  });
  return { state: earlier.state, outputs: structuredClone(earlier.outputs) };
}

function failure(ctx: RunContext, plan: ContainerTaskPlan, error: string): TaskOutcome {
  ctx.recorder.update(plan.path, { state: 'FAILED', endTime: ctx.now(), error });
  return { state: 'FAILED', outputs: emptyIO(), error };
}

function canceled(ctx: RunContext, plan: ContainerTaskPlan): TaskOutcome {
  const error = `task '${plan.path}' was cancelled.`;
  ctx.recorder.update(plan.path, { state: 'CANCELED', endTime: ctx.now(), error });
  return { state: 'CANCELED', outputs: emptyIO(), error };
}

/** What went wrong in an attempt whose process did not exit 0, with its last stderr lines. */
function describeExit(code: number | null, signal: string | null, stderrTail: string[]): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
  const tail = stderrTail
    .filter((l) => l.trim() !== '')
    .slice(-8)
    .join('\n');
  return tail ? `${how}; its last error output:\n${tail.slice(-2000)}` : how;
}

/** Runs a container task to its end. Never rejects. */
export async function runContainerTask(
  ctx: RunContext,
  plan: ContainerTaskPlan,
): Promise<TaskOutcome> {
  const who = `task '${plan.path}'`;
  const taskDir = path.join(ctx.workDir, ...plan.path.split('/'));
  const where = outputLocations(ctx, plan, taskDir);

  const reused = tryReuse(ctx, plan);
  if (reused) return reused;

  let fingerprint: string | undefined;
  if (ctx.cache && ctx.enableCaching && plan.task.cachingOptions?.enableCache === true) {
    fingerprint = cacheFingerprint(cacheKeyOf(plan), plan.task.cachingOptions.cacheKey);
    ctx.recorder.update(plan.path, { cacheFingerprint: fingerprint });
    const hit = await tryCache(ctx, plan, fingerprint);
    if (hit) return hit;
  }

  let argv: string[];
  let env: NodeJS.ProcessEnv;
  try {
    fs.mkdirSync(path.join(taskDir, 'outputs'), { recursive: true });
    fs.mkdirSync(path.join(taskDir, 'logs'), { recursive: true });
    for (const [name, artifact] of Object.entries(where.artifacts)) {
      const local = localPathOfUri(artifact.uri);
      if (local === undefined)
        throw new Error(
          `output artifact '${name}' has URI ${artifact.uri}, which has no local path`,
        );
      fs.mkdirSync(path.dirname(local), { recursive: true });
    }
    const executorInput = buildExecutorInput(plan.inputs, where);
    const placeholderContext: PlaceholderContext = {
      run: ctx.placeholders,
      task: plan.taskValues,
      parameters: plan.inputs.parameters,
      inputArtifacts: plan.inputs.artifacts,
      outputParameterFiles: where.parameterFiles,
      outputArtifacts: where.artifacts,
      executorInput: JSON.stringify(executorInput),
    };
    const resolved: ResolvedContainer = {
      image: plan.container.image,
      command: resolveCommandLine(plan.container.command ?? [], placeholderContext),
      args: resolveCommandLine(plan.container.args ?? [], placeholderContext),
      env: Object.fromEntries(
        (plan.container.env ?? []).map((e) => [
          e.name,
          substitutePlaceholders(String(e.value ?? ''), placeholderContext),
        ]),
      ),
    };
    const custom = ctx.commandResolver?.(resolved, {
      taskPath: plan.path,
      componentName: plan.componentName,
      executorLabel: plan.executorLabel,
    });
    argv = custom ? [...custom.command] : [...resolved.command, ...resolved.args];
    env = { ...ctx.env, ...resolved.env, ...(custom?.env ?? {}) };
    if (argv.length === 0 || !argv[0]) {
      throw new Error(
        `its container (image ${plan.container.image}) has no command; the local runner does not run images, ` +
          `so give the component a command or map the image with a commandResolver`,
      );
    }
  } catch (error) {
    return failure(ctx, plan, `${who} could not be prepared: ${messageOf(error)}.`);
  }

  const retries = retryPlan(plan.task.retryPolicy);
  const attempts: AttemptResult[] = [];
  let startTime: Date | undefined;
  for (let attempt = 1; ; attempt++) {
    const release = await ctx.slots.acquire(ctx.signal);
    if (!release) {
      discardOutputs(where);
      return canceled(ctx, plan);
    }
    let error: string | undefined;
    let wasCanceled = false;
    let outputs: TaskIO | undefined;
    try {
      // Nothing of an earlier attempt may pass for this one's output.
      for (const file of [where.executorOutputFile, ...Object.values(where.parameterFiles)]) {
        fs.rmSync(file, { force: true });
      }
      for (const local of plannedArtifactPaths(where)) {
        fs.rmSync(local, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(local), { recursive: true });
      }
      const logPath = path.join(taskDir, 'logs', `attempt-${attempt}.log`);
      const record: AttemptResult = { attempt, startTime: ctx.now(), logPath };
      attempts.push(record);
      startTime ??= record.startTime;
      ctx.recorder.update(plan.path, {
        state: 'RUNNING',
        startTime,
        attempts: structuredClone(attempts),
        logPath,
      });
      const result = await runProcess({
        argv,
        env,
        cwd: ctx.cwd,
        logPath,
        signal: ctx.signal,
        killGracePeriodMs: ctx.killGracePeriodMs,
        onLine: (stream, line) => ctx.recorder.log(plan.path, attempt, stream, line),
        onSpawn: (pid) => {
          record.pid = pid;
          ctx.processMonitor?.started(pid);
        },
      });
      if (record.pid !== undefined) ctx.processMonitor?.ended(record.pid);
      record.endTime = ctx.now();
      record.exitCode = result.exitCode;
      record.exitSignal = result.exitSignal;
      if (result.canceled) wasCanceled = true;
      else if (result.spawnError)
        error = `could not start ${JSON.stringify(argv[0])}: ${result.spawnError.message}`;
      else if (result.exitCode !== 0)
        error = describeExit(result.exitCode, result.exitSignal, result.stderrTail);
      else {
        try {
          outputs = collectOutputs(plan.path, plan.component.outputDefinitions, where);
        } catch (e) {
          error = messageOf(e);
        }
      }
      record.error = error;
    } catch (e) {
      error = messageOf(e);
      const last = attempts[attempts.length - 1];
      if (last) last.error = error;
    } finally {
      release();
    }
    ctx.recorder.update(plan.path, { attempts: structuredClone(attempts) });
    if (wasCanceled) {
      discardOutputs(where);
      return canceled(ctx, plan);
    }

    if (outputs) {
      ctx.recorder.update(plan.path, { state: 'SUCCEEDED', endTime: ctx.now(), outputs });
      if (fingerprint && ctx.cache) {
        const entry: CacheEntry = {
          pipelineName: ctx.pipelineName,
          fingerprint,
          runId: ctx.runId,
          taskPath: plan.path,
          createdAt: ctx.now().toISOString(),
          outputs,
          localPaths: existingLocalPaths(outputs),
        };
        await ctx.cache.put(entry).catch((e: unknown) => {
          ctx.recorder.warn(
            `task '${plan.path}': could not store its outputs in the cache: ${messageOf(e)}`,
            plan.path,
          );
        });
      }
      return { state: 'SUCCEEDED', outputs };
    }

    if (attempt > retries.maxRetryCount) {
      discardOutputs(where);
      const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
      const logPath = attempts[attempts.length - 1]?.logPath;
      return failure(
        ctx,
        plan,
        `${who} failed${tries}: ${error ?? 'unknown error'}${logPath ? `\n(log: ${logPath})` : ''}`,
      );
    }
    const delay = retryDelayMs(retries, attempt);
    ctx.recorder.warn(
      `${who} attempt ${attempt} failed (${(error ?? '').split('\n')[0]}); retry ${attempt} of ` +
        `${retries.maxRetryCount} in ${delay / 1000}s.`,
      plan.path,
    );
    await ctx.sleep(delay, ctx.signal);
    if (ctx.signal.aborted) {
      discardOutputs(where);
      return canceled(ctx, plan);
    }
  }
}
