// Who is calling an admin method, as both doors (gRPC and Connect) hand it
// to the one implementation after authenticating the call.

import type { Role } from "../gen/dnc/v1/api_key_pb.js";

export interface CallContext {
  /** The API key's name: recorded as added_by and as the history's actor. */
  principal: string;
  role: Role;
  /** Aborted when the client goes away (streaming methods stop on it). */
  signal: AbortSignal;
}
