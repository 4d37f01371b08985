// What every part of a run shares: the timing options, the data set and the
// request sets cut from it, the cleanup registry and the report; and the
// names the figures go by, so that comparisons and the smoke test agree.

import { SERVE_NODE_FLAGS } from "../sidecar/cli/serve-node-flags.js";
import type { Cleanup } from "./cleanup.js";
import type { DataSet } from "./data-set.js";
import type { BatchForm, RequestSet } from "./filter-requests.js";
import { fmt, type Report } from "./report.js";

export interface BenchContext {
  data: DataSet;
  /** One per batch size and blocked ratio, the same for dnc and every peer. */
  sets: RequestSet[];
  /** Measured seconds per throughput or latency figure, after `warmUpSeconds` unmeasured. */
  seconds: number;
  warmUpSeconds: number;
  /** Concurrent calls a closed-loop load generator keeps in flight. */
  inflight: number;
  cleanup: Cleanup;
  report: Report;
}

/** The admin key the benchmark's sidecars accept (as DNC_ADMIN_TOKEN would give them), for AddEntries. */
export const BENCH_ADMIN_TOKEN = "dnc-bench-admin-token";

/** Node flags for the processes that open the list: the sidecar's own, and room for a 10M-entry data set. */
export const BENCH_SIDECAR_NODE_FLAGS: readonly string[] = ["--max-old-space-size=8192", ...SERVE_NODE_FLAGS];

export const ratioName = (ratio: number): string => `${fmt(ratio * 100)}% blocked`;

/** The chart group of a request set: its batch size and blocked ratio. */
export const batchGroup = (set: RequestSet): string => `${fmt(set.recipientsPerRequest)} recipients per call, ${ratioName(set.ratio)}`;

/** The load generator, and for h2load the port: the gRPC port, or the filter port (--filter-listen). */
export type GrpcDriver = "h2load" | "grpc-js" | "h2load, filter port";

export const dncBatchFigure = (form: BatchForm, driver: GrpcDriver, set: RequestSet): string =>
  `FilterBatch(${fmt(set.recipientsPerRequest)}) ${form}, ${driver}, ${ratioName(set.ratio)}`;
export const dncBatchSeries = (form: BatchForm, driver: GrpcDriver): string => `dnc FilterBatch ${form} form, ${driver}`;

export const redisBatchFigure = (set: RequestSet): string => `Redis SMISMEMBER(${fmt(set.recipientsPerRequest)}), ${ratioName(set.ratio)}`;
export const REDIS_SERIES = "Redis SMISMEMBER, redis-benchmark";
export const REDIS_MEMORY_FIGURE = "Redis set memory";
export const REDIS_RSS_FIGURE = "Redis RSS growth after load";

export const postgresBatchFigure = (set: RequestSet): string => `PostgreSQL = ANY(${fmt(set.recipientsPerRequest)}), ${ratioName(set.ratio)}`;
export const POSTGRES_SERIES = "PostgreSQL = ANY($1), pgbench";
export const POSTGRES_SIZE_FIGURE = "PostgreSQL table + index";

export const INDEX_MEMORY_FIGURE = "index memory";
export const INDEX_WITH_KEYS_FIGURE = "index memory and contact key files";
export const SIDECAR_RSS_FIGURE = "sidecar RSS per entry";
export const SIDECAR_ANON_FIGURE = "sidecar anonymous RSS per entry";
