// Starts a sidecar for an end-to-end test: loopback ports picked by the OS,
// a known admin token, no log output unless the test asks; with a plain gRPC
// client for it.

import { GrpcClient } from "../../sidecar/grpc/grpc-client.js";
import { createLogger } from "../../sidecar/logging/logger.js";
import { Sidecar, type SidecarOptions } from "../../sidecar/sidecar.js";

/** A sidecar on loopback ports the OS picks; `options` add to or override the defaults. */
export function startLoopbackSidecar(dataDir: string, adminToken: string, options: Partial<SidecarOptions> = {}): Promise<Sidecar> {
  return Sidecar.start({
    dataDir,
    grpcListen: "127.0.0.1:0",
    httpListen: "127.0.0.1:0",
    maxBatch: 1000,
    adminToken,
    logger: createLogger("silent"),
    ...options,
  });
}

export async function startTestSidecar(dataDir: string, adminToken: string, options: Partial<SidecarOptions> = {}): Promise<{ sidecar: Sidecar; client: GrpcClient }> {
  const sidecar = await startLoopbackSidecar(dataDir, adminToken, options);
  return { sidecar, client: new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`) };
}
