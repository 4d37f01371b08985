// The one place errors become gRPC statuses. Anything that is not a DncError
// is an internal failure: reported as INTERNAL, never as an answer.

import { status, type ServiceError } from "@grpc/grpc-js";
import { DncError, type ErrorCode } from "../errors.js";

const codes: Record<ErrorCode, status> = {
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  already_exists: status.ALREADY_EXISTS,
  invalid_argument: status.INVALID_ARGUMENT,
  failed_precondition: status.FAILED_PRECONDITION,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  not_found: status.NOT_FOUND,
  internal: status.INTERNAL,
};

export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof DncError) return { code: codes[err.code], details: err.message };
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
