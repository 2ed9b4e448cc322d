/**
 * Channels: the values that flow between tasks while a pipeline is being wired. A channel is a
 * pipeline parameter or a task's output; passing one to a component call makes a dependency.
 * Comparing one (`rows.ge(100)`) makes a condition for `If`.
 */
import { PipelineDefinitionError } from '../errors';
import type { JsonValue, ParameterType, ParameterValue } from './types';
import type { PipelineBuild } from './context';
import type { PipelineTask } from './task';

const CHANNEL = Symbol.for('pipelab.dsl.channel');

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** One comparison of a condition: `left op right`, possibly negated (for Elif/Else). */
export interface ConditionOperation {
  readonly left: ParamChannel | JsonValue;
  readonly operator: Comparison;
  readonly right: ParamChannel | JsonValue;
  readonly negate: boolean;
}

const CONDITION = Symbol.for('pipelab.dsl.condition');

/** The result of comparing a channel; only usable as the test of `If`/`Elif`. */
export interface Condition {
  readonly [CONDITION]: true;
  readonly operation: ConditionOperation;
}

export function isCondition(value: unknown): value is Condition {
  return typeof value === 'object' && value !== null && CONDITION in value;
}

abstract class ChannelBase {
  readonly [CHANNEL] = true;
  /** The output key, or the pipeline parameter's name. */
  readonly name: string;
  /** The producing task; absent for pipeline parameters. */
  readonly task: PipelineTask<unknown> | undefined;
  /** The pipeline build the channel belongs to. */
  readonly build: PipelineBuild;

  constructor(name: string, task: PipelineTask<unknown> | undefined, build: PipelineBuild) {
    this.name = name;
    this.task = task;
    this.build = build;
  }

  /** `<task>-<output>` or the parameter name: what KFP calls the channel's full name. */
  get fullName(): string {
    return this.task ? `${this.task.name}-${this.name}` : this.name;
  }

  /** The input name a DAG component uses for it (`pipelinechannel--<full name>`). */
  get channelInputName(): string {
    return `pipelinechannel--${this.fullName}`;
  }

  toString(): string {
    const where = this.task
      ? `output '${this.name}' of task '${this.task.name}'`
      : `pipeline parameter '${this.name}'`;
    throw new PipelineDefinitionError(
      `${where} was used as text while the pipeline is being defined. Its value only exists when ` +
        `the pipeline runs: pass it as a component input instead.`,
      { pipeline: this.build.pipelineName, parameter: this.name },
    );
  }
}

type Operand<T extends ParameterType> = ParameterValue<T> | ParamChannel;

/** A parameter value: a pipeline parameter or a task's output parameter. */
export class ParamChannel<T extends ParameterType = ParameterType> extends ChannelBase {
  readonly kind = 'parameter' as const;
  readonly type: T;

  constructor(
    name: string,
    type: T,
    task: PipelineTask<unknown> | undefined,
    build: PipelineBuild,
  ) {
    super(name, task, build);
    this.type = type;
  }

  private compare(operator: Comparison, other: Operand<T>): Condition {
    if (!isChannel(other) && (typeof other === 'object' || other === undefined)) {
      throw new PipelineDefinitionError(
        `a condition on ${this.fullName} can compare with a string, number, boolean or another ` +
          `parameter; got ${JSON.stringify(other)}.`,
        { pipeline: this.build.pipelineName, parameter: this.name },
      );
    }
    return Object.freeze({
      [CONDITION]: true as const,
      operation: Object.freeze({
        left: this,
        operator,
        right: other as ParamChannel | JsonValue,
        negate: false,
      }),
    });
  }

  eq(other: Operand<T>): Condition {
    return this.compare('==', other);
  }
  ne(other: Operand<T>): Condition {
    return this.compare('!=', other);
  }
  lt(other: Operand<T>): Condition {
    return this.compare('<', other);
  }
  le(other: Operand<T>): Condition {
    return this.compare('<=', other);
  }
  gt(other: Operand<T>): Condition {
    return this.compare('>', other);
  }
  ge(other: Operand<T>): Condition {
    return this.compare('>=', other);
  }
}

/** An artifact produced by a task. */
export class ArtifactChannel<S extends string = string> extends ChannelBase {
  readonly kind = 'artifact' as const;
  readonly schemaTitle: S;
  readonly schemaVersion: string;

  constructor(
    name: string,
    schemaTitle: S,
    schemaVersion: string,
    task: PipelineTask<unknown>,
    build: PipelineBuild,
  ) {
    super(name, task, build);
    this.schemaTitle = schemaTitle;
    this.schemaVersion = schemaVersion;
  }
}

export type Channel = ParamChannel | ArtifactChannel;

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'object' && value !== null && CHANNEL in value;
}

export function isParamChannel(value: unknown): value is ParamChannel {
  return isChannel(value) && value.kind === 'parameter';
}
