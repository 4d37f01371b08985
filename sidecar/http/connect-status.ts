// The one place errors become Connect codes, for every protocol the admin
// HTTP port speaks (Connect, gRPC-web, gRPC). As on the gRPC door, anything
// that is not a DncError is INTERNAL; details ride along as connect-es
// encodes them (in the Connect error body, or grpc-status-details-bin).

import { Code, ConnectError } from "@connectrpc/connect";
import { errorDetails } from "../error-details.js";
import { DncError, type ErrorCode, messageOf } from "../errors.js";

const codes: Record<ErrorCode, Code> = {
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  already_exists: Code.AlreadyExists,
  invalid_argument: Code.InvalidArgument,
  failed_precondition: Code.FailedPrecondition,
  deadline_exceeded: Code.DeadlineExceeded,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  not_found: Code.NotFound,
  internal: Code.Internal,
};

export function toConnectError(err: unknown): ConnectError {
  if (err instanceof DncError) return new ConnectError(err.message, codes[err.code], undefined, errorDetails(err), err);
  return new ConnectError(messageOf(err), Code.Internal, undefined, undefined, err);
}
