// Who is calling an admin method, as both doors (gRPC and, later, Connect)
// hand it to the one implementation.

export interface CallContext {
  /** Recorded as added_by and as the history's actor. */
  principal: string;
}
