/**
 * Builds the PipelineSpec of a traced pipeline: one pass validates the graph (dangling references,
 * cycles, dependencies into conditions), one computes what each group needs from outside and
 * what each task or group waits for, and one emits components, executors and DAGs the way the
 * KFP SDK lays them out.
 */
import { isChannel, type Channel } from '../dsl/channel';
import type { ComponentDefinition } from '../dsl/component';
import { NameRegistry, sanitizeName, type Group } from '../dsl/context';
import { renderPart } from '../dsl/placeholders';
import { tracePipeline, type Pipeline, type PipelineGraph } from '../dsl/pipeline';
import type { PipelineTask } from '../dsl/task';
import { matchesType, describeType, type JsonValue, type IOSpec } from '../dsl/types';
import { PipelineDefinitionError } from '../errors';
import { VERSION } from '../version';
import { conditionChannels, conditionToCel } from './condition';
import { functionContainer } from './function-executor';
import {
  SCHEMA_VERSION,
  type ComponentSpecIR,
  type ContainerSpecIR,
  type DagOutputsSpec,
  type ExecutorSpec,
  type InputsSpec,
  type OutputsSpec,
  type PipelineSpec,
  type TaskSpec,
} from './spec';

type Task = PipelineTask<unknown>;
type Node = Task | Group;

export interface CompileOptions {
  /** Overrides the pipeline's name in `pipelineInfo.name`. @default the pipeline's own name */
  pipelineName?: string;
  /** Overrides defaults of pipeline parameters (KFP's `pipeline_parameters`). @default none */
  parameterDefaults?: Record<string, JsonValue>;
}

function isGroup(node: Node): node is Group {
  return 'conditions' in node && 'groups' in node;
}

/** Groups from the root down to the node's own group; a group's path includes itself. */
function path(node: Node): Node[] {
  const chain: Node[] = [node];
  for (let g = isGroup(node) ? node.parent : node.group; g; g = g.parent) chain.unshift(g);
  return chain;
}

/** KFP's uncommon ancestors: the two paths below the deepest common group. */
function uncommon(up: Node, down: Node): [Node[], Node[]] {
  const a = path(up);
  const b = path(down);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [a.slice(i), b.slice(i)];
}

function describeGroup(g: Group): string {
  return g.displayName ? `'${g.displayName}' (${g.name})` : `'${g.name}'`;
}

class SpecBuilder {
  private readonly pipeline: string;
  private readonly tasks: Task[];
  /** Channels each group takes from outside, keyed by channel input name. */
  private readonly groupInputs = new Map<Group, Map<string, Channel>>();
  private readonly dependencies = new Map<Node, Set<Node>>();
  private readonly components: Record<string, ComponentSpecIR> = {};
  private readonly executors: Record<string, ExecutorSpec> = {};
  private readonly componentNames = new NameRegistry();
  private readonly executorLabels = new NameRegistry();

  constructor(private readonly graph: PipelineGraph) {
    this.pipeline = graph.build.pipelineName;
    this.tasks = [...graph.build.tasks.values()];
  }

  private fail(message: string, ctx: { task?: string; parameter?: string } = {}): never {
    throw new PipelineDefinitionError(message, { pipeline: this.pipeline, ...ctx });
  }

  private upstreamOf(task: Task): { node: Task; via: string }[] {
    const ups: { node: Task; via: string }[] = [];
    for (const [key, arg] of Object.entries(task.args)) {
      if (isChannel(arg) && arg.task) ups.push({ node: arg.task, via: `input '${key}'` });
    }
    for (const t of task.upstream) ups.push({ node: t, via: 'after()' });
    return ups;
  }

  validate(): void {
    const own = new Set<Task>(this.tasks);
    for (const task of this.tasks) {
      for (const { node, via } of this.upstreamOf(task)) {
        if (!own.has(node) || node.build !== this.graph.build) {
          this.fail(
            `task '${task.name}' depends (${via}) on task '${node.name}', which is not part of pipeline ` +
              `'${this.pipeline}'; a pipeline can only refer to tasks created in its own function.`,
            { task: task.name },
          );
        }
      }
    }
    for (const group of this.allGroups()) {
      for (const ch of conditionChannels(group.conditions)) {
        if (ch.build !== this.graph.build || (ch.task && !own.has(ch.task))) {
          this.fail(
            `condition ${describeGroup(group)} tests '${ch.fullName}', which is not part of pipeline '${this.pipeline}'.`,
          );
        }
      }
    }
    const groupNames = new Set(
      [...this.allGroups()].filter((g) => g.type !== 'pipeline').map((g) => g.name),
    );
    for (const task of this.tasks) {
      if (groupNames.has(task.name)) {
        this.fail(
          `task '${task.name}' has the name of a condition group; give the task another name with { name: ... }.`,
          { task: task.name },
        );
      }
    }
    this.checkAcyclic();
    const check = (up: Task, down: Node, what: string) => {
      const [upPath] = uncommon(up, down);
      const blocking = upPath.find((n): n is Group => isGroup(n) && n.type !== 'pipeline');
      if (blocking) {
        this.fail(
          `${what} depends on task '${up.name}', which is inside condition ${describeGroup(blocking)}; ` +
            `a task outside a condition cannot depend on a task inside it (KFP rejects this too). Move the ` +
            `downstream task into the same condition.`,
          { task: isGroup(down) ? undefined : down.name },
        );
      }
    };
    for (const task of this.tasks) {
      for (const { node, via } of this.upstreamOf(task))
        check(node, task, `task '${task.name}' (${via})`);
    }
    for (const group of this.allGroups()) {
      for (const ch of conditionChannels(group.conditions)) {
        if (ch.task) check(ch.task, group, `condition ${describeGroup(group)}`);
      }
    }
    for (const [key, ch] of Object.entries(this.graph.outputs)) {
      if (!ch.task)
        this.fail(
          `pipeline output '${key}' is a pipeline parameter; outputs must be task outputs.`,
          { parameter: key },
        );
      if (ch.task.group !== this.graph.build.root) {
        this.fail(
          `pipeline output '${key}' comes from task '${ch.task.name}', which is inside a condition; ` +
            `a pipeline output must come from a task at the top level of the pipeline.`,
          { parameter: key, task: ch.task.name },
        );
      }
    }
  }

  private checkAcyclic(): void {
    const state = new Map<Task, 'visiting' | 'done'>();
    const stack: Task[] = [];
    const visit = (task: Task) => {
      state.set(task, 'visiting');
      stack.push(task);
      for (const { node } of this.upstreamOf(task)) {
        const s = state.get(node);
        if (s === 'visiting') {
          const cycle = [...stack.slice(stack.indexOf(node)), node].map((t) => t.name);
          this.fail(
            `tasks form a cycle: ${cycle.join(' → ')}; remove one of these after()/input dependencies.`,
            {
              task: node.name,
            },
          );
        }
        if (s === undefined) visit(node);
      }
      stack.pop();
      state.set(task, 'done');
    };
    for (const task of this.tasks) if (!state.has(task)) visit(task);
  }

  private *allGroups(group: Group = this.graph.build.root): Generator<Group> {
    yield group;
    for (const g of group.groups) yield* this.allGroups(g);
  }

  /** KFP's "punch the hole": every group between a channel's producer and its consumer takes it as an input. */
  analyze(): void {
    const root = this.graph.build.root;
    const addInput = (groups: Node[], ch: Channel) => {
      for (const g of groups) {
        if (!isGroup(g) || g === root) continue;
        let m = this.groupInputs.get(g);
        if (!m) this.groupInputs.set(g, (m = new Map()));
        m.set(ch.channelInputName, ch);
      }
    };
    const consume = (consumer: Node, ch: Channel) => {
      if (ch.task) addInput(uncommon(ch.task, consumer)[1], ch);
      else addInput(path(consumer), ch);
    };
    const depend = (up: Task, down: Node) => {
      const [upPath, downPath] = uncommon(up, down);
      const from = downPath[0];
      const to = upPath[0];
      if (!from || !to) return;
      let deps = this.dependencies.get(from);
      if (!deps) this.dependencies.set(from, (deps = new Set()));
      deps.add(to);
    };
    for (const task of this.tasks) {
      for (const arg of Object.values(task.args)) if (isChannel(arg)) consume(task, arg);
      for (const { node } of this.upstreamOf(task)) depend(node, task);
    }
    for (const group of this.allGroups()) {
      for (const ch of conditionChannels(group.conditions)) {
        consume(group, ch);
        if (ch.task) depend(ch.task, group);
      }
    }
  }

  emit(options: CompileOptions): PipelineSpec {
    const root = this.graph.build.root;
    const rootSpec: ComponentSpecIR & { dag: PipelineSpec['root']['dag'] } = { dag: { tasks: {} } };
    const inputs = this.rootInputs(options.parameterDefaults ?? {});
    if (inputs) rootSpec.inputDefinitions = inputs;
    this.emitGroup(root, rootSpec);
    const [outputs, outputDefs] = this.rootOutputs();
    if (outputs) rootSpec.dag.outputs = outputs;
    if (outputDefs) rootSpec.outputDefinitions = outputDefs;

    const p = this.graph.pipeline;
    const spec: PipelineSpec = {
      pipelineInfo: {
        name: options.pipelineName ?? p.name,
        ...(p.description ? { description: p.description } : {}),
        ...(p.displayName ? { displayName: p.displayName } : {}),
      },
      root: rootSpec,
      schemaVersion: SCHEMA_VERSION,
      sdkVersion: `pipelab-${VERSION}`,
    };
    if (Object.keys(this.components).length) spec.components = this.components;
    if (Object.keys(this.executors).length) spec.deploymentSpec = { executors: this.executors };
    return spec;
  }

  private rootInputs(overrides: Record<string, JsonValue>): InputsSpec | undefined {
    const params = this.graph.pipeline.params;
    for (const [key, value] of Object.entries(overrides)) {
      const spec = params[key];
      if (!spec)
        this.fail(
          `parameter default given for '${key}', which is not a parameter of pipeline '${this.pipeline}'.`,
          { parameter: key },
        );
      if (!matchesType(spec.type, value)) {
        this.fail(
          `parameter default for '${key}' must be ${describeType(spec.type)}; got ${JSON.stringify(value)}.`,
          { parameter: key },
        );
      }
    }
    const entries = Object.entries(params);
    if (!entries.length) return undefined;
    const parameters: NonNullable<InputsSpec['parameters']> = {};
    for (const [key, spec] of entries) {
      const def = key in overrides ? overrides[key] : spec.default;
      parameters[key] = {
        parameterType: spec.type,
        ...(def !== undefined ? { defaultValue: def } : {}),
        ...(spec.optional || def !== undefined ? { isOptional: true } : {}),
        ...(spec.description ? { description: spec.description } : {}),
      };
    }
    return { parameters };
  }

  private rootOutputs(): [DagOutputsSpec | undefined, OutputsSpec | undefined] {
    const entries = Object.entries(this.graph.outputs);
    if (!entries.length) return [undefined, undefined];
    const dag: DagOutputsSpec = {};
    const defs: OutputsSpec = {};
    for (const [key, ch] of entries) {
      const producer = (ch.task as Task).name;
      if (ch.kind === 'parameter') {
        (dag.parameters ??= {})[key] = {
          valueFromParameter: { outputParameterKey: ch.name, producerSubtask: producer },
        };
        (defs.parameters ??= {})[key] = { parameterType: ch.type };
      } else {
        (dag.artifacts ??= {})[key] = {
          artifactSelectors: [{ outputArtifactKey: ch.name, producerSubtask: producer }],
        };
        (defs.artifacts ??= {})[key] = {
          artifactType: { schemaTitle: ch.schemaTitle, schemaVersion: ch.schemaVersion },
        };
      }
    }
    return [dag, defs];
  }

  private emitGroup(
    group: Group,
    spec: ComponentSpecIR & { dag: { tasks: Record<string, TaskSpec> } },
  ): void {
    const children: Node[] = [...group.groups, ...group.tasks];
    const siblings = new Set(children.map((c) => c.name));
    const isRoot = group === this.graph.build.root;
    const childSpecs = new Map<
      Group,
      ComponentSpecIR & { dag: { tasks: Record<string, TaskSpec> } }
    >();
    for (const child of children) {
      let taskSpec: TaskSpec;
      let componentSpec: ComponentSpecIR;
      if (isGroup(child)) {
        const channels = [...(this.groupInputs.get(child)?.values() ?? [])];
        taskSpec = this.groupTaskSpec(child, channels, siblings, isRoot);
        const groupSpec = { ...this.groupComponentInputs(channels), dag: { tasks: {} } };
        childSpecs.set(child, groupSpec);
        componentSpec = groupSpec;
      } else {
        taskSpec = this.taskSpec(child, siblings, isRoot);
        componentSpec = this.taskComponentSpec(child);
      }
      const deps = this.dependencies.get(child);
      if (deps?.size) taskSpec.dependentTasks = [...deps].map((d) => d.name).sort();
      const componentName = this.componentNames.claim(`comp-${sanitizeName(child.name)}`);
      taskSpec.componentRef = { name: componentName };
      this.components[componentName] = componentSpec;
      spec.dag.tasks[child.name] = taskSpec;
    }
    for (const [child, childSpec] of childSpecs) this.emitGroup(child, childSpec);
  }

  private groupComponentInputs(channels: Channel[]): ComponentSpecIR {
    if (!channels.length) return {};
    const inputs: InputsSpec = {};
    for (const ch of channels) {
      if (ch.kind === 'parameter')
        (inputs.parameters ??= {})[ch.channelInputName] = { parameterType: ch.type };
      else {
        (inputs.artifacts ??= {})[ch.channelInputName] = {
          artifactType: { schemaTitle: ch.schemaTitle, schemaVersion: ch.schemaVersion },
        };
      }
    }
    return { inputDefinitions: inputs };
  }

  private groupTaskSpec(
    group: Group,
    channels: Channel[],
    siblings: Set<string>,
    parentIsRoot: boolean,
  ): TaskSpec {
    const spec: TaskSpec = {
      taskInfo: { name: group.displayName ?? group.name },
      componentRef: { name: '' },
    };
    for (const ch of channels) {
      const fromSibling = ch.task !== undefined && siblings.has(ch.task.name);
      const outside = parentIsRoot ? ch.fullName : ch.channelInputName;
      if (ch.kind === 'artifact') {
        ((spec.inputs ??= {}).artifacts ??= {})[ch.channelInputName] = fromSibling
          ? {
              taskOutputArtifact: {
                producerTask: (ch.task as Task).name,
                outputArtifactKey: ch.name,
              },
            }
          : { componentInputArtifact: outside };
      } else {
        ((spec.inputs ??= {}).parameters ??= {})[ch.channelInputName] = fromSibling
          ? {
              taskOutputParameter: {
                producerTask: (ch.task as Task).name,
                outputParameterKey: ch.name,
              },
            }
          : { componentInputParameter: outside };
      }
    }
    if (group.type === 'condition')
      spec.triggerPolicy = { condition: conditionToCel(group.conditions, this.pipeline) };
    return spec;
  }

  private taskSpec(task: Task, siblings: Set<string>, parentIsRoot: boolean): TaskSpec {
    const spec: TaskSpec = {
      taskInfo: { name: task.displayName ?? task.name },
      componentRef: { name: '' },
      cachingOptions: task.enableCaching ? { enableCache: true } : {},
    };
    for (const [key, arg] of Object.entries(task.args)) {
      const inputs = (spec.inputs ??= {});
      if (!isChannel(arg)) {
        (inputs.parameters ??= {})[key] = { runtimeValue: { constant: arg } };
        continue;
      }
      const fromSibling = arg.task !== undefined && siblings.has(arg.task.name);
      if (arg.kind === 'artifact') {
        (inputs.artifacts ??= {})[key] = fromSibling
          ? {
              taskOutputArtifact: {
                producerTask: (arg.task as Task).name,
                outputArtifactKey: arg.name,
              },
            }
          : { componentInputArtifact: arg.channelInputName };
      } else if (fromSibling) {
        (inputs.parameters ??= {})[key] = {
          taskOutputParameter: {
            producerTask: (arg.task as Task).name,
            outputParameterKey: arg.name,
          },
        };
      } else {
        (inputs.parameters ??= {})[key] = {
          componentInputParameter: !arg.task && parentIsRoot ? arg.name : arg.channelInputName,
        };
      }
    }
    if (task.retryPolicy) spec.retryPolicy = { ...task.retryPolicy };
    return spec;
  }

  private taskComponentSpec(task: Task): ComponentSpecIR {
    const def = task.component;
    const spec: ComponentSpecIR = { ...ioDefinitions(def) };
    const label = this.executorLabels.claim(`exec-${sanitizeName(def.componentName)}`);
    spec.executorLabel = label;
    this.executors[label] = { container: this.container(task) };
    return spec;
  }

  private container(task: Task): ContainerSpecIR {
    const impl = task.component.implementation;
    let container: ContainerSpecIR;
    if (impl.kind === 'function') {
      container = functionContainer(impl);
    } else {
      container = { image: impl.image };
      if (impl.command.length) container.command = impl.command.map(renderPart);
      if (impl.args.length) container.args = impl.args.map(renderPart);
    }
    const env = Object.entries(task.env);
    if (env.length) container.env = env.map(([name, value]) => ({ name, value }));
    if (task.cpuLimit || task.memoryLimit) {
      container.resources = {
        ...(task.cpuLimit ? { resourceCpuLimit: task.cpuLimit } : {}),
        ...(task.memoryLimit ? { resourceMemoryLimit: task.memoryLimit } : {}),
      };
    }
    return container;
  }
}

function ioDefinitions(
  def: ComponentDefinition,
): Pick<ComponentSpecIR, 'inputDefinitions' | 'outputDefinitions'> {
  const result: Pick<ComponentSpecIR, 'inputDefinitions' | 'outputDefinitions'> = {};
  const artifact = (spec: IOSpec & { kind: 'artifact' }) => ({
    artifactType: { schemaTitle: spec.schemaTitle, schemaVersion: spec.schemaVersion },
    ...(spec.optional ? { isOptional: true } : {}),
  });
  for (const [key, spec] of Object.entries(def.inputs)) {
    const inputs = (result.inputDefinitions ??= {});
    if (spec.kind === 'parameter') {
      (inputs.parameters ??= {})[key] = {
        parameterType: spec.type,
        ...(spec.default !== undefined ? { defaultValue: spec.default } : {}),
        ...(spec.optional ? { isOptional: true } : {}),
        ...(spec.description ? { description: spec.description } : {}),
      };
    } else {
      (inputs.artifacts ??= {})[key] = artifact(spec);
    }
  }
  for (const [key, spec] of Object.entries(def.outputs)) {
    const outputs = (result.outputDefinitions ??= {});
    if (spec.kind === 'parameter') (outputs.parameters ??= {})[key] = { parameterType: spec.type };
    else (outputs.artifacts ??= {})[key] = artifact(spec);
  }
  return result;
}

/**
 * Compiles a pipeline to its PipelineSpec (the KFP v2 IR, schemaVersion 2.1.0). Runs the
 * pipeline function once; throws {@link PipelineDefinitionError} naming the task or parameter
 * when the pipeline is invalid.
 */
export function compile(pipeline: Pipeline, options: CompileOptions = {}): PipelineSpec {
  const graph = tracePipeline(pipeline);
  const builder = new SpecBuilder(graph);
  builder.validate();
  builder.analyze();
  return builder.emit(options);
}
