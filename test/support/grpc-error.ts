// Awaits a gRPC call that must fail and returns its error.

import type { ServiceError } from "@grpc/grpc-js";

export async function grpcError(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err: unknown) {
    return err as ServiceError;
  }
  throw new Error("expected the call to fail");
}
