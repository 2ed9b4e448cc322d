/**
 * The error body of the REST API: google.rpc.Status as grpc-gateway writes it, `{code, message,
 * details}`, with `details` naming what the error is about (google.rpc.BadRequest for a request
 * field, google.rpc.ResourceInfo for a resource, google.rpc.ErrorInfo with Pipelab's error code).
 */
import { PipelabError, PipelineLoadError } from '../../errors';
import { RunnerError, RunOptionsError } from '../runner';
import { ScheduleError } from '../schedule/errors';
import { ApiError, GrpcCode, InvalidArgumentError } from '../errors';

/** google.rpc.Status in its JSON form. */
export interface StatusBody {
  code: number;
  message: string;
  details: Record<string, unknown>[];
}

const TYPE_PREFIX = 'type.googleapis.com/google.rpc.';

/** Turns any thrown value into the {@link ApiError} the API answers with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PipelineLoadError) {
    return new InvalidArgumentError(error.message, { field: 'uploadfile' }, { cause: error });
  }
  if (error instanceof ScheduleError) {
    return new InvalidArgumentError(
      error.message,
      error.field !== undefined ? { field: error.field } : {},
      { cause: error },
    );
  }
  if (error instanceof RunnerError) {
    const field = error.context.parameter
      ? `run.runtime_config.parameters.${error.context.parameter}`
      : error instanceof RunOptionsError && error.option === 'pipelineRoot'
        ? 'run.runtime_config.pipeline_root'
        : undefined;
    return new InvalidArgumentError(error.message, field ? { field } : {}, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError('INTERNAL', `internal error: ${message}`, {}, { cause: error });
}

/** The `{code, message, details}` body of an error. */
export function statusBody(error: ApiError): StatusBody {
  const details: Record<string, unknown>[] = [];
  if (error.field !== undefined) {
    details.push({
      '@type': `${TYPE_PREFIX}BadRequest`,
      field_violations: [{ field: error.field, description: error.message }],
    });
  }
  if (error.resourceType !== undefined) {
    details.push({
      '@type': `${TYPE_PREFIX}ResourceInfo`,
      resource_type: error.resourceType,
      resource_name: error.resourceName ?? '',
      description: error.message,
    });
  }
  const cause = error.cause;
  const reason = cause instanceof PipelabError ? cause.code : error.code;
  details.push({ '@type': `${TYPE_PREFIX}ErrorInfo`, reason, domain: 'pipelab.engine' });
  return { code: error.grpcCode, message: error.message, details };
}

/** The body of a request for a path no route serves. */
export function routeNotFoundBody(method: string, path: string): StatusBody {
  return {
    code: GrpcCode.NOT_FOUND,
    message: `Not Found: no API operation ${method} ${path}`,
    details: [
      { '@type': `${TYPE_PREFIX}ErrorInfo`, reason: 'ROUTE_NOT_FOUND', domain: 'pipelab.engine' },
    ],
  };
}
