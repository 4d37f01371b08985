// The composition root: opens the list, wires the engine and the admin
// implementation into the gRPC and HTTP servers, and shuts them down in order.

import type { CountryCode } from "libphonenumber-js";
import { AdminGate } from "./admin/admin-gate.js";
import { composeAdminImpl } from "./admin/admin-impl.js";
import { EntryHandlers } from "./admin/entry-handlers.js";
import { exportMethods } from "./admin/export-handlers.js";
import { importMethods } from "./admin/import-handlers.js";
import { historyMethods } from "./admin/history-handlers.js";
import { keyMethods } from "./admin/key-handlers.js";
import { StatsHandlers } from "./admin/stats-handlers.js";
import { webhookMethods } from "./admin/webhook-handlers.js";
import { ApiKeyAuth } from "./auth/api-key-auth.js";
import { ApiKeyStore } from "./auth/api-key-store.js";
import { DncList } from "./engine/dnc-list.js";
import { FilterEngine } from "./filter/filter-engine.js";
import { ChangeFeed } from "./history/change-feed.js";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";
import { WebhookStore } from "./webhooks/webhook-store.js";
import { TrafficCounters } from "./stats/traffic-counters.js";
import { TrafficLog } from "./stats/traffic-log.js";
import { AdminService } from "./gen/dnc/v1/admin_service_pb.js";
import { Role } from "./gen/dnc/v1/api_key_pb.js";
import { InvalidArgumentError, messageOf } from "./errors.js";
import { FilterService } from "./gen/dnc/v1/filter_service_pb.js";
import { adminServiceGrpc } from "./grpc/admin-service-grpc.js";
import { filterServiceMethods } from "./grpc/filter-service-grpc.js";
import { FilterFront } from "./grpc/filter-front.js";
import { FilterPortMetrics } from "./metrics/filter-port-metrics.js";
import { GrpcServer, MAX_MESSAGE_BYTES, type TlsOptions } from "./grpc/grpc-server.js";
import { AdminHttpServer } from "./http/admin-http-server.js";
import { connectDoor } from "./http/connect-door.js";
import { exportRoute } from "./http/export-routes.js";
import { healthRoutes } from "./http/health-routes.js";
import { importRoutes } from "./http/import-routes.js";
import { ImportService } from "./import/import-service.js";
import { DEFAULT_IMPORT_SETTINGS, type ImportSettings } from "./import/import-settings.js";
import { metricsRoute } from "./http/metrics-route.js";
import { AdminCallLog } from "./logging/admin-call-log.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { SidecarMetrics } from "./metrics/sidecar-metrics.js";

export interface SidecarOptions {
  dataDir: string;
  grpcListen: string;
  httpListen: string;
  maxBatch: number;
  defaultCountry?: CountryCode;
  /**
   * DNC_ADMIN_TOKEN: accepted as an admin key named `env-admin-token`. Without
   * it, a store that has no keys gets an admin key named `admin` at start.
   */
  adminToken?: string;
  /** FilterService calls need a key too (any role). */
  filterToken?: boolean;
  /** TLS, or mutual TLS, on the gRPC port (and the filter port). */
  tls?: TlsOptions;
  /**
   * HOST:PORT or unix:PATH: a second port serving FilterService alone, its
   * HTTP/2 run by a worker thread (filter-front.ts). The gRPC port serves
   * FilterService as well.
   */
  filterListen?: string;
  /** Where the structured log goes; by default stdout at DNC_LOG_LEVEL (info). */
  logger?: Logger;
  /** Import limits and batch size, over DEFAULT_IMPORT_SETTINGS (`--import-max-bytes` sets maxFileBytes). */
  imports?: Partial<ImportSettings>;
}

export const DEFAULTS = {
  dataDir: "./data",
  grpcListen: "127.0.0.1:50051",
  httpListen: "127.0.0.1:8080",
  maxBatch: 10_000,
} as const;

/** The largest `maxBatch`: the native batch scan counts a batch's recipients in an int32. */
export const MAX_BATCH_LIMIT = 2 ** 31 - 1;

/** Why `maxBatch` is no batch bound, or undefined when it is one. */
export function maxBatchProblem(maxBatch: number): string | undefined {
  return Number.isInteger(maxBatch) && maxBatch >= 1 && maxBatch <= MAX_BATCH_LIMIT
    ? undefined
    : `expected a whole number from 1 to ${MAX_BATCH_LIMIT}, got ${String(maxBatch)}`;
}

export class Sidecar {
  private constructor(
    readonly list: DncList,
    readonly grpc: GrpcServer,
    private readonly http: AdminHttpServer,
    /** The bound gRPC port (0 on a unix socket) and HTTP port. */
    readonly grpcPort: number,
    readonly httpPort: number,
    /** The filter port's worker, with --filter-listen. */
    readonly filterFront: FilterFront | undefined,
    private readonly keys: ApiKeyStore,
    /** The secret of the admin key this start created on a store without keys: to be shown once. */
    readonly createdAdminKey: string | undefined,
    private readonly traffic: TrafficLog,
    private readonly feed: ChangeFeed,
    private readonly webhooks: WebhookDispatcher,
    private readonly imports: ImportService,
  ) {}

  static async start(options: SidecarOptions): Promise<Sidecar> {
    // Checked before the store opens: a bad bound refuses the start rather than every FilterBatch.
    const badBatch = maxBatchProblem(options.maxBatch);
    if (badBatch !== undefined) throw new InvalidArgumentError("maxBatch", badBatch);
    const list = DncList.open(options.dataDir);
    const counters = new TrafficCounters();
    const traffic = new TrafficLog(list.store, counters);
    const engine = new FilterEngine(list, { maxBatch: options.maxBatch, defaultCountry: options.defaultCountry, counters });
    const entries = new EntryHandlers(list, { maxBatch: options.maxBatch, defaultCountry: options.defaultCountry });
    const keys = ApiKeyStore.open(list.store);
    const feed = new ChangeFeed(list);
    const webhooks = new WebhookDispatcher(feed, new WebhookStore(list.store));
    const importSettings = { ...DEFAULT_IMPORT_SETTINGS, ...options.imports };
    const imports = ImportService.open(list, options.dataDir, importSettings, options.defaultCountry);
    const admin = composeAdminImpl(
      entries.methods(),
      historyMethods(list, feed, options.defaultCountry),
      keyMethods(keys),
      new StatsHandlers(list, traffic).methods(),
      webhookMethods(webhooks),
      importMethods(imports),
      exportMethods(list, options.defaultCountry),
    );
    const auth = new ApiKeyAuth(keys, options.adminToken);
    const logger = options.logger ?? createLogger();
    const gate = new AdminGate(admin, auth, new AdminCallLog(logger));
    const metrics = new SidecarMetrics(list, counters);
    const filterMethods = filterServiceMethods(engine, metrics.filterCalls, options.filterToken === true ? auth : undefined);
    const grpc = new GrpcServer({ admin: adminServiceGrpc(gate) }, filterMethods);
    let front: FilterFront | undefined;
    let serving = false;
    const http = new AdminHttpServer([
      ...healthRoutes(() => serving),
      metricsRoute(metrics.registry),
      connectDoor(gate, importSettings.maxFileBytes),
      exportRoute(gate),
      importRoutes(gate, imports, importSettings.maxFileBytes),
    ]);
    try {
      await imports.start();
      const grpcPort = await grpc.listen(options.grpcListen, options.tls).catch((err: unknown) => {
        throw new Error(`cannot serve gRPC on ${options.grpcListen} (--grpc-listen): ${messageOf(err)}`);
      });
      const httpPort = await http.listen(options.httpListen).catch((err: unknown) => {
        throw new Error(`cannot serve HTTP on ${options.httpListen} (--http-listen): ${messageOf(err)}`);
      });
      if (options.filterListen !== undefined) {
        const port = new FilterPortMetrics(metrics.registry);
        front = await FilterFront.start(options.filterListen, filterMethods, MAX_MESSAGE_BYTES, options.tls, {
          lost: (message) => {
            port.lost();
            logger.error(message);
          },
          restored: (message) => {
            port.restored();
            logger.info(message);
          },
        });
        port.serving();
      }
      // Made once the ports are bound: a start that fails before left a stored key that was never printed, and the
      // next start, finding a key, printed none.
      const createdAdminKey =
        options.adminToken === undefined && keys.size === 0 ? (await keys.create("admin", Role.ADMIN, "dnc serve")).secret : undefined;
      grpc.setServing([FilterService.typeName, AdminService.typeName], true);
      serving = true;
      traffic.start();
      webhooks.start();
      return new Sidecar(list, grpc, http, grpcPort, httpPort, front, keys, createdAdminKey, traffic, feed, webhooks, imports);
    } catch (err: unknown) {
      await front?.stop(0);
      await grpc.shutdown(0);
      await http.close();
      await keys.close();
      await list.close();
      throw err;
    }
  }

  /** In-flight calls finish (up to `graceMs`), then the servers stop and LMDB closes. */
  async stop(graceMs = 10_000): Promise<void> {
    this.grpc.setServing([FilterService.typeName, AdminService.typeName], false);
    // Running imports end after their batch in flight, as INTERRUPTED, while the list is open to record it.
    await this.imports.stop();
    await this.webhooks.stop();
    // Watch streams would hold the shutdown for the whole grace period: end them first.
    this.feed.close();
    await Promise.all([this.grpc.shutdown(graceMs), this.http.close(), this.filterFront?.stop(graceMs)]);
    await this.traffic.stop();
    await this.keys.close();
    await this.list.close();
  }
}
