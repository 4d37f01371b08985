// What the doors ask before an admin call runs: who holds this bearer key,
// and may that principal call this method. Both doors use the same one.

import type { Role } from "../gen/dnc/v1/api_key_pb.js";

export interface Principal {
  name: string;
  role: Role;
}

export interface AdminAuth {
  /**
   * The principal of an `authorization` header value (`Bearer <key>`).
   * Throws UnauthenticatedError for a missing, unknown or revoked key.
   */
  authenticate(authorization: string | undefined): Principal;
  /** Throws PermissionDeniedError when the principal's role is too weak for the method (a localName). */
  authorize(principal: Principal, method: string): void;
  /** Calls `fn` once the key of the principal named `name` is revoked (the DNC_ADMIN_TOKEN key never is); returns what unsubscribes it. */
  onRevoked(name: string, fn: () => void): () => void;
}
