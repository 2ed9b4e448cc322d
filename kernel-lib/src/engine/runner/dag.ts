/**
 * Executes a DAG: each task starts as soon as its upstream tasks have ended well, its inputs
 * are resolved and its trigger condition holds; nested DAG components (condition groups, exit
 * handlers) run recursively with their inputs mapped. A task whose upstream failed does not run
 * (SKIPPED, reason UPSTREAM_FAILED), unless its trigger strategy is ALL_UPSTREAM_TASKS_COMPLETED.
 * Independent branches keep running after a failure, as on KFP.
 */
import type { DagSpec, TaskSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import { evaluateCondition } from './cel';
import type { RunContext, TaskOutcome } from './context';
import { emptyIO } from './context';
import { runContainerTask } from './container-task';
import { messageOf } from './errors';
import { runImporterTask } from './importer-task';
import { resolveTaskInputs, type DagScope } from './inputs';
import type { TaskPlaceholderValues } from './placeholders';
import type { RuntimeArtifactIR, SkipReason, TaskIO, TaskState } from './types';
import { taskDependencies } from './validate';

/** How a DAG ended. */
export interface DagOutcome {
  state: Extract<TaskState, 'SUCCEEDED' | 'FAILED' | 'CANCELED'>;
  outputs: TaskIO;
  error?: string;
}

/** Whether a downstream task may use this outcome. */
function satisfied(outcome: TaskOutcome): boolean {
  return (
    outcome.state === 'SUCCEEDED' ||
    outcome.state === 'CACHED' ||
    (outcome.state === 'SKIPPED' && outcome.skipReason === 'CONDITION_FALSE')
  );
}

function endWithout(
  ctx: RunContext,
  path: string,
  state: 'SKIPPED' | 'CANCELED' | 'FAILED',
  error: string,
  skipReason?: SkipReason,
): TaskOutcome {
  ctx.recorder.endSubtree(path, state, error, skipReason);
  return { state, outputs: emptyIO(), error, ...(skipReason ? { skipReason } : {}) };
}

async function runTask(
  ctx: RunContext,
  name: string,
  task: TaskSpec,
  scope: DagScope,
  upstream: Record<string, TaskOutcome>,
): Promise<TaskOutcome> {
  const path = scope.path ? `${scope.path}/${name}` : name;
  const record = ctx.recorder.get(path);
  const componentName = task.componentRef.name;
  const component = ctx.spec.components?.[componentName] ?? {};
  if (ctx.signal.aborted)
    return endWithout(
      ctx,
      path,
      'CANCELED',
      `task '${path}' did not start: the run was cancelled.`,
    );

  if (task.triggerPolicy?.strategy !== 'ALL_UPSTREAM_TASKS_COMPLETED') {
    for (const [dep, outcome] of Object.entries(upstream)) {
      if (satisfied(outcome)) continue;
      if (outcome.state === 'CANCELED') {
        return endWithout(
          ctx,
          path,
          'CANCELED',
          `task '${path}' did not start: the run was cancelled.`,
        );
      }
      const why = outcome.state === 'FAILED' ? 'failed' : 'did not run';
      return endWithout(
        ctx,
        path,
        'SKIPPED',
        `task '${path}' did not run: upstream task '${dep}' ${why}.`,
        'UPSTREAM_FAILED',
      );
    }
  }

  const taskValues: TaskPlaceholderValues = {
    pipelineTaskName: task.taskInfo?.name ?? name,
    pipelineTaskUuid: record?.taskId ?? path,
  };
  let inputs: TaskIO;
  try {
    inputs = resolveTaskInputs({
      path,
      task,
      component,
      scope,
      upstream,
      run: ctx.placeholders,
      taskValues,
    });
  } catch (error) {
    return endWithout(ctx, path, 'FAILED', messageOf(error));
  }
  ctx.recorder.update(path, { inputs });

  const condition = task.triggerPolicy?.condition;
  if (condition) {
    let holds: boolean;
    try {
      holds = evaluateCondition(condition, inputs.parameters);
    } catch (error) {
      return endWithout(ctx, path, 'FAILED', `task '${path}': ${messageOf(error)}`);
    }
    if (!holds) {
      return endWithout(
        ctx,
        path,
        'SKIPPED',
        `task '${path}' was not triggered: its condition is false (${condition}).`,
        'CONDITION_FALSE',
      );
    }
  }

  if (component.dag) {
    ctx.recorder.update(path, { state: 'RUNNING', startTime: ctx.now() });
    const outcome = await runDag(ctx, component.dag, {
      path,
      parameters: inputs.parameters,
      artifacts: inputs.artifacts,
    });
    ctx.recorder.update(path, {
      state: outcome.state,
      endTime: ctx.now(),
      outputs: outcome.outputs,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    return outcome;
  }

  const executorLabel = component.executorLabel ?? '';
  const executor = ctx.spec.deploymentSpec?.executors[executorLabel];
  if (executor?.container) {
    return runContainerTask(ctx, {
      path,
      task,
      componentName,
      component,
      executorLabel,
      container: executor.container,
      inputs,
      taskValues,
    });
  }
  return runImporterTask(ctx, path, component, executor?.importer, inputs);
}

function dagOutputs(dag: DagSpec, outcomes: Record<string, TaskOutcome>): TaskIO {
  const parameters: Record<string, JsonValue> = {};
  const artifacts: Record<string, RuntimeArtifactIR> = {};
  const parameterOf = (sel: { producerSubtask: string; outputParameterKey: string }) =>
    outcomes[sel.producerSubtask]?.outputs.parameters[sel.outputParameterKey];
  for (const [name, spec] of Object.entries(dag.outputs?.parameters ?? {})) {
    const oneOf = (
      spec.valueFromOneof as {
        parameterSelectors?: { producerSubtask: string; outputParameterKey: string }[];
      }
    )?.parameterSelectors;
    const selectors = spec.valueFromParameter ? [spec.valueFromParameter] : (oneOf ?? []);
    const value = selectors.map(parameterOf).find((v) => v !== undefined);
    if (value !== undefined) parameters[name] = value;
  }
  for (const [name, spec] of Object.entries(dag.outputs?.artifacts ?? {})) {
    const artifact = (spec.artifactSelectors ?? [])
      .map((sel) => outcomes[sel.producerSubtask]?.outputs.artifacts[sel.outputArtifactKey])
      .find((a) => a !== undefined);
    if (artifact) artifacts[name] = artifact;
  }
  return { parameters, artifacts };
}

/** Runs every task of a DAG to its end. Never rejects. */
export async function runDag(ctx: RunContext, dag: DagSpec, scope: DagScope): Promise<DagOutcome> {
  const started = new Map<string, Promise<TaskOutcome>>();
  const start = (name: string): Promise<TaskOutcome> => {
    let promise = started.get(name);
    if (promise) return promise;
    const task = dag.tasks[name] as TaskSpec;
    promise = (async () => {
      const deps = taskDependencies(task);
      const results = await Promise.all(deps.map(async (dep) => [dep, await start(dep)] as const));
      try {
        return await runTask(ctx, name, task, scope, Object.fromEntries(results));
      } catch (error) {
        const path = scope.path ? `${scope.path}/${name}` : name;
        return endWithout(
          ctx,
          path,
          'FAILED',
          `task '${path}' failed in the runner: ${messageOf(error)}`,
        );
      }
    })();
    started.set(name, promise);
    return promise;
  };
  const names = Object.keys(dag.tasks);
  const outcomes = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await start(n)] as const)),
  );

  const failed = names.filter((n) => outcomes[n]?.state === 'FAILED');
  const outputs = dagOutputs(dag, outcomes);
  const where = scope.path ? `DAG '${scope.path}'` : 'the pipeline';
  if (failed.length > 0) {
    return {
      state: 'FAILED',
      outputs,
      error: `${where}: task${failed.length > 1 ? 's' : ''} ${failed.map((n) => `'${n}'`).join(', ')} failed.`,
    };
  }
  if (ctx.signal.aborted || names.some((n) => outcomes[n]?.state === 'CANCELED')) {
    return { state: 'CANCELED', outputs, error: `${where} was cancelled.` };
  }
  return { state: 'SUCCEEDED', outputs };
}
