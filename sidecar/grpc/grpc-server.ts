// The data port: grpc-js serving FilterService and AdminService, with the
// standard health service and server reflection.

import { Server, ServerCredentials } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { RawService } from "./unary-method.js";
import { reflectionPackage } from "./reflection-files.js";

export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** PEM contents. With `clientCa`, TLS is mutual: a client must present a certificate that CA signed. */
export interface TlsOptions {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

export class GrpcServer {
  private readonly server = new Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  readonly health = new HealthImplementation({ "": "NOT_SERVING" });

  constructor(services: Record<string, RawService>) {
    for (const [, s] of Object.entries(services)) this.server.addService(s.definition, s.implementation);
    this.health.addToServer(this.server);
    new ReflectionService(reflectionPackage()).addToServer(this.server);
  }

  /** Binds `HOST:PORT` or `unix:PATH`, in plain text or TLS; resolves to the bound port (0 for a socket). */
  listen(address: string, tls?: TlsOptions): Promise<number> {
    const credentials =
      tls === undefined
        ? ServerCredentials.createInsecure()
        : ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  setServing(services: string[], serving: boolean): void {
    for (const s of ["", ...services]) this.health.setStatus(s, serving ? "SERVING" : "NOT_SERVING");
  }

  /** Lets in-flight calls finish, up to `graceMs`, then closes what is left. */
  shutdown(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
