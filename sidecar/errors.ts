// The few typed errors the sidecar raises. Each names the gRPC status it
// becomes; the mapping to a wire status lives in grpc/grpc-status.ts only.

export type ErrorCode =
  | "unauthenticated"
  | "permission_denied"
  | "already_exists"
  | "invalid_argument"
  | "failed_precondition"
  | "resource_exhausted"
  | "deadline_exceeded"
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

/** No key, or a key that is unknown or revoked. */
export class UnauthenticatedError extends DncError {
  readonly code = "unauthenticated";
}

/** A valid key whose role is too weak for the method. */
export class PermissionDeniedError extends DncError {
  readonly code = "permission_denied";
}

export class AlreadyExistsError extends DncError {
  readonly code = "already_exists";
}

export class FailedPreconditionError extends DncError {
  readonly code = "failed_precondition";
}

export class ResourceExhaustedError extends DncError {
  readonly code = "resource_exhausted";
}

/** A client that stopped sending in the middle of a request. */
export class DeadlineExceededError extends DncError {
  readonly code = "deadline_exceeded";
}

/** The sidecar cannot take the call now (the store cannot answer; every upload slot is taken): retry. The filter must not guess. */
export class UnavailableError extends DncError {
  readonly code = "unavailable";
}

export class NotFoundError extends DncError {
  readonly code = "not_found";
}

/** What went wrong, for a message: an Error's own text, anything else as a string. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
