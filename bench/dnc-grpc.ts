// dnc over loopback gRPC against a sidecar in its own process: the sidecar's
// start and resident memory with and without the data, then FilterBatch
// throughput for every batch size, blocked ratio and request form, driven by
// h2load (C, so that the load generator does not steal the measurement) and
// by the grpc-js client (the Node-to-Node figure); h2load again on the
// filter port (--filter-listen), whose HTTP/2 runs on a thread of its own.

import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { BENCH_SIDECAR_NODE_FLAGS, SIDECAR_ANON_FIGURE, SIDECAR_RSS_FIGURE, batchGroup, dncBatchFigure, dncBatchSeries, type BenchContext, type GrpcDriver } from "./bench-context.js";
import type { Cleanup } from "./cleanup.js";
import { CpuMeter } from "./cpu-usage.js";
import { gcLogging } from "./gc-log.js";
import { FILTER_BATCH_PATH, FORMS, grpcFrame, verifyResponses, type BatchForm, type RequestSet } from "./filter-requests.js";
import { h2loadPath, runH2load } from "./h2load.js";
import { SETUP_COMMAND } from "./local-tools.js";
import { processMemory } from "./memory-sample.js";
import { fmt, type Target } from "./report.js";
import { startScript, type ScriptProcess } from "./script-process.js";
import type { SidecarReady } from "./sidecar-process.js";

const SIDECAR_SCRIPT = fileURLToPath(new URL("./sidecar-process.js", import.meta.url));
/** The core issue's gRPC target, for 1,000-recipient fast-form batches. */
const GRPC_TARGET: Target = { kind: "min", value: 1_000_000 };

export type RunningSidecar = ScriptProcess<SidecarReady>;

/**
 * A sidecar on `dir` in a child process; `nodeArgs` go before the script (e.g. --cpu-prof). `gcLog`, when
 * given, is where each of the sidecar's threads logs its collector's pauses (gc-log.ts).
 */
export function startSidecar(dir: string, cleanup: Cleanup, nodeArgs: string[] = [], gcLog?: string): Promise<RunningSidecar> {
  const logging = gcLog === undefined ? { nodeArgs: [], env: {} } : gcLogging(gcLog);
  return startScript<SidecarReady>(SIDECAR_SCRIPT, [dir], cleanup, [...BENCH_SIDECAR_NODE_FLAGS, ...nodeArgs, ...logging.nodeArgs], logging.env);
}

const perEntry = (bytes: number, entries: number): string => fmt(bytes / entries, 1);

/** The loaded sidecar's RSS less an empty sidecar's, per entry: what serving the list costs in resident memory. */
export async function sidecarMemory(loaded: RunningSidecar, emptyDir: string, ctx: BenchContext): Promise<void> {
  const withData = processMemory(loaded.child.pid!);
  const empty = await startSidecar(emptyDir, ctx.cleanup);
  const without = processMemory(empty.child.pid!);
  await ctx.cleanup.stop(empty.child);
  if (withData === undefined || without === undefined) {
    ctx.report.note(`${SIDECAR_RSS_FIGURE}: skipped, /proc/<pid>/status is not available`);
    return;
  }
  const n = ctx.data.size;
  const mb = (bytes: number) => `${fmt(bytes / 1024 ** 2)} MB`;
  ctx.report.figure(
    SIDECAR_RSS_FIGURE,
    (withData.rss - without.rss) / n,
    "bytes/entry",
    `once serving: RSS ${mb(withData.rss)} with the data, ${mb(without.rss)} empty; ` +
      `anon ${perEntry(withData.rssAnon - without.rssAnon, n)}, file-backed ${perEntry(withData.rssFile - without.rssFile, n)} B/entry`,
  );
  ctx.report.figure(
    SIDECAR_ANON_FIGURE,
    (withData.rssAnon - without.rssAnon) / n,
    "bytes/entry",
    `RssAnon ${mb(withData.rssAnon)} with the data, ${mb(without.rssAnon)} empty: the index and the heap; ` +
      `the file-backed rest (${mb(withData.rssFile)}) is LMDB's map and files read, page cache the OS can reclaim`,
  );
}

async function driveGrpc(client: GrpcClient, buffers: Buffer[], inflight: number, seconds: number): Promise<{ calls: number; seconds: number }> {
  let calls = 0;
  let next = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await client.callRaw(FILTER_BATCH_PATH, buffers[next++ % buffers.length]!);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return { calls, seconds: (performance.now() - started) / 1000 };
}

const targetOf = (form: BatchForm, set: RequestSet): Target | undefined => (form === "fast" && set.recipientsPerRequest === 1_000 ? GRPC_TARGET : undefined);

/** FilterBatch throughput for every request set and form, by grpc-js and, when installed, by h2load. */
export async function grpcThroughput(sidecar: RunningSidecar, client: GrpcClient, bodyDir: string, ctx: BenchContext): Promise<void> {
  const { report } = ctx;
  const h2load = h2loadPath();
  if (h2load === undefined) report.note(`FilterBatch by h2load: skipped, h2load is not installed (${SETUP_COMMAND})`);
  const pid = sidecar.child.pid;
  const filterClient = new GrpcClient(`127.0.0.1:${sidecar.ready.filterPort}`);
  for (const set of ctx.sets) {
    for (const form of FORMS) {
      const blocked = await verifyResponses(set, form, (buf) => client.callRaw(FILTER_BATCH_PATH, buf), "gRPC");

      const buffers = set.buffers[form];
      await driveGrpc(client, buffers, ctx.inflight, ctx.warmUpSeconds);
      const cpu = new CpuMeter([["client", "self"], ["sidecar", pid]]);
      const { calls, seconds } = await driveGrpc(client, buffers, ctx.inflight, ctx.seconds);
      report.figure(
        dncBatchFigure(form, "grpc-js", set),
        (calls * set.recipientsPerRequest) / seconds,
        "checks/s",
        `${fmt(calls / seconds)} calls/s, ${ctx.inflight} in flight on one connection, ${fmt(buffers.length)} batches in turn; ${cpu.describe()}; ` +
          `blocked ${fmt(blocked, 1)}/${fmt(set.recipientsPerRequest)} per call`,
        targetOf(form, set),
        { plot: { group: batchGroup(set), series: dncBatchSeries(form, "grpc-js") } },
      );

      if (h2load === undefined) continue;
      const bodyFile = join(bodyDir, `body-${form}-${set.recipientsPerRequest}-${set.blockedPerRequest}.bin`);
      writeFileSync(bodyFile, grpcFrame(buffers[0]!));
      await h2loadFigure(h2load, sidecar, sidecar.ready.grpcPort, "h2load", bodyFile, form, set, ctx);
      const filterBlocked = await verifyResponses(set, form, (buf) => filterClient.callRaw(FILTER_BATCH_PATH, buf), "the filter port");
      if (filterBlocked !== blocked) throw new Error(`the filter port blocked ${filterBlocked} per call where the gRPC port blocked ${blocked}`);
      await h2loadFigure(h2load, sidecar, sidecar.ready.filterPort, "h2load, filter port", bodyFile, form, set, ctx);
    }
  }
  filterClient.close();
}

/** One h2load run of `bodyFile` against `port`, as a figure. */
async function h2loadFigure(
  h2load: string,
  sidecar: RunningSidecar,
  port: number,
  driver: GrpcDriver,
  bodyFile: string,
  form: BatchForm,
  set: RequestSet,
  ctx: BenchContext,
): Promise<void> {
  // h2load has exited by the time its figure is known, so only the sidecar is metered.
  const cpu = new CpuMeter([["sidecar", sidecar.child.pid]]);
  const result = await runH2load(
    h2load,
    {
      url: `http://127.0.0.1:${port}${FILTER_BATCH_PATH}`,
      bodyFile,
      seconds: ctx.seconds,
      warmUpSeconds: ctx.warmUpSeconds,
      connections: 1,
      streams: ctx.inflight,
    },
    (proc) => ctx.cleanup.child(proc),
  );
  if (result.failed > 0 || result.non2xx > 0) {
    throw new Error(`h2load: ${result.failed} failed, ${result.non2xx} without a 2xx status\n${result.output}`);
  }
  ctx.report.figure(
    dncBatchFigure(form, driver, set),
    result.requestsPerSecond * set.recipientsPerRequest,
    "checks/s",
    `${fmt(result.requestsPerSecond)} calls/s, 1 connection × ${ctx.inflight} streams, one batch; ${cpu.describe()}`,
    targetOf(form, set),
    { plot: { group: batchGroup(set), series: dncBatchSeries(form, driver) } },
  );
}

/** A fresh temp dir for h2load's request bodies. */
export function bodyDirIn(tmpDir: string, cleanup: Cleanup): string {
  const dir = mkdtempSync(join(tmpDir, "h2load-"));
  cleanup.dir(dir);
  return dir;
}
