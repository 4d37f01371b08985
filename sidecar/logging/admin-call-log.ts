// One log line per admin call, on either door: who (the key's name, absent
// when authentication failed), which method, the outcome and how long it
// took. Auth failures are warnings, so refused attempts stand out; the
// authorization header itself is never logged.

import { DncError, type ErrorCode } from "../errors.js";
import type { Logger } from "./logger.js";

/** "http": a plain HTTP route on the admin port that runs an AdminService method (the export download). */
export type Door = "grpc" | "connect" | "http";

/** An ErrorCode, or what a call that raised none came to. */
type Outcome = "ok" | "canceled" | ErrorCode;

export interface AdminCallFields {
  door: Door;
  /** The RPC name, e.g. AddEntries. */
  method: string;
  principal: string | undefined;
  peer: string | undefined;
  /** From performance.now() when the call arrived. */
  startedAt: number;
}

export class AdminCallLog {
  constructor(private readonly logger: Logger) {}

  /** Logs a finished call. `error` is what it threw, if anything; `canceled` says the client went away. */
  record(call: AdminCallFields, error: unknown, canceled: boolean): void {
    const outcome = outcomeOf(error, canceled);
    const line = {
      door: call.door,
      method: call.method,
      principal: call.principal ?? null,
      peer: call.peer,
      outcome,
      durationMs: Math.round((performance.now() - call.startedAt) * 1000) / 1000,
      ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
    };
    if (outcome === "internal") this.logger.error(line, "admin call failed");
    else if (outcome === "unauthenticated" || outcome === "permission_denied") this.logger.warn(line, "admin call refused");
    else this.logger.info(line, "admin call");
  }
}

function outcomeOf(error: unknown, canceled: boolean): Outcome {
  if (canceled) return "canceled";
  if (error === undefined) return "ok";
  return error instanceof DncError ? error.code : "internal";
}
