// The few typed errors the sidecar raises. Each names the gRPC status it
// becomes; the mapping to a wire status lives in grpc/grpc-status.ts only.

export type ErrorCode =
  | "invalid_argument"
  | "failed_precondition"
  | "resource_exhausted"
  | "unavailable"
  | "not_found"
  | "internal";

export abstract class DncError extends Error {
  abstract readonly code: ErrorCode;
}

/** A malformed request. `field` is the request path, e.g. `requests[3].channel`. */
export class InvalidArgumentError extends DncError {
  readonly code = "invalid_argument";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export class FailedPreconditionError extends DncError {
  readonly code = "failed_precondition";
}

export class ResourceExhaustedError extends DncError {
  readonly code = "resource_exhausted";
}

/** The store cannot answer; the filter must not guess. */
export class UnavailableError extends DncError {
  readonly code = "unavailable";
}

export class NotFoundError extends DncError {
  readonly code = "not_found";
}
