/**
 * Errors of the model server and its registry. Each carries what a caller needs to act on it (the
 * model, the version, the file) and, for errors a request can cause, the HTTP status the server
 * answers with (in TensorFlow Serving's `{"error": "..."}` body).
 */
import { PipelabError, type ErrorContext } from '../errors';

/** Base class of every error the model server and the registry raise on purpose. */
export class ServingError extends PipelabError {
  /** The HTTP status a request failing with this error is answered with. */
  readonly httpStatus: number;

  constructor(
    message: string,
    context: ErrorContext = {},
    options: { cause?: unknown; code?: string; httpStatus?: number } = {},
  ) {
    super(
      message,
      { component: 'serving', ...context },
      { code: options.code ?? 'SERVING_ERROR', cause: options.cause },
    );
    this.httpStatus = options.httpStatus ?? 500;
  }
}

/** An option of the server or the registry is invalid. */
export class ServingOptionsError extends ServingError {
  constructor(message: string, parameter: string, options: { cause?: unknown } = {}) {
    super(message, { parameter }, { ...options, code: 'INVALID_SERVING_OPTION' });
  }
}

/** No model of that name is in the registry (or it has no version yet). */
export class ModelNotFoundError extends ServingError {
  readonly model: string;
  constructor(model: string, message?: string) {
    super(
      message ?? `Servable not found for request: Latest(${model})`,
      {},
      {
        code: 'MODEL_NOT_FOUND',
        httpStatus: 404,
      },
    );
    this.model = model;
  }
}

/** The model has no such version, or no version under that label. */
export class VersionNotFoundError extends ServingError {
  readonly model: string;
  /** The version number or label asked for. */
  readonly version: string;
  constructor(model: string, version: number | string, message?: string) {
    super(
      message ?? `Servable not found for request: Specific(${model}, ${version})`,
      {},
      {
        code: 'VERSION_NOT_FOUND',
        httpStatus: 404,
      },
    );
    this.model = model;
    this.version = String(version);
  }
}

/** A deploy asked for a version number that exists, without replacing it. */
export class VersionExistsError extends ServingError {
  readonly model: string;
  readonly version: number;
  constructor(model: string, version: number) {
    super(
      `version ${version} of model '${model}' already exists; pass replaceExisting to replace it`,
      {},
      { code: 'VERSION_EXISTS', httpStatus: 409 },
    );
    this.model = model;
    this.version = version;
  }
}

/**
 * A deploy asked to replace the files of the model's default version while saying the new files
 * must not become the default (the deploy step's quality gate rejected them, or set_default is
 * false): replacing them would serve them as the default all the same.
 */
export class DefaultVersionReplaceError extends ServingError {
  readonly model: string;
  readonly version: number;
  constructor(model: string, version: number) {
    super(
      `cannot replace version ${version} of model '${model}': it is the default version, and this ` +
        'deploy must not change what the default serves (not to be made the default); deploy it as ' +
        'another version, or make the default another version first',
      {},
      { code: 'DEFAULT_VERSION_REPLACE', httpStatus: 409 },
    );
    this.model = model;
    this.version = version;
  }
}

/** There is no earlier default version to roll back to. */
export class RollbackError extends ServingError {
  readonly model: string;
  constructor(model: string, message: string) {
    super(message, {}, { code: 'NO_ROLLBACK_TARGET', httpStatus: 409 });
    this.model = model;
  }
}

/** The registry on disk cannot be read or changed (I/O error, unreadable pointer, lock timeout). */
export class RegistryError extends ServingError {
  constructor(message: string, file?: string, options: { cause?: unknown } = {}) {
    super(message, file === undefined ? {} : { file }, { ...options, code: 'REGISTRY_ERROR' });
  }
}

/** A request is malformed: bad JSON, bad instances, unknown route parameters. */
export class InvalidRequestError extends ServingError {
  constructor(message: string, httpStatus = 400) {
    super(message, {}, { code: 'INVALID_REQUEST', httpStatus });
  }
}

/** The requested version exists but is not loaded (still loading, or failed to load). */
export class VersionUnavailableError extends ServingError {
  readonly model: string;
  readonly version: number;
  constructor(model: string, version: number, state: string, reason?: string) {
    super(
      `version ${version} of model '${model}' is not available (state ${state})` +
        (reason ? `: ${reason}` : ''),
      {},
      { code: 'VERSION_UNAVAILABLE', httpStatus: 503 },
    );
    this.model = model;
    this.version = version;
  }
}
