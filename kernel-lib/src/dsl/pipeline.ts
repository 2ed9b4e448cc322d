/**
 * Pipelines: a function that wires tasks, with typed parameters and outputs, compiled by
 * `compile()`. Conditions (`If`/`Elif`/`Else`) group tasks that run only when a test on a
 * parameter or an upstream output holds.
 */
import { PipelineDefinitionError } from '../errors';
import {
  isChannel,
  isCondition,
  isParamChannel,
  ParamChannel,
  type Channel,
  type Condition,
  type ConditionOperation,
} from './channel';
import { activeBuild, newGroup, PipelineBuild, withBuild, type Group } from './context';
import { validateIOSpec, type ParamSpec, type ParameterType } from './types';

const PIPELINE = Symbol.for('pipelab.dsl.pipeline');
const PIPELINE_NAME = /^[a-z0-9][a-z0-9-]{0,127}$/;

export type ParamSpecs = Record<string, ParamSpec>;

/** Pipeline parameters as the pipeline function sees them: channels of their type. */
export type PipelineParams<P> = {
  readonly [K in keyof P]: P[K] extends ParamSpec<infer T extends ParameterType, boolean>
    ? ParamChannel<T>
    : never;
};

/** What a pipeline function returns: nothing, one output (named `Output`), or named outputs. */
export type PipelineOutputs = void | Channel | Readonly<Record<string, Channel>>;

export interface PipelineOptions<P extends ParamSpecs> {
  /** The pipeline's name (`pipelineInfo.name`): lower case letters, digits and dashes, as KFP requires. */
  name: string;
  description?: string;
  /** A human name shown by UIs (`pipelineInfo.displayName`). */
  displayName?: string;
  /** Parameters with their types and defaults. @default {} */
  params?: P;
}

/** A defined pipeline: compile it, or inspect its parameters. */
export interface Pipeline<
  P extends ParamSpecs = ParamSpecs,
  R extends PipelineOutputs = PipelineOutputs,
> {
  readonly [PIPELINE]: true;
  readonly name: string;
  readonly description: string | undefined;
  readonly displayName: string | undefined;
  readonly params: Readonly<P>;
  /** The wiring function; `compile()` calls it. (A method, so that pipelines of any parameters share one type.) */
  fn(params: PipelineParams<P>): R;
}

/** The result of running a pipeline function once: its tasks, groups and outputs. */
export interface PipelineGraph {
  readonly pipeline: Pipeline;
  readonly build: PipelineBuild;
  readonly params: Readonly<Record<string, ParamChannel>>;
  /** Outputs by name (`Output` for a single returned channel). */
  readonly outputs: Readonly<Record<string, Channel>>;
}

export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && PIPELINE in value;
}

/**
 * Defines a pipeline (KFP's `@dsl.pipeline`).
 *
 * ```ts
 * const p = pipeline({ name: 'hello', params: { text: param.string({ default: 'hi' }) } },
 *   ({ text }) => { echo({ message: text }); });
 * ```
 */
export function pipeline<
  P extends ParamSpecs = Record<never, never>,
  R extends PipelineOutputs = void,
>(options: PipelineOptions<P>, fn: (params: PipelineParams<P>) => R): Pipeline<P, R> {
  const name = options.name;
  if (typeof name !== 'string' || !PIPELINE_NAME.test(name)) {
    throw new PipelineDefinitionError(
      `pipeline name ${JSON.stringify(name)} is not one KFP accepts: it must match ${PIPELINE_NAME.source} ` +
        `(lower-case letters, digits and dashes, starting with a letter or digit, at most 128 characters).`,
      { pipeline: String(name) },
    );
  }
  if (typeof fn !== 'function') {
    throw new PipelineDefinitionError(`pipeline '${name}' needs a function that wires its tasks.`, {
      pipeline: name,
    });
  }
  const params = (options.params ?? {}) as P;
  for (const [key, spec] of Object.entries(params)) {
    validateIOSpec(key, spec, { pipeline: name });
    if (spec.kind !== 'parameter') {
      throw new PipelineDefinitionError(
        `pipeline '${name}': '${key}' must be a parameter (param.string(), param.integer()...); artifact inputs of pipelines are not supported.`,
        { pipeline: name, parameter: key },
      );
    }
  }
  return Object.freeze({
    [PIPELINE]: true as const,
    name,
    description: options.description,
    displayName: options.displayName,
    params: Object.freeze({ ...params }),
    fn,
  });
}

/** Runs the pipeline function and records what it wires. */
export function tracePipeline(p: Pipeline): PipelineGraph {
  const build = new PipelineBuild(p.name);
  const params: Record<string, ParamChannel> = {};
  for (const [key, spec] of Object.entries(p.params)) {
    params[key] = new ParamChannel(key, spec.type, undefined, build);
  }
  const returned: unknown = withBuild(build, () =>
    build.enter(build.root, (): unknown => p.fn(Object.freeze({ ...params }) as never)),
  );
  const outputs: Record<string, Channel> = {};
  if (returned === undefined || returned === null) {
    // no outputs
  } else if (isChannel(returned)) {
    outputs.Output = returned;
  } else if (typeof returned === 'object' && !Array.isArray(returned)) {
    for (const [key, value] of Object.entries(returned as Record<string, unknown>)) {
      if (!isChannel(value)) {
        throw new PipelineDefinitionError(
          `pipeline '${p.name}' returned ${JSON.stringify(value)} as output '${key}'; outputs must be task outputs.`,
          { pipeline: p.name, parameter: key },
        );
      }
      outputs[key] = value;
    }
  } else {
    throw new PipelineDefinitionError(
      `pipeline '${p.name}' must return nothing, a task output, or an object of task outputs; got ${String(returned)}.`,
      { pipeline: p.name },
    );
  }
  return { pipeline: p, build, params, outputs };
}

// ---- Conditions -----------------------------------------------------------------------------

export interface ConditionOptions {
  /** The name shown for the group in the UI (`taskInfo.name`). @default condition-N */
  name?: string;
}

/** Returned by {@link If} and `Elif`: continue with `Elif` or `Else`. */
export interface IfChain {
  Elif(condition: Condition, body: () => void, options?: ConditionOptions): IfChain;
  Else(body: () => void, options?: ConditionOptions): void;
}

function negate(op: ConditionOperation): ConditionOperation {
  return Object.freeze({ ...op, negate: !op.negate });
}

function requireBuild(what: string): PipelineBuild {
  const build = activeBuild();
  if (!build) {
    throw new PipelineDefinitionError(`${what} can only be used inside a pipeline function.`);
  }
  return build;
}

function requireCondition(
  build: PipelineBuild,
  what: string,
  condition: unknown,
): ConditionOperation {
  if (!isCondition(condition)) {
    throw new PipelineDefinitionError(
      `${what} needs a comparison of a pipeline parameter or task output, such as ` +
        `task.outputs.rows.ge(100) or params.mode.eq('always'); got ${typeof condition === 'boolean' ? `the constant ${condition}` : JSON.stringify(condition)}.`,
      { pipeline: build.pipelineName },
    );
  }
  if (isParamChannel(condition.operation.left) && condition.operation.left.build !== build) {
    throw new PipelineDefinitionError(
      `${what} tests '${condition.operation.left.fullName}', which belongs to pipeline '${condition.operation.left.build.pipelineName}'.`,
      { pipeline: build.pipelineName },
    );
  }
  return condition.operation;
}

/**
 * Runs `body`'s tasks only when `condition` holds at run time (KFP's `dsl.If`). Chain `.Elif()`
 * and `.Else()` for the other branches.
 */
export function If(
  condition: Condition,
  body: () => void,
  options: ConditionOptions = {},
): IfChain {
  const build = requireBuild('If');
  const op = requireCondition(build, 'If', condition);
  const parent = build.current;
  const first = newGroup('condition', `condition-${build.nextGroupId()}`, options.name, undefined, [
    op,
  ]);
  build.withGroup(first, body);

  let last: Group = first;
  let negated: ConditionOperation[] = [negate(op)];
  let wrapper: Group | undefined;
  let closed = false;

  const branch = (
    what: string,
    conditions: ConditionOperation[],
    branchBody: () => void,
    name?: string,
  ) => {
    if (closed)
      throw new PipelineDefinitionError(`${what} cannot follow Else.`, {
        pipeline: build.pipelineName,
      });
    if (build.current !== parent) {
      throw new PipelineDefinitionError(`${what} must be called in the same scope as its If.`, {
        pipeline: build.pipelineName,
      });
    }
    const container = wrapper ?? parent;
    if (container.groups[container.groups.length - 1] !== last) {
      throw new PipelineDefinitionError(
        `${what} must directly follow its If or Elif, with no other group in between.`,
        {
          pipeline: build.pipelineName,
        },
      );
    }
    if (!wrapper) {
      // KFP wraps the branches in a condition-branches group when the first Elif/Else appears, and
      // swaps the two groups' numbers so that the wrapper reads first.
      const id = build.nextGroupId();
      const ifId = first.name.slice('condition-'.length);
      wrapper = newGroup('condition-branches', `condition-branches-${ifId}`, undefined, parent, []);
      first.name = `condition-${id}`;
      parent.groups.splice(parent.groups.indexOf(first), 1, wrapper);
      wrapper.groups.push(first);
      first.parent = wrapper;
    }
    const group = newGroup(
      'condition',
      `condition-${build.nextGroupId()}`,
      name,
      undefined,
      conditions,
    );
    const w = wrapper;
    build.enter(w, () => build.withGroup(group, branchBody));
    last = group;
  };

  const chain: IfChain = {
    Elif(cond, elifBody, elifOptions = {}) {
      const elifOp = requireCondition(build, 'Elif', cond);
      branch('Elif', [...negated, elifOp], elifBody, elifOptions.name);
      negated = [...negated, negate(elifOp)];
      return chain;
    },
    Else(elseBody, elseOptions = {}) {
      branch('Else', [...negated], elseBody, elseOptions.name);
      closed = true;
    },
  };
  return chain;
}
