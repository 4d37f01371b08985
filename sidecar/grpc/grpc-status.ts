// The one place the sidecar's errors become gRPC statuses (the native door's
// refusals of a malformed call are grpc-js's own, in native-unary.ts).
// Anything that is not a DncError is an internal failure: reported as
// INTERNAL, never as an answer. Details
// (google.rpc.BadRequest…) go in the grpc-status-details-bin trailer as a
// google.rpc.Status, where gRPC clients' rich-error helpers look for them.

import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { errorDetails } from "../error-details.js";
import { DncError, type ErrorCode, messageOf } from "../errors.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";

const codes: Record<ErrorCode, status> = {
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  already_exists: status.ALREADY_EXISTS,
  invalid_argument: status.INVALID_ARGUMENT,
  failed_precondition: status.FAILED_PRECONDITION,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  unavailable: status.UNAVAILABLE,
  not_found: status.NOT_FOUND,
  internal: status.INTERNAL,
};

export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** An error as gRPC carries it: the code, the message, and a google.rpc.Status with the details, if any. */
export interface GrpcStatus {
  code: status;
  message: string;
  details?: Buffer;
}

/** A status mapped already, by the thread that answered the call (the filter port's worker carries it on as it came). */
export class MappedStatusError extends Error {
  constructor(readonly status: GrpcStatus) {
    super(status.message);
  }
}

export function grpcCodeOf(err: unknown): status {
  return err instanceof DncError ? codes[err.code] : status.INTERNAL;
}

export function toGrpcStatus(err: unknown): GrpcStatus {
  if (err instanceof MappedStatusError) return err.status;
  if (!(err instanceof DncError)) return { code: status.INTERNAL, message: messageOf(err) };
  const code = grpcCodeOf(err);
  const details = errorDetails(err);
  if (details.length === 0) return { code, message: err.message };
  const rich = create(StatusSchema, { code, message: err.message, details: details.map((d) => anyPack(d.desc, d.value)) });
  return { code, message: err.message, details: Buffer.from(toBinary(StatusSchema, rich)) };
}

export function toServiceError(err: unknown): Partial<ServiceError> {
  const { code, message, details } = toGrpcStatus(err);
  if (details === undefined) return { code, details: message };
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, details);
  return { code, details: message, metadata };
}
