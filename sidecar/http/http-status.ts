// The one place errors become HTTP statuses, for the plain routes of the
// admin port (imports and exports; the Connect door has connect-status.ts): a JSON body
// with the code and the message, as anything not a DncError is INTERNAL.

import type { ServerResponse } from "node:http";
import { DncError, type ErrorCode, messageOf } from "../errors.js";

const STATUS: Record<ErrorCode, number> = {
  unauthenticated: 401,
  permission_denied: 403,
  already_exists: 409,
  invalid_argument: 400,
  failed_precondition: 409,
  resource_exhausted: 413,
  deadline_exceeded: 408,
  unavailable: 503,
  not_found: 404,
  internal: 500,
};

export function sendHttpError(res: ServerResponse, err: unknown): void {
  const code: ErrorCode = err instanceof DncError ? err.code : "internal";
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (code === "unauthenticated") headers["www-authenticate"] = "Bearer";
  res.writeHead(STATUS[code], headers).end(`${JSON.stringify({ code, message: messageOf(err) })}\n`);
}
