/**
 * A task: one call of a component inside a pipeline function. Its settings (caching, retries,
 * display name, ordering, environment, resources) are set with chainable methods named after
 * KFP's `PipelineTask` methods.
 */
import { PipelineDefinitionError } from '../errors';
import { ArtifactChannel, ParamChannel, type Channel } from './channel';
import type { AnyComponent } from './component';
import type { Group, PipelineBuild } from './context';
import type { JsonValue } from './types';

const TASK = Symbol.for('pipelab.dsl.task');

export interface RetryOptions {
  /** How many times to retry a failed attempt. */
  numRetries: number;
  /** Wait before the first retry, as a duration such as `'10s'` or `'1m'`. @default '0s' */
  backoffDuration?: string;
  /** Each wait is the previous one times this factor. @default 2 */
  backoffFactor?: number;
  /** The longest wait; KFP caps it at one hour. @default '3600s' */
  backoffMaxDuration?: string;
}

export interface RetryPolicy {
  readonly maxRetryCount: number;
  readonly backoffDuration: string;
  readonly backoffFactor: number;
  readonly backoffMaxDuration: string;
}

/** A task input: a constant, or a channel from a pipeline parameter or an upstream task. */
export type TaskArgument = JsonValue | Channel;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Converts `'90s'`, `'1.5m'`, `'2h'` to whole seconds, or throws naming the bad value. */
export function durationSeconds(
  value: string,
  what: string,
  ctx: { pipeline?: string; task?: string },
): number {
  const m = DURATION.exec(value.trim());
  if (!m) {
    throw new PipelineDefinitionError(
      `${what} '${value}' is not a duration; write a number with a unit, such as '30s', '5m' or '1h'.`,
      ctx,
    );
  }
  const n = Number(m[1]);
  const scale = { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(n * scale);
}

/** Any task, whatever its outputs (what `after()` accepts). */
export interface TaskRef {
  readonly name: string;
  readonly component: AnyComponent;
}

export class PipelineTask<O = Record<string, Channel>> {
  readonly [TASK] = true;
  /** The task's key in its DAG; unique in the pipeline. */
  readonly name: string;
  readonly component: AnyComponent;
  readonly args: Readonly<Record<string, TaskArgument>>;
  readonly build: PipelineBuild;
  readonly group: Group;
  /** The task's outputs, by name, to pass to downstream tasks. */
  readonly outputs: O;

  displayName: string | undefined;
  enableCaching = true;
  retryPolicy: RetryPolicy | undefined;
  readonly upstream = new Set<PipelineTask<unknown>>();
  readonly env: Record<string, string> = {};
  cpuLimit: string | undefined;
  memoryLimit: string | undefined;

  constructor(init: {
    name: string;
    component: AnyComponent;
    args: Record<string, TaskArgument>;
    build: PipelineBuild;
    group: Group;
  }) {
    this.name = init.name;
    this.component = init.component;
    this.args = Object.freeze({ ...init.args });
    this.build = init.build;
    this.group = init.group;
    const outputs: Record<string, Channel> = {};
    for (const [key, spec] of Object.entries(init.component.outputs)) {
      outputs[key] =
        spec.kind === 'parameter'
          ? new ParamChannel(key, spec.type, this as PipelineTask<unknown>, init.build)
          : new ArtifactChannel(
              key,
              spec.schemaTitle,
              spec.schemaVersion,
              this as PipelineTask<unknown>,
              init.build,
            );
    }
    this.outputs = Object.freeze(outputs) as O;
  }

  private get ctx(): { pipeline: string; task: string } {
    return { pipeline: this.build.pipelineName, task: this.name };
  }

  /** The task's only output (KFP's `.output`); throws when it has none or several. */
  get output(): unknown extends O ? Channel : O[keyof O] {
    const keys = Object.keys(this.outputs as object);
    if (keys.length !== 1) {
      throw new PipelineDefinitionError(
        `task '${this.name}' has ${keys.length === 0 ? 'no outputs' : `${keys.length} outputs (${keys.join(', ')})`}; ` +
          `use .outputs.<name> to pick one.`,
        this.ctx,
      );
    }
    return (this.outputs as Record<string, never>)[keys[0] as string] as never;
  }

  /** Runs this task only after the given tasks, even without a data dependency. */
  after(...tasks: TaskRef[]): this {
    for (const t of tasks) {
      if (!isTask(t)) {
        throw new PipelineDefinitionError(
          `after() of task '${this.name}' takes tasks; got ${String(t)}.`,
          this.ctx,
        );
      }
      this.upstream.add(t);
    }
    return this;
  }

  /** Turns reuse of cached results on or off for this task. */
  setCachingOptions(enableCaching: boolean): this {
    this.enableCaching = enableCaching;
    return this;
  }

  /** The name shown for this task in the UI (`taskInfo.name`). */
  setDisplayName(name: string): this {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new PipelineDefinitionError(
        `the display name of task '${this.name}' must be non-empty text.`,
        this.ctx,
      );
    }
    this.displayName = name;
    return this;
  }

  /** Retries failed attempts with exponential backoff (KFP's `set_retry`). */
  setRetry(options: RetryOptions): this {
    const {
      numRetries,
      backoffDuration = '0s',
      backoffFactor = 2,
      backoffMaxDuration = '3600s',
    } = options;
    if (!Number.isInteger(numRetries) || numRetries < 0) {
      throw new PipelineDefinitionError(
        `setRetry on task '${this.name}': numRetries must be a whole number ≥ 0; got ${numRetries}.`,
        this.ctx,
      );
    }
    if (!(backoffFactor > 0)) {
      throw new PipelineDefinitionError(
        `setRetry on task '${this.name}': backoffFactor must be > 0; got ${backoffFactor}.`,
        this.ctx,
      );
    }
    const first = durationSeconds(backoffDuration, 'backoffDuration', this.ctx);
    const max = Math.min(durationSeconds(backoffMaxDuration, 'backoffMaxDuration', this.ctx), 3600);
    this.retryPolicy = Object.freeze({
      maxRetryCount: numRetries,
      backoffDuration: `${first}s`,
      backoffFactor,
      backoffMaxDuration: `${max}s`,
    });
    return this;
  }

  /** Sets an environment variable for this task's container. */
  setEnvVariable(name: string, value: string): this {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new PipelineDefinitionError(
        `'${name}' is not a valid environment variable name.`,
        this.ctx,
      );
    }
    this.env[name] = String(value);
    return this;
  }

  /** CPU limit such as `'2'` or `'500m'`. */
  setCpuLimit(cpu: string): this {
    if (!/^(\d+(\.\d+)?|\d+m)$/.test(cpu)) {
      throw new PipelineDefinitionError(
        `CPU limit '${cpu}' must look like '2', '0.5' or '500m'.`,
        this.ctx,
      );
    }
    this.cpuLimit = cpu;
    return this;
  }

  /** Memory limit such as `'4G'` or `'512Mi'`. */
  setMemoryLimit(memory: string): this {
    if (!/^\d+(\.\d+)?(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)?$/.test(memory)) {
      throw new PipelineDefinitionError(
        `memory limit '${memory}' must look like '4G' or '512Mi'.`,
        this.ctx,
      );
    }
    this.memoryLimit = memory;
    return this;
  }
}

export function isTask(value: unknown): value is PipelineTask<unknown> {
  return typeof value === 'object' && value !== null && TASK in value;
}
