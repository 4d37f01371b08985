// The composition root: opens the list, wires the engine and the admin
// implementation into the gRPC and HTTP servers, and shuts them down in order.

import type { CountryCode } from "libphonenumber-js";
import { composeAdminImpl } from "./admin/admin-impl.js";
import { EntryHandlers } from "./admin/entry-handlers.js";
import { historyMethods } from "./admin/history-handlers.js";
import { keyMethods } from "./admin/key-handlers.js";
import { statsMethods } from "./admin/stats-handlers.js";
import { webhookMethods } from "./admin/webhook-handlers.js";
import { ApiKeyAuth } from "./auth/api-key-auth.js";
import { DncList } from "./engine/dnc-list.js";
import { FilterEngine } from "./filter/filter-engine.js";
import { AdminService } from "./gen/dnc/v1/admin_service_pb.js";
import { FilterService } from "./gen/dnc/v1/filter_service_pb.js";
import { adminServiceGrpc } from "./grpc/admin-service-grpc.js";
import { filterServiceGrpc } from "./grpc/filter-service-grpc.js";
import { GrpcServer } from "./grpc/grpc-server.js";
import { AdminHttpServer } from "./http/admin-http-server.js";

export interface SidecarOptions {
  dataDir: string;
  grpcListen: string;
  httpListen: string;
  maxBatch: number;
  defaultCountry?: CountryCode;
}

export const DEFAULTS = {
  dataDir: "./data",
  grpcListen: "127.0.0.1:50051",
  httpListen: "127.0.0.1:8080",
  maxBatch: 10_000,
} as const;

export class Sidecar {
  private constructor(
    readonly list: DncList,
    private readonly grpc: GrpcServer,
    private readonly http: AdminHttpServer,
    /** The bound gRPC port (0 on a unix socket) and HTTP port. */
    readonly grpcPort: number,
    readonly httpPort: number,
  ) {}

  static async start(options: SidecarOptions): Promise<Sidecar> {
    const list = DncList.open(options.dataDir);
    const engine = new FilterEngine(list, { maxBatch: options.maxBatch, defaultCountry: options.defaultCountry });
    const entries = new EntryHandlers(list, { maxBatch: options.maxBatch, defaultCountry: options.defaultCountry });
    const admin = composeAdminImpl(entries.methods(), historyMethods(), keyMethods(), statsMethods(), webhookMethods());
    const auth = new ApiKeyAuth();
    const grpc = new GrpcServer({ filter: filterServiceGrpc(engine), admin: adminServiceGrpc(admin, auth) });
    let serving = false;
    const http = new AdminHttpServer(() => serving);
    try {
      const grpcPort = await grpc.listen(options.grpcListen);
      const httpPort = await http.listen(options.httpListen);
      grpc.setServing([FilterService.typeName, AdminService.typeName], true);
      serving = true;
      return new Sidecar(list, grpc, http, grpcPort, httpPort);
    } catch (err: unknown) {
      await grpc.shutdown(0);
      await http.close();
      await list.close();
      throw err;
    }
  }

  /** In-flight calls finish (up to `graceMs`), then the servers stop and LMDB closes. */
  async stop(graceMs = 10_000): Promise<void> {
    this.grpc.setServing([FilterService.typeName, AdminService.typeName], false);
    await Promise.all([this.grpc.shutdown(graceMs), this.http.close()]);
    await this.list.close();
  }
}
