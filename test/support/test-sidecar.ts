// Starts a sidecar for an end-to-end test: loopback ports picked by the OS,
// a known admin token, no log output; with a plain gRPC client for it.

import { GrpcClient } from "../../sidecar/grpc/grpc-client.js";
import { createLogger } from "../../sidecar/logging/logger.js";
import { Sidecar } from "../../sidecar/sidecar.js";

export async function startTestSidecar(dataDir: string, adminToken: string): Promise<{ sidecar: Sidecar; client: GrpcClient }> {
  const sidecar = await Sidecar.start({
    dataDir,
    grpcListen: "127.0.0.1:0",
    httpListen: "127.0.0.1:0",
    maxBatch: 1000,
    adminToken,
    logger: createLogger("silent"),
  });
  return { sidecar, client: new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`) };
}
