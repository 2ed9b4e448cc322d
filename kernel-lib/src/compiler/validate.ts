/**
 * Structural validation of a PipelineSpec read from a file. No proto schema is available at run
 * time, so this checks what the loader and the engine rely on: the required top-level fields, that
 * every reference (component, executor, sibling task) points at something that exists, the
 * parameter types, and that no dag has a cycle. Every failure names the JSON path of the offending
 * field.
 */
import { PipelineLoadError } from '../errors';
import type { PipelineSpec } from './spec';

/** The PipelineSpec schema versions Pipelab can read. */
export const SUPPORTED_SCHEMA_VERSIONS: readonly string[] = ['2.0.0', '2.1.0'];

/** Every `parameterType` the IR allows on an input or output parameter. */
export const IR_PARAMETER_TYPES: readonly string[] = [
  'STRING',
  'NUMBER_INTEGER',
  'NUMBER_DOUBLE',
  'BOOLEAN',
  'LIST',
  'STRUCT',
  'TASK_FINAL_STATUS',
];

/** The four ways a task input parameter can get its value; exactly one must be set. */
const PARAMETER_SOURCES = [
  'componentInputParameter',
  'taskOutputParameter',
  'runtimeValue',
  'taskFinalStatus',
] as const;

const EXECUTOR_KINDS = ['container', 'importer', 'resolver', 'customJob'] as const;

type PathSegment = string | number;
type Path = readonly PathSegment[];
type JsonObject = Record<string, unknown>;

const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Formats a path into a spec as the dotted JSON path used in error messages, e.g.
 * `root.dag.tasks.train.componentRef.name` or `deploymentSpec.executors["exec a"]`.
 *
 * @internal
 */
export function jsonPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(document)' : out;
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value for "found ..." in messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

function quoteList(names: Iterable<string>, max = 10): string {
  const all = [...names];
  if (all.length === 0) return 'none';
  const shown = all.slice(0, max).map((n) => `'${n}'`);
  return all.length > max ? `${shown.join(', ')} and ${all.length - max} more` : shown.join(', ');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** ` (did you mean 'x'?)` when one known name is close to the unknown one, else a list. */
function suggestion(unknown: string, known: Iterable<string>, what: string): string {
  const names = [...known];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = editDistance(unknown, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(unknown.length / 4))) {
    return ` (did you mean '${best}'?)`;
  }
  return ` (${what}: ${quoteList(names)})`;
}

class SpecChecker {
  private pipeline: string | undefined;

  constructor(private readonly file: string | undefined) {}

  fail(path: Path, problem: string): never {
    const where = [this.file, path.length > 0 ? jsonPath(path) : undefined].filter(
      (part) => part !== undefined,
    );
    throw new PipelineLoadError([...where, problem].join(': '), {
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(this.pipeline === undefined ? {} : { pipeline: this.pipeline }),
    });
  }

  record(value: unknown, path: Path, what: string): JsonObject {
    if (!isRecord(value)) this.fail(path, `must be a mapping (${what}), found ${describe(value)}`);
    return value;
  }

  optionalRecord(value: unknown, path: Path, what: string): JsonObject | undefined {
    return value === undefined ? undefined : this.record(value, path, what);
  }

  string(value: unknown, path: Path, what: string): string {
    if (typeof value !== 'string' || value === '') {
      this.fail(path, `must be a non-empty string (${what}), found ${describe(value)}`);
    }
    return value;
  }

  stringList(value: unknown, path: Path, what: string): string[] {
    if (!Array.isArray(value))
      this.fail(path, `must be a list (${what}), found ${describe(value)}`);
    value.forEach((item, i) => {
      if (typeof item !== 'string') {
        this.fail([...path, i], `must be a string (${what}), found ${describe(item)}`);
      }
    });
    return value as string[];
  }

  check(value: unknown): PipelineSpec {
    const spec = this.topLevel(value);
    const components =
      this.optionalRecord(spec.components, ['components'], 'component name to ComponentSpec') ?? {};
    const executors = this.executors(spec.deploymentSpec);

    for (const [name, component] of Object.entries(components)) {
      if (!name.startsWith('comp-')) {
        this.fail(
          ['components', name],
          `component names must start with 'comp-' (found '${name}')`,
        );
      }
      this.record(component, ['components', name], 'a ComponentSpec');
    }

    // component -> components its dag uses, with the path of the using task, for the recursion check
    const uses = new Map<string, { component: string; path: Path }[]>();
    const root = this.record(spec.root, ['root'], 'the pipeline ComponentSpec');
    if (root.dag === undefined) {
      this.fail(['root', 'dag'], 'the pipeline root must have a dag with the pipeline tasks');
    }
    uses.set('root', this.component(root, ['root'], components, executors));
    for (const [name, component] of Object.entries(components)) {
      uses.set(
        name,
        this.component(component as JsonObject, ['components', name], components, executors),
      );
    }
    this.noRecursiveComponents(uses);
    return value as PipelineSpec;
  }

  private topLevel(value: unknown): JsonObject {
    if (!isRecord(value)) {
      this.fail(
        [],
        `expected a KFP PipelineSpec (a mapping with pipelineInfo, root, components, deploymentSpec and schemaVersion), found ${describe(value)}`,
      );
    }
    this.foreignDocument(value);
    const missing = ['pipelineInfo', 'root', 'schemaVersion'].filter((k) => value[k] === undefined);
    if (missing.length > 0) {
      const keys = Object.keys(value);
      this.fail(
        [],
        `not a KFP PipelineSpec: missing ${missing.join(', ')} (top-level keys found: ${quoteList(keys)}); compile the pipeline with Pipelab or the KFP SDK v2`,
      );
    }
    const info = this.record(
      value.pipelineInfo,
      ['pipelineInfo'],
      'the pipeline name and description',
    );
    if (typeof info.name === 'string' && info.name !== '') this.pipeline = info.name;

    const version = value.schemaVersion;
    if (typeof version !== 'string') {
      this.fail(
        ['schemaVersion'],
        `must be a string such as '2.1.0', found ${describe(version)} (quote it in YAML: schemaVersion: '2.1.0')`,
      );
    }
    if (!SUPPORTED_SCHEMA_VERSIONS.includes(version)) {
      this.fail(
        ['schemaVersion'],
        `PipelineSpec schema version '${version}' is not supported; Pipelab reads schema versions ${SUPPORTED_SCHEMA_VERSIONS.join(' and ')} (recompile the pipeline with a KFP SDK 2.x or with Pipelab)`,
      );
    }
    this.string(info.name, ['pipelineInfo', 'name'], 'the pipeline name');
    return value;
  }

  /** Recognizes documents that are clearly something else, to say what they are. */
  private foreignDocument(value: JsonObject): void {
    const apiVersion = value.apiVersion;
    const kind = typeof value.kind === 'string' ? value.kind : undefined;
    if (typeof apiVersion === 'string') {
      if (apiVersion.startsWith('argoproj.io/')) {
        this.fail(
          [],
          `this looks like a KFP v1 / Argo workflow (apiVersion: ${apiVersion}${kind ? `, kind: ${kind}` : ''}), not a KFP v2 PipelineSpec; Pipelab needs a v2 PipelineSpec: recompile the pipeline with Pipelab or the KFP SDK v2 (kfp>=2)`,
        );
      }
      this.fail(
        [],
        `this looks like a Kubernetes manifest (apiVersion: ${apiVersion}${kind ? `, kind: ${kind}` : ''}), not a KFP v2 PipelineSpec`,
      );
    }
    if (isRecord(value.pipelineSpec)) {
      this.fail(
        [],
        'this looks like a KFP PipelineJob (the PipelineSpec is nested under pipelineSpec); save the pipelineSpec part on its own',
      );
    }
    if (value.implementation !== undefined && value.root === undefined) {
      this.fail(
        [],
        'this looks like a KFP v1 component definition (it has implementation:), not a compiled KFP v2 PipelineSpec',
      );
    }
  }

  private executors(deploymentSpec: unknown): JsonObject {
    const deployment = this.optionalRecord(deploymentSpec, ['deploymentSpec'], 'executors');
    if (deployment === undefined) return {};
    const path = ['deploymentSpec', 'executors'];
    const executors = this.record(deployment.executors, path, 'executor label to ExecutorSpec');
    for (const [label, executor] of Object.entries(executors)) {
      const at = [...path, label];
      const spec = this.record(executor, at, 'an ExecutorSpec');
      const kind = EXECUTOR_KINDS.find((k) => spec[k] !== undefined);
      if (kind === undefined) {
        this.fail(at, `has no ${EXECUTOR_KINDS.join(', ')}: an executor must say what to run`);
      }
      const body = this.record(spec[kind], [...at, kind], `the ${kind} spec`);
      if (kind === 'container') {
        this.string(body.image, [...at, 'container', 'image'], 'the container image to run');
        for (const field of ['command', 'args']) {
          if (body[field] !== undefined) {
            this.stringList(body[field], [...at, 'container', field], `the container ${field}`);
          }
        }
      }
    }
    return executors;
  }

  /** Checks one component; returns the components its dag uses. */
  private component(
    component: JsonObject,
    path: Path,
    components: JsonObject,
    executors: JsonObject,
  ): { component: string; path: Path }[] {
    this.definitions(component.inputDefinitions, [...path, 'inputDefinitions']);
    this.definitions(component.outputDefinitions, [...path, 'outputDefinitions']);
    const hasDag = component.dag !== undefined;
    const hasExecutor = component.executorLabel !== undefined;
    if (hasDag && hasExecutor) {
      this.fail(path, 'has both a dag and an executorLabel; a component is one or the other');
    }
    if (hasExecutor) {
      const at = [...path, 'executorLabel'];
      const label = this.string(
        component.executorLabel,
        at,
        'an executor in deploymentSpec.executors',
      );
      if (!(label in executors)) {
        this.fail(
          at,
          `executor '${label}' is not defined in deploymentSpec.executors${suggestion(label, Object.keys(executors), 'defined executors')}`,
        );
      }
      return [];
    }
    if (!hasDag) this.fail(path, 'has neither a dag nor an executorLabel');
    return this.dag(component.dag, [...path, 'dag'], components);
  }

  private definitions(value: unknown, path: Path): void {
    const definitions = this.optionalRecord(value, path, 'parameters and artifacts');
    if (definitions === undefined) return;
    const parameters = this.optionalRecord(
      definitions.parameters,
      [...path, 'parameters'],
      'parameter name to ParameterSpec',
    );
    for (const [name, parameter] of Object.entries(parameters ?? {})) {
      const at = [...path, 'parameters', name];
      const spec = this.record(parameter, at, 'a ParameterSpec');
      const type = spec.parameterType;
      if (typeof type !== 'string' || !IR_PARAMETER_TYPES.includes(type)) {
        this.fail(
          [...at, 'parameterType'],
          `must be one of ${IR_PARAMETER_TYPES.join(', ')}, found ${describe(type)}`,
        );
      }
    }
    const artifacts = this.optionalRecord(
      definitions.artifacts,
      [...path, 'artifacts'],
      'artifact name to ArtifactSpec',
    );
    for (const [name, artifact] of Object.entries(artifacts ?? {})) {
      const at = [...path, 'artifacts', name];
      const spec = this.record(artifact, at, 'an ArtifactSpec');
      const type = this.record(spec.artifactType, [...at, 'artifactType'], 'the artifact type');
      if (
        !['schemaTitle', 'schemaUri', 'instanceSchema'].some((k) => typeof type[k] === 'string')
      ) {
        this.fail(
          [...at, 'artifactType', 'schemaTitle'],
          `must name the artifact type (e.g. system.Dataset), found ${describe(type.schemaTitle)}`,
        );
      }
    }
  }

  private dag(
    value: unknown,
    path: Path,
    components: JsonObject,
  ): { component: string; path: Path }[] {
    const dag = this.record(value, path, 'a DagSpec with tasks');
    const tasksPath = [...path, 'tasks'];
    const tasks = this.record(dag.tasks, tasksPath, 'task name to PipelineTaskSpec');
    const names = Object.keys(tasks);
    const upstream = new Map<string, Set<string>>();
    const uses: { component: string; path: Path }[] = [];

    const sibling = (producer: unknown, at: Path, task: string, what: string): string => {
      const name = this.string(producer, at, what);
      if (!(name in tasks)) {
        this.fail(at, `task '${name}' is not in this dag${suggestion(name, names, 'tasks here')}`);
      }
      upstream.get(task)?.add(name);
      return name;
    };

    for (const name of names) upstream.set(name, new Set());
    for (const [name, value] of Object.entries(tasks)) {
      const at = [...tasksPath, name];
      const task = this.record(value, at, 'a PipelineTaskSpec');
      const info = this.record(task.taskInfo, [...at, 'taskInfo'], 'the task display name');
      this.string(info.name, [...at, 'taskInfo', 'name'], 'the task display name');

      const ref = this.record(
        task.componentRef,
        [...at, 'componentRef'],
        'the component the task runs',
      );
      const refPath = [...at, 'componentRef', 'name'];
      const component = this.string(ref.name, refPath, 'a key of components');
      if (!(component in components)) {
        this.fail(
          refPath,
          `component '${component}' is not defined in components${suggestion(component, Object.keys(components), 'defined components')}`,
        );
      }
      uses.push({ component, path: refPath });

      if (task.dependentTasks !== undefined) {
        const depsPath = [...at, 'dependentTasks'];
        this.stringList(task.dependentTasks, depsPath, 'names of tasks in the same dag').forEach(
          (dep, i) => sibling(dep, [...depsPath, i], name, 'a task in the same dag'),
        );
      }
      this.taskInputs(task.inputs, [...at, 'inputs'], name, sibling);
    }

    this.noCycle(names, upstream, tasksPath);
    this.dagOutputs(dag.outputs, [...path, 'outputs'], tasks, names);
    return uses;
  }

  private taskInputs(
    value: unknown,
    path: Path,
    task: string,
    sibling: (producer: unknown, at: Path, task: string, what: string) => string,
  ): void {
    const inputs = this.optionalRecord(value, path, 'parameters and artifacts');
    if (inputs === undefined) return;
    const parameters = this.optionalRecord(
      inputs.parameters,
      [...path, 'parameters'],
      'input name to parameter source',
    );
    for (const [name, parameter] of Object.entries(parameters ?? {})) {
      const at = [...path, 'parameters', name];
      const spec = this.record(parameter, at, 'a parameter source');
      const set = PARAMETER_SOURCES.filter((k) => spec[k] !== undefined);
      if (set.length !== 1) {
        this.fail(
          at,
          `must set exactly one of ${PARAMETER_SOURCES.join(', ')} (found ${set.length === 0 ? 'none' : set.join(' and ')})`,
        );
      }
      const [source] = set as [(typeof PARAMETER_SOURCES)[number]];
      const sourcePath = [...at, source];
      if (source === 'componentInputParameter') {
        this.string(spec[source], sourcePath, 'an input parameter of the enclosing component');
      } else if (source === 'runtimeValue') {
        this.record(spec[source], sourcePath, 'a constant value');
      } else {
        const body = this.record(spec[source], sourcePath, 'the producing task');
        sibling(body.producerTask, [...sourcePath, 'producerTask'], task, 'a task in the same dag');
        if (source === 'taskOutputParameter') {
          this.string(
            body.outputParameterKey,
            [...sourcePath, 'outputParameterKey'],
            'an output parameter of the producer',
          );
        }
      }
    }
    const artifacts = this.optionalRecord(
      inputs.artifacts,
      [...path, 'artifacts'],
      'input name to artifact source',
    );
    for (const [name, artifact] of Object.entries(artifacts ?? {})) {
      const at = [...path, 'artifacts', name];
      const spec = this.record(artifact, at, 'an artifact source');
      if (spec.taskOutputArtifact !== undefined) {
        const sourcePath = [...at, 'taskOutputArtifact'];
        const body = this.record(spec.taskOutputArtifact, sourcePath, 'the producing task');
        sibling(body.producerTask, [...sourcePath, 'producerTask'], task, 'a task in the same dag');
        this.string(
          body.outputArtifactKey,
          [...sourcePath, 'outputArtifactKey'],
          'an output artifact of the producer',
        );
      } else if (spec.componentInputArtifact !== undefined) {
        this.string(
          spec.componentInputArtifact,
          [...at, 'componentInputArtifact'],
          'an input artifact of the enclosing component',
        );
      }
    }
  }

  private dagOutputs(value: unknown, path: Path, tasks: JsonObject, names: string[]): void {
    const outputs = this.optionalRecord(value, path, 'parameters and artifacts');
    if (outputs === undefined) return;
    const subtask = (producer: unknown, at: Path): void => {
      const name = this.string(producer, at, 'a task in this dag');
      if (!(name in tasks)) {
        this.fail(at, `task '${name}' is not in this dag${suggestion(name, names, 'tasks here')}`);
      }
    };
    const parameters = this.optionalRecord(
      outputs.parameters,
      [...path, 'parameters'],
      'output name to selector',
    );
    for (const [name, parameter] of Object.entries(parameters ?? {})) {
      const at = [...path, 'parameters', name];
      const spec = this.record(parameter, at, 'an output parameter selector');
      if (isRecord(spec.valueFromParameter)) {
        subtask(spec.valueFromParameter.producerSubtask, [
          ...at,
          'valueFromParameter',
          'producerSubtask',
        ]);
      }
      if (isRecord(spec.valueFromOneof) && Array.isArray(spec.valueFromOneof.parameterSelectors)) {
        spec.valueFromOneof.parameterSelectors.forEach((selector: unknown, i) => {
          const selectorPath = [...at, 'valueFromOneof', 'parameterSelectors', i];
          subtask(this.record(selector, selectorPath, 'a selector').producerSubtask, [
            ...selectorPath,
            'producerSubtask',
          ]);
        });
      }
    }
    const artifacts = this.optionalRecord(
      outputs.artifacts,
      [...path, 'artifacts'],
      'output name to selectors',
    );
    for (const [name, artifact] of Object.entries(artifacts ?? {})) {
      const at = [...path, 'artifacts', name];
      const spec = this.record(artifact, at, 'output artifact selectors');
      if (spec.artifactSelectors === undefined) continue;
      if (!Array.isArray(spec.artifactSelectors)) {
        this.fail(
          [...at, 'artifactSelectors'],
          `must be a list, found ${describe(spec.artifactSelectors)}`,
        );
      }
      spec.artifactSelectors.forEach((selector: unknown, i) => {
        const selectorPath = [...at, 'artifactSelectors', i];
        subtask(this.record(selector, selectorPath, 'a selector').producerSubtask, [
          ...selectorPath,
          'producerSubtask',
        ]);
      });
    }
  }

  /** Depth-first search for a cycle among the tasks of one dag (edges: task -> its upstream). */
  private noCycle(names: string[], upstream: Map<string, Set<string>>, path: Path): void {
    const DONE = 2;
    const ACTIVE = 1;
    const state = new Map<string, number>();
    for (const start of names) {
      if (state.has(start)) continue;
      const stack: { node: string; next: Iterator<string> }[] = [];
      const enter = (node: string): void => {
        state.set(node, ACTIVE);
        stack.push({ node, next: (upstream.get(node) ?? new Set<string>()).values() });
      };
      enter(start);
      while (stack.length > 0) {
        const top = stack[stack.length - 1] as { node: string; next: Iterator<string> };
        const step = top.next.next();
        if (step.done) {
          state.set(top.node, DONE);
          stack.pop();
          continue;
        }
        const dep = step.value;
        if (state.get(dep) === ACTIVE) {
          const from = stack.findIndex((frame) => frame.node === dep);
          // the stack runs downstream -> upstream; print the cycle in run order
          const cycle = [...stack.slice(from).map((frame) => frame.node), dep].reverse();
          this.fail(
            path,
            `tasks form a cycle: ${cycle.join(' -> ')} (through dependentTasks and task outputs); a dag must not depend on itself`,
          );
        }
        if (!state.has(dep)) enter(dep);
      }
    }
  }

  private noRecursiveComponents(uses: Map<string, { component: string; path: Path }[]>): void {
    const state = new Map<string, 'active' | 'done'>();
    const trail: string[] = [];
    const visit = (name: string): void => {
      state.set(name, 'active');
      trail.push(name);
      for (const use of uses.get(name) ?? []) {
        if (state.get(use.component) === 'active') {
          const cycle = [...trail.slice(trail.indexOf(use.component)), use.component];
          this.fail(
            use.path,
            `component '${use.component}' is used inside itself (${cycle.join(' -> ')}); components cannot be recursive`,
          );
        }
        if (!state.has(use.component)) visit(use.component);
      }
      trail.pop();
      state.set(name, 'done');
    };
    visit('root');
  }
}

/**
 * Checks that a parsed document is a usable KFP PipelineSpec (schema 2.0.0 or 2.1.0) and returns
 * it typed as one. This is a structural check, not a full proto validation: required fields,
 * component/executor/task references, parameter types, one source per task input parameter, and
 * no cycle among the tasks of any dag.
 *
 * @param value - The parsed YAML/JSON document.
 * @param file - The file (or archive member) it came from, for error messages.
 * @returns The same value, typed as a {@link PipelineSpec}.
 * @throws {@link PipelineLoadError} naming the JSON path of the first problem found.
 */
export function validatePipelineSpec(value: unknown, file?: string): PipelineSpec {
  return new SpecChecker(file).check(value);
}
