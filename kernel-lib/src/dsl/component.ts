/**
 * Components: container components (an image, a command and args built from placeholders) and
 * TypeScript function components (a self-contained function whose source is embedded in the IR
 * and run by Pipelab's executor entry point). A component is callable inside a pipeline function;
 * each call adds a task.
 */
import { PipelineDefinitionError } from '../errors';
import { isChannel, type ArtifactChannel, type ParamChannel } from './channel';
import { activeBuild, sanitizeName } from './context';
import { ifPresentInputs, placeholders, type CommandPart, type Placeholder } from './placeholders';
import { checkSelfContained, functionSource } from './selfcontained';
import { PipelineTask, type TaskArgument } from './task';
import {
  artifactTypesCompatible,
  describeType,
  matchesType,
  parameterTypesCompatible,
  validateIOSpec,
  type ArtifactSpec,
  type IOSpec,
  type JsonValue,
  type ParameterType,
  type ParameterValue,
  type ParamSpec,
} from './types';

const COMPONENT = Symbol.for('pipelab.dsl.component');

export type IOSpecs = Record<string, IOSpec>;

// ---- Types of what a caller passes and gets back ------------------------------------------

type Widen<T extends ParameterType> = T extends 'NUMBER_DOUBLE'
  ? 'NUMBER_DOUBLE' | 'NUMBER_INTEGER'
  : T;

/** What may be passed for one input: a constant or a channel of a compatible type. */
export type ArgFor<S> =
  S extends ParamSpec<infer T, boolean>
    ? ParameterValue<T> | ParamChannel<Widen<T>>
    : S extends ArtifactSpec<infer A, boolean>
      ? ArtifactChannel<
          string extends A ? string : A extends 'system.Artifact' ? string : A | 'system.Artifact'
        >
      : never;

type RequiredKeys<I> = { [K in keyof I]: I[K] extends { optional: false } ? K : never }[keyof I];
type OptionalKeys<I> = Exclude<keyof I, RequiredKeys<I>>;

/** The arguments of a component call: required inputs must be given. */
export type TaskArgs<I> = { [K in RequiredKeys<I>]: ArgFor<I[K]> } & {
  [K in OptionalKeys<I>]?: ArgFor<I[K]>;
};

/** A task's outputs as typed channels. */
export type OutputChannels<O> = {
  readonly [K in keyof O]: O[K] extends ParamSpec<infer T, boolean>
    ? ParamChannel<T>
    : O[K] extends ArtifactSpec<infer A, boolean>
      ? ArtifactChannel<A>
      : never;
};

export interface TaskOptions {
  /** The task's key in the DAG. @default the component name, made unique with -2, -3... */
  name?: string;
}

type CallArgs<I> =
  RequiredKeys<I> extends never
    ? [args?: TaskArgs<I>, options?: TaskOptions]
    : [args: TaskArgs<I>, options?: TaskOptions];

export type Implementation =
  | {
      readonly kind: 'container';
      readonly image: string;
      readonly command: readonly CommandPart[];
      readonly args: readonly CommandPart[];
    }
  | {
      readonly kind: 'function';
      readonly image: string;
      /** The function's JavaScript source, as an expression. */
      readonly source: string;
      readonly functionName: string;
      /** Whether the function returns the single `Output` value rather than an object of outputs. */
      readonly returnsSingle: boolean;
      /** The parameter type of each output parameter, checked by the executor entry point. */
      readonly outputTypes: Readonly<Record<string, ParameterType>>;
    };

export interface ComponentDefinition<I extends IOSpecs = IOSpecs, O extends IOSpecs = IOSpecs> {
  /** The component's name as written by its author. */
  readonly componentName: string;
  readonly description: string | undefined;
  readonly inputs: Readonly<I>;
  readonly outputs: Readonly<O>;
  readonly implementation: Implementation;
}

/** A component: call it inside a pipeline function to add a task. */
export interface Component<
  I extends IOSpecs = IOSpecs,
  O extends IOSpecs = IOSpecs,
> extends ComponentDefinition<I, O> {
  (...args: CallArgs<I>): PipelineTask<OutputChannels<O>>;
}

/** Any component, whatever its inputs and outputs. */
export type AnyComponent = ComponentDefinition;

export function isComponent(value: unknown): value is Component {
  return typeof value === 'function' && COMPONENT in value;
}

// ---- Placeholders for container args ----------------------------------------------------

export interface ArtifactPlaceholders {
  readonly path: Placeholder;
  readonly uri: Placeholder;
  readonly metadata: Placeholder;
}

export type InputPlaceholders<I> = {
  readonly [K in keyof I]: I[K] extends ParamSpec ? Placeholder : ArtifactPlaceholders;
};
export type OutputPlaceholders<O> = {
  readonly [K in keyof O]: O[K] extends ParamSpec ? Placeholder : ArtifactPlaceholders;
};

export interface ContainerIO<I, O> {
  readonly inputs: InputPlaceholders<I>;
  readonly outputs: OutputPlaceholders<O>;
}

function artifactPlaceholders(name: string, side: 'input' | 'output'): ArtifactPlaceholders {
  const make = side === 'input' ? placeholders.inputArtifact : placeholders.outputArtifact;
  return Object.freeze({
    path: make(name, 'path'),
    uri: make(name, 'uri'),
    metadata: make(name, 'metadata'),
  });
}

function containerIO<I extends IOSpecs, O extends IOSpecs>(
  inputs: I,
  outputs: O,
): ContainerIO<I, O> {
  const ins: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    ins[name] =
      spec.kind === 'parameter'
        ? placeholders.inputValue(name)
        : artifactPlaceholders(name, 'input');
  }
  const outs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(outputs)) {
    outs[name] =
      spec.kind === 'parameter'
        ? placeholders.outputParameterFile(name)
        : artifactPlaceholders(name, 'output');
  }
  return { inputs: ins as InputPlaceholders<I>, outputs: outs as OutputPlaceholders<O> };
}

// ---- Definition ---------------------------------------------------------------------------

function validateSignature(name: string, inputs: IOSpecs, outputs: IOSpecs): void {
  if (typeof name !== 'string' || sanitizeName(name) === '') {
    throw new PipelineDefinitionError(
      `a component needs a name with at least one letter or digit; got ${JSON.stringify(name)}.`,
    );
  }
  const where = { component: name };
  for (const [key, spec] of Object.entries(inputs ?? {})) validateIOSpec(key, spec, where);
  for (const [key, spec] of Object.entries(outputs ?? {})) {
    validateIOSpec(key, spec, where);
    if (key in (inputs ?? {})) {
      throw new PipelineDefinitionError(
        `component '${name}': '${key}' is both an input and an output; give them different names.`,
        { ...where, parameter: key },
      );
    }
    if (spec.optional || (spec.kind === 'parameter' && spec.default !== undefined)) {
      throw new PipelineDefinitionError(
        `component '${name}': output '${key}' cannot have a default or be optional.`,
        { ...where, parameter: key },
      );
    }
  }
}

function makeComponent<I extends IOSpecs, O extends IOSpecs>(
  def: ComponentDefinition<I, IOSpecs>,
): Component<I, O> {
  const call = (args?: Record<string, unknown>, options?: TaskOptions) =>
    createTask(def, args ?? {}, options ?? {});
  const component = Object.assign(call, def, { [COMPONENT]: true });
  Object.defineProperty(component, 'name', { value: def.componentName });
  return Object.freeze(component) as unknown as Component<I, O>;
}

export interface ContainerComponentOptions<I extends IOSpecs, O extends IOSpecs> {
  /** The component's name; its tasks and IR keys derive from it (`count_rows` → `comp-count-rows`). */
  name: string;
  description?: string;
  /** Inputs: `param.*()` parameters and artifact types. @default {} */
  inputs?: I;
  /** Outputs: `param.*()` parameters (written to a file) and artifact types. @default {} */
  outputs?: O;
  /** The container image. */
  image: string;
  /** The entry point, literal or built from placeholders. @default the image's entry point */
  command?: readonly CommandPart[] | ((io: ContainerIO<I, O>) => readonly CommandPart[]);
  /** The arguments, usually built from placeholders. @default none */
  args?: readonly CommandPart[] | ((io: ContainerIO<I, O>) => readonly CommandPart[]);
}

/** A component that runs a container image (KFP's `@dsl.container_component`). */
export function containerComponent<
  I extends IOSpecs = Record<never, never>,
  O extends IOSpecs = Record<never, never>,
>(options: ContainerComponentOptions<I, O>): Component<I, O> {
  const inputs = (options.inputs ?? {}) as I;
  const outputs = (options.outputs ?? {}) as O;
  validateSignature(options.name, inputs, outputs);
  if (typeof options.image !== 'string' || options.image.trim() === '') {
    throw new PipelineDefinitionError(`component '${options.name}' needs an image.`, {
      component: options.name,
    });
  }
  const io = containerIO(inputs, outputs);
  const resolve = (v: ContainerComponentOptions<I, O>['command']) =>
    Object.freeze([...(typeof v === 'function' ? v(io) : (v ?? []))]);
  const command = resolve(options.command);
  const args = resolve(options.args);
  for (const part of [...command, ...args]) {
    for (const inputName of ifPresentInputs(part)) {
      const spec = inputs[inputName];
      if (!spec || !spec.optional) {
        throw new PipelineDefinitionError(
          `component '${options.name}': ifPresent('${inputName}') needs an optional input named '${inputName}'.`,
          { component: options.name, parameter: inputName },
        );
      }
    }
  }
  return makeComponent({
    componentName: options.name,
    description: options.description,
    inputs: Object.freeze({ ...inputs }),
    outputs: Object.freeze({ ...outputs }),
    implementation: Object.freeze({
      kind: 'container' as const,
      image: options.image,
      command,
      args,
    }),
  });
}

// ---- Function components -------------------------------------------------------------------

/** An artifact as a function component sees it at run time. */
export interface RuntimeArtifact {
  readonly name: string;
  readonly uri: string;
  /** A local path for the artifact's content; write outputs here. */
  readonly path: string;
  /** Metadata recorded with the artifact; set fields on output artifacts. */
  readonly metadata: Record<string, JsonValue>;
  /** Records a scalar metric (Metrics artifacts). */
  logMetric(name: string, value: number): void;
}

type ParamKeys<O> = { [K in keyof O]: O[K] extends ParamSpec ? K : never }[keyof O];
type ArtifactKeys<O> = { [K in keyof O]: O[K] extends ArtifactSpec ? K : never }[keyof O];

export type FunctionInputs<I> = {
  readonly [K in keyof I]: I[K] extends ParamSpec<infer T, infer Opt>
    ? Opt extends true
      ? ParameterValue<T> | (I[K] extends { default: unknown } ? never : undefined)
      : ParameterValue<T>
    : I[K] extends ArtifactSpec<string, infer Opt>
      ? Opt extends true
        ? RuntimeArtifact | undefined
        : RuntimeArtifact
      : never;
};
export type FunctionOutputs<O> = { readonly [K in ArtifactKeys<O>]: RuntimeArtifact };
export type FunctionResult<O> = [ParamKeys<O>] extends [never]
  ? void
  : { [K in ParamKeys<O>]: O[K] extends ParamSpec<infer T, boolean> ? ParameterValue<T> : never };

type Awaitable<T> = T | Promise<T>;

export interface FunctionComponentOptions<
  I extends IOSpecs,
  O extends IOSpecs,
  R extends ParamSpec | undefined,
> {
  /** @default the function's name, in kebab case */
  name?: string;
  description?: string;
  inputs?: I;
  /** Outputs: artifacts are written through the second argument, parameters returned in an object. */
  outputs?: O;
  /** A single parameter output named `Output`, which the function returns directly (KFP's `-> int`). */
  returns?: R;
  /** A Node.js image to run in on a cluster. @default 'node:20-slim' */
  baseImage?: string;
  /**
   * The function. It must be self-contained: everything it uses comes from its arguments, from
   * `require()`/`import()` inside it, or from Node's globals.
   */
  fn: (
    inputs: FunctionInputs<I>,
    outputs: FunctionOutputs<O>,
  ) => Awaitable<R extends ParamSpec<infer T, boolean> ? ParameterValue<T> : FunctionResult<O>>;
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2');
}

/**
 * A component whose body is a TypeScript function (KFP's lightweight `@dsl.component`). The
 * function's compiled JavaScript is embedded in the IR with Pipelab's executor entry point, so a
 * cluster runs it in any Node.js image with nothing else installed.
 */
export function functionComponent<
  I extends IOSpecs = Record<never, never>,
  O extends IOSpecs = Record<never, never>,
  R extends ParamSpec | undefined = undefined,
>(
  options: FunctionComponentOptions<I, O, R>,
): Component<I, R extends ParamSpec ? O & { Output: R } : O> {
  if (typeof options.fn !== 'function') {
    throw new PipelineDefinitionError(`functionComponent needs fn: the function to run.`, {
      component: options.name,
    });
  }
  const name = options.name ?? kebab(options.fn.name || '');
  const inputs = (options.inputs ?? {}) as I;
  const outputs: IOSpecs = { ...(options.outputs ?? {}) };
  if (options.returns) {
    if ('Output' in outputs) {
      throw new PipelineDefinitionError(
        `component '${name}': use either returns or an output named 'Output', not both.`,
        { component: name, parameter: 'Output' },
      );
    }
    outputs.Output = options.returns;
  }
  validateSignature(name, inputs, outputs);
  const { source } = functionSource(options.fn, name);
  checkSelfContained(source, name);
  return makeComponent({
    componentName: name,
    description: options.description,
    inputs: Object.freeze({ ...inputs }),
    outputs: Object.freeze(outputs) as R extends ParamSpec ? O & { Output: R } : O,
    implementation: Object.freeze({
      kind: 'function' as const,
      image: options.baseImage ?? 'node:20-slim',
      source,
      // KFP names the function to execute after the component (`add_numbers`), whatever the JS name.
      functionName: sanitizeName(name).replace(/-/g, '_'),
      returnsSingle: options.returns !== undefined,
      outputTypes: Object.fromEntries(
        Object.entries(outputs).flatMap(([key, spec]) =>
          spec.kind === 'parameter' ? [[key, spec.type]] : [],
        ),
      ),
    }),
  });
}

// ---- Calls ------------------------------------------------------------------------------------

function createTask(
  def: ComponentDefinition,
  args: Record<string, unknown>,
  options: TaskOptions,
): PipelineTask<unknown> {
  const build = activeBuild();
  if (!build) {
    throw new PipelineDefinitionError(
      `component '${def.componentName}' was called outside a pipeline function; call it inside the ` +
        `function given to pipeline(...).`,
      { component: def.componentName },
    );
  }
  const pipeline = build.pipelineName;
  if (typeof args !== 'object' || args === null || Array.isArray(args) || isChannel(args)) {
    throw new PipelineDefinitionError(
      `component '${def.componentName}' takes its inputs as one object, e.g. ${def.componentName}({ ${Object.keys(def.inputs)[0] ?? 'name'}: ... }).`,
      { pipeline, component: def.componentName },
    );
  }
  let taskName: string;
  if (options.name !== undefined) {
    if (typeof options.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.name)) {
      throw new PipelineDefinitionError(
        `task name ${JSON.stringify(options.name)} is not allowed: use lower-case letters, digits and dashes, ` +
          `starting and ending with a letter or digit.`,
        { pipeline, task: String(options.name) },
      );
    }
    taskName = build.claimTaskName(options.name, true);
  } else {
    taskName = build.claimTaskName(sanitizeName(def.componentName), false);
  }
  const ctx = (parameter: string) => ({
    pipeline,
    task: taskName,
    component: def.componentName,
    parameter,
  });
  const who = `task '${taskName}' (component '${def.componentName}')`;

  for (const key of Object.keys(args)) {
    if (!(key in def.inputs)) {
      const known = Object.keys(def.inputs);
      throw new PipelineDefinitionError(
        `${who} has no input '${key}'; its inputs are ${known.length ? known.join(', ') : 'none'}.`,
        ctx(key),
      );
    }
  }
  const accepted: Record<string, TaskArgument> = {};
  for (const [key, spec] of Object.entries(def.inputs)) {
    const value = args[key];
    if (value === undefined) {
      if (!spec.optional) {
        throw new PipelineDefinitionError(
          `${who} is missing its required input '${key}'.`,
          ctx(key),
        );
      }
      continue;
    }
    if (isChannel(value)) {
      if (value.build !== build) {
        const from = value.task ? `task '${value.task.name}'` : `parameter '${value.name}'`;
        throw new PipelineDefinitionError(
          `${who}: input '${key}' refers to ${from}, which belongs to another pipeline ` +
            `('${value.build.pipelineName}'); a task can only use channels of its own pipeline.`,
          ctx(key),
        );
      }
      if (spec.kind === 'parameter') {
        if (value.kind !== 'parameter') {
          throw new PipelineDefinitionError(
            `${who}: input '${key}' is a ${spec.type} parameter but was given artifact '${value.fullName}' (${value.schemaTitle}).`,
            ctx(key),
          );
        }
        if (!parameterTypesCompatible(value.type, spec.type)) {
          throw new PipelineDefinitionError(
            `${who}: input '${key}' expects ${spec.type} but '${value.fullName}' is ${value.type}.`,
            ctx(key),
          );
        }
      } else {
        if (value.kind !== 'artifact') {
          throw new PipelineDefinitionError(
            `${who}: input '${key}' is a ${spec.schemaTitle} artifact but was given parameter '${value.fullName}' (${value.type}).`,
            ctx(key),
          );
        }
        if (!artifactTypesCompatible(value.schemaTitle, spec.schemaTitle)) {
          throw new PipelineDefinitionError(
            `${who}: input '${key}' expects a ${spec.schemaTitle} artifact but '${value.fullName}' is a ${value.schemaTitle}.`,
            ctx(key),
          );
        }
      }
      accepted[key] = value;
      continue;
    }
    if (spec.kind === 'artifact') {
      throw new PipelineDefinitionError(
        `${who}: input '${key}' is a ${spec.schemaTitle} artifact; pass an upstream task's output, not a constant.`,
        ctx(key),
      );
    }
    if (
      !matchesType(spec.type, value) &&
      !(spec.type === 'NUMBER_DOUBLE' && matchesType('NUMBER_INTEGER', value))
    ) {
      throw new PipelineDefinitionError(
        `${who}: input '${key}' must be ${describeType(spec.type)}; got ${JSON.stringify(value) ?? String(value)}.`,
        ctx(key),
      );
    }
    accepted[key] = value as JsonValue;
  }

  const task = new PipelineTask<unknown>({
    name: taskName,
    component: def,
    args: accepted,
    build,
    group: build.current,
  });
  build.tasks.set(taskName, task);
  build.current.tasks.push(task);
  return task;
}
