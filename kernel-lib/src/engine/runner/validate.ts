/**
 * Checks, before anything runs, that the runner can execute a PipelineSpec: every component and
 * executor a task refers to exists, DAG dependencies name sibling tasks and have no cycle, and
 * nothing needs a feature the runner lacks (loops, custom jobs).
 */
import type { ComponentSpecIR, DagSpec, PipelineSpec, TaskSpec } from '../../compiler/spec';
import { RunSpecError } from './errors';

/** The sibling tasks a task waits for: `dependentTasks` and the producers of its inputs. */
export function taskDependencies(task: TaskSpec): string[] {
  const deps = new Set(task.dependentTasks ?? []);
  for (const input of Object.values(task.inputs?.parameters ?? {})) {
    if (input.taskOutputParameter) deps.add(input.taskOutputParameter.producerTask);
    if (input.taskFinalStatus) deps.add(input.taskFinalStatus.producerTask);
  }
  for (const input of Object.values(task.inputs?.artifacts ?? {})) {
    if (input.taskOutputArtifact) deps.add(input.taskOutputArtifact.producerTask);
  }
  return [...deps];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a name can be one segment of a path: not empty, `.` or `..`, no separator or NUL. */
function isPathSegment(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function checkAcyclic(dag: DagSpec, where: string, pipeline: string): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(name)), name].join(' -> ');
      throw new RunSpecError(`${where} has a dependency cycle: ${cycle}.`, {
        pipeline,
        task: name,
      });
    }
    state.set(name, 'visiting');
    const task = dag.tasks[name];
    for (const dep of task ? taskDependencies(task) : []) visit(dep, [...chain, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(dag.tasks)) visit(name, []);
}

/**
 * Throws {@link RunSpecError} naming the task or component the runner cannot execute.
 */
export function validateRunnableSpec(spec: PipelineSpec): void {
  if (
    !isObject(spec) ||
    !isObject(spec.pipelineInfo) ||
    typeof spec.pipelineInfo.name !== 'string'
  ) {
    throw new RunSpecError('not a PipelineSpec: pipelineInfo.name is missing.');
  }
  const pipeline = spec.pipelineInfo.name;
  if (!isPathSegment(pipeline)) {
    throw new RunSpecError(
      `the pipeline name ${JSON.stringify(pipeline)} cannot be a folder name (artifacts go to <pipeline root>/<pipeline name>/...): it must not be empty, '.' or '..', nor hold '/', '\\' or NUL.`,
      { pipeline },
    );
  }
  if (!isObject(spec.root) || !isObject(spec.root.dag) || !isObject(spec.root.dag.tasks)) {
    throw new RunSpecError(`pipeline '${pipeline}' has no root.dag.tasks.`, { pipeline });
  }
  const components = spec.components ?? {};
  const executors = spec.deploymentSpec?.executors ?? {};
  const checked = new Set<string>();

  const checkComponent = (name: string, component: ComponentSpecIR, stack: string[]): void => {
    if (stack.includes(name)) {
      throw new RunSpecError(
        `component '${name}' contains itself (${[...stack, name].join(' -> ')}).`,
        {
          pipeline,
          component: name,
        },
      );
    }
    if (checked.has(name)) return;
    for (const output of Object.keys(component.outputDefinitions?.artifacts ?? {})) {
      if (!isPathSegment(output)) {
        throw new RunSpecError(
          `component '${name}' has an output artifact named ${JSON.stringify(output)}, which cannot be a path segment (artifacts go to <pipeline root>/<pipeline>/<run>/<task>/<output>).`,
          { pipeline, component: name },
        );
      }
    }
    if (component.dag) {
      checkDag(component.dag, `component '${name}'`, [...stack, name]);
    } else {
      const label = component.executorLabel;
      const executor = label === undefined ? undefined : executors[label];
      if (!executor) {
        throw new RunSpecError(
          `component '${name}' has neither a dag nor an executor in deploymentSpec` +
            (label ? ` (executor '${label}' is missing)` : '') +
            '.',
          { pipeline, component: name },
        );
      }
      if (executor.container) {
        if (typeof executor.container.image !== 'string') {
          throw new RunSpecError(`executor '${label}' has a container without an image.`, {
            pipeline,
            component: name,
          });
        }
      } else if (!executor.importer) {
        const kind = Object.keys(executor).join(', ') || 'nothing';
        throw new RunSpecError(
          `executor '${label}' of component '${name}' is ${kind}; the local runner runs containers and importers only.`,
          { pipeline, component: name },
        );
      }
    }
    checked.add(name);
  };

  const checkDag = (dag: DagSpec, where: string, stack: string[]): void => {
    if (!isObject(dag.tasks))
      throw new RunSpecError(`${where} has a dag without tasks.`, { pipeline });
    for (const [key, task] of Object.entries(dag.tasks)) {
      if (!isPathSegment(key)) {
        throw new RunSpecError(
          `${where} has a task named ${JSON.stringify(key)}, which cannot be a path segment.`,
          {
            pipeline,
            task: key,
          },
        );
      }
      const ref = task?.componentRef?.name;
      const component = ref === undefined ? undefined : components[ref];
      if (!component) {
        throw new RunSpecError(
          `task '${key}' of ${where} refers to component '${ref ?? ''}', which is not defined.`,
          {
            pipeline,
            task: key,
          },
        );
      }
      if (task.parameterIterator || task.artifactIterator) {
        throw new RunSpecError(
          `task '${key}' of ${where} is a loop (ParallelFor), which the local runner does not support yet.`,
          { pipeline, task: key },
        );
      }
      for (const dep of taskDependencies(task)) {
        if (!(dep in dag.tasks)) {
          throw new RunSpecError(
            `task '${key}' of ${where} depends on '${dep}', which is not a task of the same DAG.`,
            {
              pipeline,
              task: key,
            },
          );
        }
      }
      checkComponent(ref as string, component, stack);
    }
    checkAcyclic(dag, where, pipeline);
  };

  checkDag(spec.root.dag, `pipeline '${pipeline}'`, []);
}
