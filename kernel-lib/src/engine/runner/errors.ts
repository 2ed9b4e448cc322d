/**
 * Errors of the local runner. Those thrown by `runPipeline` itself (a spec it cannot run, bad
 * options or parameters) reach the caller; those raised inside a task end up as the task's
 * `error` text and fail only that task.
 */
import { PipelabError, type ErrorContext } from '../../errors';

/** Context every runner error can carry. */
export interface RunnerErrorContext extends ErrorContext {
  /** The run the error happened in. */
  readonly runId?: string;
}

/** Base class of the runner's errors. */
export class RunnerError extends PipelabError {
  readonly runId: string | undefined;
  readonly task: string | undefined;

  constructor(
    message: string,
    context: RunnerErrorContext = {},
    options: { cause?: unknown; code?: string } = {},
  ) {
    const { runId, ...rest } = context;
    super(message, rest, { cause: options.cause, code: options.code ?? 'RUNNER_ERROR' });
    this.runId = runId;
    this.task = context.task;
  }
}

/** The PipelineSpec uses something the runner cannot execute, or is inconsistent. */
export class RunSpecError extends RunnerError {
  constructor(
    message: string,
    context: RunnerErrorContext = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, context, { ...options, code: 'RUN_SPEC_INVALID' });
  }
}

/** An option given to `runPipeline` is invalid. */
export class RunOptionsError extends RunnerError {
  /** The option at fault (`pipelineRoot`...), when one is. */
  readonly option: string | undefined;
  constructor(
    message: string,
    context: RunnerErrorContext = {},
    options: { cause?: unknown; option?: string } = {},
  ) {
    super(message, context, { cause: options.cause, code: 'RUN_OPTIONS_INVALID' });
    this.option = options.option;
  }
}

/** A runtime parameter is missing, unknown or of the wrong type. */
export class RunParameterError extends RunOptionsError {
  readonly parameter: string;
  constructor(message: string, parameter: string, context: RunnerErrorContext = {}) {
    super(message, { ...context, parameter });
    this.parameter = parameter;
  }
}

/** Something went wrong in one task; its message becomes the task's error. */
export class TaskError extends RunnerError {
  constructor(
    message: string,
    context: RunnerErrorContext = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, context, { ...options, code: 'TASK_FAILED' });
  }
}

/** A `triggerPolicy.condition` could not be parsed or evaluated. */
export class ConditionError extends RunnerError {
  readonly expression: string;
  /** The character offset the problem was found at, if known. */
  readonly position: number | undefined;
  constructor(message: string, expression: string, position?: number) {
    super(message, {}, { code: 'CONDITION_INVALID' });
    this.expression = expression;
    this.position = position;
  }
}

/** A placeholder in a command line could not be resolved; the message says which and why. */
export class PlaceholderError extends RunnerError {
  constructor(message: string, context: RunnerErrorContext = {}) {
    super(message, context, { code: 'PLACEHOLDER_UNRESOLVED' });
  }
}

/** A cache store could not be read or written. */
export class CacheStoreError extends RunnerError {
  constructor(
    message: string,
    context: RunnerErrorContext = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, context, { ...options, code: 'CACHE_STORE_ERROR' });
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
