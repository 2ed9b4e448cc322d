/**
 * Every error Pipelab throws on purpose derives from {@link PipelabError}. Each subclass carries
 * the context a caller needs to act on it (which pipeline, task, parameter or file) as readonly
 * fields, and a stable `code`.
 *
 * tslab re-evaluates cells and a process can hold two copies of this module (the CLI loading a
 * user's pipeline file, say), so `instanceof` compares the class names recorded on the error
 * under a globally registered symbol, not the prototype chain of one copy of the class.
 */

const LINEAGE = Symbol.for('pipelab.error.lineage');

export interface ErrorContext {
  /** The pipeline being defined, compiled or loaded. */
  readonly pipeline?: string;
  /** The task (dag key) the error is about. */
  readonly task?: string;
  /** The component the error is about. */
  readonly component?: string;
  /** The input or output (parameter or artifact) the error is about. */
  readonly parameter?: string;
  /** The file, or archive member, the error is about. */
  readonly file?: string;
}

export class PipelabError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(
    message: string,
    context: ErrorContext = {},
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'PIPELAB_ERROR';
    this.context = Object.freeze({ ...context });
    const lineage: string[] = [];
    for (let p: object | null = new.target.prototype; p && p !== Error.prototype;) {
      lineage.push((p as { constructor: { name: string } }).constructor.name);
      p = Object.getPrototypeOf(p) as object | null;
    }
    Object.defineProperty(this, LINEAGE, { value: lineage });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const lineage = (value as { [LINEAGE]?: string[] })[LINEAGE];
    return Array.isArray(lineage) && lineage.includes(this.name);
  }
}

/** A pipeline or component definition is invalid (raised while defining or compiling it). */
export class PipelineDefinitionError extends PipelabError {
  constructor(message: string, context: ErrorContext = {}, options: { cause?: unknown } = {}) {
    super(message, context, { ...options, code: 'INVALID_PIPELINE' });
  }
}

/** A function component uses something from outside its own body. */
export class NotSelfContainedError extends PipelineDefinitionError {
  readonly identifiers: readonly string[];
  constructor(message: string, identifiers: readonly string[], context: ErrorContext = {}) {
    super(message, context);
    this.identifiers = identifiers;
  }
}

/** A compiled pipeline file could not be read back: not YAML, not a PipelineSpec, unsafe archive. */
export class PipelineLoadError extends PipelabError {
  constructor(message: string, context: ErrorContext = {}, options: { cause?: unknown } = {}) {
    super(message, context, { ...options, code: 'INVALID_PIPELINE_FILE' });
  }
}

/** Wrong command-line usage. */
export class UsageError extends PipelabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {}, { ...options, code: 'USAGE' });
  }
}

/** A compiled pipeline could not be written (the file system refused); nothing was left behind. */
export class PipelineWriteError extends PipelabError {
  constructor(message: string, context: ErrorContext = {}, options: { cause?: unknown } = {}) {
    super(message, context, { ...options, code: 'PACKAGE_WRITE_FAILED' });
  }
}
