/**
 * Errors of the embedded engine. An {@link ApiError} carries the gRPC status code (and the HTTP
 * status grpc-gateway maps it to) that the REST API answers with, plus the request field or the
 * resource the error is about, so the `{code, message, details}` body can name it.
 */
import { PipelabError, type ErrorContext } from '../errors';

/** The gRPC status codes (google.rpc.Code) the API answers with. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The name of a gRPC status code. */
export type GrpcCodeName = keyof typeof GrpcCode;

/** The HTTP status grpc-gateway answers a gRPC code with. */
export function httpStatusOf(code: GrpcCodeName): number {
  switch (code) {
    case 'OK':
      return 200;
    case 'CANCELLED':
      return 499;
    case 'INVALID_ARGUMENT':
    case 'FAILED_PRECONDITION':
    case 'OUT_OF_RANGE':
      return 400;
    case 'DEADLINE_EXCEEDED':
      return 504;
    case 'NOT_FOUND':
      return 404;
    case 'ALREADY_EXISTS':
    case 'ABORTED':
      return 409;
    case 'PERMISSION_DENIED':
      return 403;
    case 'RESOURCE_EXHAUSTED':
      return 429;
    case 'UNIMPLEMENTED':
      return 501;
    case 'UNAVAILABLE':
      return 503;
    case 'UNAUTHENTICATED':
      return 401;
    default:
      return 500;
  }
}

/** Context an engine error can carry. */
export interface EngineErrorContext extends ErrorContext {
  /** The request field the error is about, as a dotted path (`run.runtime_config.parameters`). */
  readonly field?: string;
  /** The kind of resource the error is about (`run`, `pipeline`...). */
  readonly resourceType?: string;
  /** The id or name of that resource. */
  readonly resourceName?: string;
}

/** Base class of the engine's errors. */
export class EngineError extends PipelabError {
  readonly field: string | undefined;
  readonly resourceType: string | undefined;
  readonly resourceName: string | undefined;

  constructor(
    message: string,
    context: EngineErrorContext = {},
    options: { cause?: unknown; code?: string } = {},
  ) {
    const { field, resourceType, resourceName, ...rest } = context;
    super(message, rest, { cause: options.cause, code: options.code ?? 'ENGINE_ERROR' });
    this.field = field;
    this.resourceType = resourceType;
    this.resourceName = resourceName;
  }
}

/** An error the REST API answers with a given gRPC status. */
export class ApiError extends EngineError {
  /** The gRPC status name, e.g. `NOT_FOUND`. */
  readonly status: GrpcCodeName;
  /** The gRPC status number, the `code` of the error body. */
  readonly grpcCode: number;
  /** The HTTP status of the response. */
  readonly httpStatus: number;

  constructor(
    status: GrpcCodeName,
    message: string,
    context: EngineErrorContext = {},
    options: { cause?: unknown; code?: string; httpStatus?: number } = {},
  ) {
    super(message, context, { cause: options.cause, code: options.code ?? status });
    this.status = status;
    this.grpcCode = GrpcCode[status];
    this.httpStatus = options.httpStatus ?? httpStatusOf(status);
  }
}

/** A request field is missing, of the wrong type or has a bad value (3, HTTP 400). */
export class InvalidArgumentError extends ApiError {
  constructor(
    message: string,
    context: EngineErrorContext = {},
    options: { cause?: unknown } = {},
  ) {
    super('INVALID_ARGUMENT', message, context, options);
  }
}

/** The resource does not exist (5, HTTP 404). */
export class NotFoundError extends ApiError {
  constructor(resourceType: string, resourceName: string, message?: string) {
    super('NOT_FOUND', message ?? `${resourceType} '${resourceName}' not found.`, {
      resourceType,
      resourceName,
    });
  }
}

/** A resource with that name already exists (6, HTTP 409). */
export class AlreadyExistsError extends ApiError {
  constructor(message: string, context: EngineErrorContext = {}) {
    super('ALREADY_EXISTS', message, context);
  }
}

/** The resource is not in a state that allows the operation (9, HTTP 400). */
export class FailedPreconditionError extends ApiError {
  constructor(message: string, context: EngineErrorContext = {}) {
    super('FAILED_PRECONDITION', message, context);
  }
}

/** The operation is not implemented by the engine (12, HTTP 501). */
export class UnimplementedError extends ApiError {
  constructor(message: string, context: EngineErrorContext = {}) {
    super('UNIMPLEMENTED', message, context);
  }
}

/** The request body is larger than allowed (8, answered with HTTP 413 as KFP's upload does). */
export class PayloadTooLargeError extends ApiError {
  readonly limit: number;
  constructor(message: string, limit: number, context: EngineErrorContext = {}) {
    super('RESOURCE_EXHAUSTED', message, context, { httpStatus: 413 });
    this.limit = limit;
  }
}

/** The metadata database could not be opened, migrated or written. */
export class StoreError extends EngineError {
  constructor(
    message: string,
    context: EngineErrorContext = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, context, { ...options, code: 'STORE_ERROR' });
  }
}

/** The request carries no valid access token (16, HTTP 401). */
export class UnauthenticatedError extends ApiError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** The request is not allowed, e.g. a file outside the data directory (7, HTTP 403). */
export class PermissionDeniedError extends ApiError {
  constructor(message: string, context: EngineErrorContext = {}) {
    super('PERMISSION_DENIED', message, context);
  }
}

/**
 * The access token file (`<dataDir>/token`) cannot be used: readable by other users, empty, not a
 * regular file, or not writable. The engine refuses to start rather than serve an open API.
 */
export class AccessTokenError extends EngineError {
  constructor(message: string, file: string, options: { cause?: unknown } = {}) {
    super(message, { file }, { ...options, code: 'ACCESS_TOKEN_UNUSABLE' });
  }
}

/** {@link startEngine} was given an invalid option. */
export class EngineOptionsError extends EngineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {}, { ...options, code: 'ENGINE_OPTIONS_INVALID' });
  }
}
