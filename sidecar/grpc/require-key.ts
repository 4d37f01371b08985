// Wraps a grpc-js unary handler so that it runs only for a caller with a
// valid API key, of any role: the FilterService under --filter-token.

import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import type { AdminAuth } from "../auth/admin-auth.js";
import { toServiceError } from "./grpc-status.js";

export function requireKey(auth: AdminAuth, handler: handleUnaryCall<Buffer, Buffer>): handleUnaryCall<Buffer, Buffer> {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    const header = call.metadata.get("authorization")[0];
    try {
      auth.authenticate(typeof header === "string" ? header : undefined);
    } catch (err: unknown) {
      callback(toServiceError(err));
      return;
    }
    handler(call, callback);
  };
}
