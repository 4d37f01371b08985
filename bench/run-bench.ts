// The core benchmark: loads a deterministic data set into a fresh list, then
// measures engine-only FilterBatch throughput, index memory, restart to
// serving, and FilterBatch over loopback gRPC against a sidecar in its own
// process. Prints one line per figure beside its target and writes
// bench/results/<timestamp>-core.json.
//
//   npm run bench -- [--entries N | --quick | --smoke] [--seed S] [--seconds S] [--inflight N]

import { fromBinary } from "@bufbuild/protobuf";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DncList } from "../sidecar/engine/dnc-list.js";
import { FilterEngine } from "../sidecar/filter/filter-engine.js";
import { FilterBatchResponseSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { Cleanup } from "./cleanup.js";
import { CpuMeter } from "./cpu-usage.js";
import { DataSet, type Composition } from "./data-set.js";
import { FILTER_BATCH_PATH, buildRequests, grpcFrame, type RequestSet } from "./filter-requests.js";
import { H2LOAD_INSTALL, h2loadPath, runH2load } from "./h2load.js";
import { gcFunction, sampleMemory, type MemorySample } from "./memory-sample.js";
import { Report, fmt, type Target } from "./report.js";
import type { SidecarReady } from "./sidecar-process.js";

const FULL_ENTRIES = 10_000_000;
const LOAD_BATCH = 10_000;
const MAX_BATCH = 10_000;
const RECIPIENTS = 1_000;
const RATIOS = [0.01, 0.5] as const;
const WARM_UP_SECONDS = 1;

const ENGINE_TARGET: Target = { kind: "min", value: 5_000_000 };
const GRPC_TARGET: Target = { kind: "min", value: 1_000_000 };
const MEMORY_TARGET: Target = { kind: "max", value: 32 };
const RESTART_TARGET: Target = { kind: "max", value: 5_000, scope: "at 10M entries" };

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS_DIR = join(ROOT, "bench", "results");
const TMP_DIR = join(RESULTS_DIR, "tmp");
const SIDECAR_SCRIPT = fileURLToPath(new URL("./sidecar-process.js", import.meta.url));

interface Options {
  entries: number;
  seed: number;
  seconds: number;
  inflight: number;
  /** Pre-serialised requests per blocked ratio. */
  requests: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      entries: { type: "string" },
      quick: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      seed: { type: "string" },
      seconds: { type: "string" },
      inflight: { type: "string" },
    },
  });
  const num = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text.replace(/_/g, ""));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got '${text}'`);
    return n;
  };
  const preset = values.smoke ? 5_000 : values.quick ? 1_000_000 : FULL_ENTRIES;
  return {
    entries: Math.floor(num("entries", values.entries, preset)),
    seed: Math.floor(num("seed", values.seed, 1)),
    seconds: num("seconds", values.seconds, values.smoke ? 1 : 5),
    inflight: Math.floor(num("inflight", values.inflight, 32)),
    requests: values.smoke ? 32 : 256,
  };
}

/** Bytes the files under `dir` take on disk (LMDB's file is sparse). */
function diskBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).blocks * 512, 0);
}

const mb = (bytes: number): string => `${fmt(bytes / 1024 ** 2)} MB`;
const pct = (part: number, whole: number): string => `${fmt((100 * part) / whole, 1)}%`;

async function load(list: DncList, data: DataSet, dir: string, report: Report): Promise<void> {
  const composition: Composition = { phones: 0, emails: 0, customerIds: 0, scoped: 0 };
  let added = 0;
  let repeated = 0;
  let rejected = 0;
  let firstRejection = "";
  const progressEvery = process.stderr.isTTY ? Math.max(1, Math.floor(data.size / LOAD_BATCH / 20)) : 0;
  let batches = 0;
  const started = performance.now();
  for (const batch of data.batches(LOAD_BATCH, composition)) {
    const result = await list.addEntries(batch, undefined, "bench");
    added += result.added;
    repeated += result.repeated;
    rejected += result.rejected.length;
    if (firstRejection === "" && result.rejected.length > 0) firstRejection = result.rejected[0]!.reason;
    if (progressEvery > 0 && ++batches % progressEvery === 0) process.stderr.write(`\r  loading ${pct(added, data.size)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (progressEvery > 0) process.stderr.write("\r\x1b[K");
  if (added !== data.size || repeated !== 0 || rejected !== 0) {
    throw new Error(`load: ${added} added, ${repeated} repeated, ${rejected} rejected (first: ${firstRejection}); the set must be new and valid`);
  }
  const { phones, emails, customerIds, scoped } = composition;
  const n = data.size;
  report.figure(
    "data set",
    n,
    "entries",
    `seed ${data.seed}: phones ${pct(phones, n)}, emails ${pct(emails, n)}, customer ids ${pct(customerIds, n)}, scoped ${pct(scoped, n)}`,
  );
  report.figure("load rate", added / seconds, "entries/s", `${fmt(seconds, 1)} s in batches of ${fmt(LOAD_BATCH)}; store ${mb(diskBytes(dir))} on disk`);
}

function reportMemory(list: DncList, entries: number, before: MemorySample, after: MemorySample, gcAvailable: boolean, report: Report): void {
  const index = list.index.byteSize;
  report.figure("index memory", index / entries, "bytes/entry", `index.byteSize ${mb(index)}`, MEMORY_TARGET);
  const per = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "n/a" : fmt((a - b) / entries, 1));
  report.figure(
    "RSS growth after load",
    (after.rss - before.rss) / entries,
    "bytes/entry",
    `${gcAvailable ? "after a full GC" : "no GC available"}; includes the LMDB map pages touched: ` +
      `anon ${per(after.rssAnon, before.rssAnon)}, file-backed ${per(after.rssFile, before.rssFile)}, ` +
      `JS heap ${per(after.heapUsed, before.heapUsed)}, ArrayBuffers ${per(after.arrayBuffers, before.arrayBuffers)} B/entry`,
  );
}

/** Checks every request once and returns the blocked count per request; throws when it is not the intended one. */
function verifyResponses(set: RequestSet, filter: (buf: Buffer) => Buffer | Promise<Buffer>, where: string): Promise<number> {
  return Promise.all(set.buffers.map(async (buf) => fromBinary(FilterBatchResponseSchema, await filter(buf)))).then((responses) => {
    let blocked = 0;
    for (const res of responses) {
      if (res.checked !== set.recipientsPerRequest || res.invalid.length !== 0) {
        throw new Error(`${where}: checked ${res.checked}, invalid ${res.invalid.length} of ${set.recipientsPerRequest} recipients`);
      }
      blocked += res.blocked.length;
    }
    const perRequest = blocked / responses.length;
    if (Math.abs(perRequest - set.blockedPerRequest) > Math.max(1, 0.05 * set.blockedPerRequest)) {
      throw new Error(`${where}: ${perRequest} blocked per request, ${set.blockedPerRequest} intended`);
    }
    return perRequest;
  });
}

const ratioName = (ratio: number): string => `${fmt(ratio * 100)}% blocked`;

async function engineOnly(list: DncList, sets: RequestSet[], seconds: number, report: Report): Promise<void> {
  const engine = new FilterEngine(list, { maxBatch: MAX_BATCH });
  for (const set of sets) {
    const blocked = await verifyResponses(set, (buf) => engine.filterBatch(buf), "engine-only");
    const warmUpEnd = performance.now() + WARM_UP_SECONDS * 1000;
    for (let i = 0; performance.now() < warmUpEnd; i++) engine.filterBatch(set.buffers[i % set.buffers.length]!);
    let calls = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    let now = started;
    while (now < end) {
      engine.filterBatch(set.buffers[calls % set.buffers.length]!);
      calls++;
      now = performance.now();
    }
    const rate = (calls * set.recipientsPerRequest) / ((now - started) / 1000);
    report.figure(
      `engine-only, ${ratioName(set.ratio)}`,
      rate,
      "checks/s",
      `${fmt(calls)} batches of ${fmt(set.recipientsPerRequest)} on the main thread; blocked ${fmt(blocked, 1)}/${fmt(set.recipientsPerRequest)} per batch (intended ${set.blockedPerRequest})`,
      ENGINE_TARGET,
    );
  }
}

async function restart(dir: string, entries: number, report: Report): Promise<void> {
  const started = performance.now();
  const list = DncList.open(dir);
  const ms = performance.now() - started;
  const { unscoped, scoped } = list.index.counts();
  const indexed = unscoped.reduce((a, b) => a + b, 0) + scoped;
  await list.close();
  // Below 1M entries fixed costs dominate, and a linear estimate for 10M would mislead.
  const judged = entries >= 1_000_000;
  const estimate = (ms * FULL_ENTRIES) / entries;
  const scaling =
    entries === FULL_ENTRIES ? "" : judged ? `; ≈${fmt(estimate)} ms at 10M by linear scaling, which the target is judged on` : "; too few entries to judge";
  report.figure(
    "restart to serving",
    ms,
    "ms",
    `DncList.open rebuilding the index of ${fmt(indexed)} entries, page cache warm${scaling}`,
    judged ? RESTART_TARGET : undefined,
    estimate,
  );
  if (indexed !== entries) throw new Error(`restart: ${indexed} entries indexed, ${entries} stored`);
}

async function startSidecar(dir: string, cleanup: Cleanup): Promise<{ child: ChildProcess; ready: SidecarReady }> {
  const child = spawn(process.execPath, ["--max-old-space-size=8192", SIDECAR_SCRIPT, dir], { stdio: ["pipe", "pipe", "inherit"] });
  cleanup.child(child);
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<SidecarReady>((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`the sidecar process exited (${code ?? signal}) before serving`)));
    child.once("error", reject);
    lines.once("line", (line) => resolve(JSON.parse(line) as SidecarReady));
  });
  lines.close();
  return { child, ready };
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

async function overGrpc(dir: string, sets: RequestSet[], opts: Options, cleanup: Cleanup, report: Report): Promise<void> {
  const { child, ready } = await startSidecar(dir, cleanup);
  report.figure("sidecar process ready", ready.startMs, "ms", "Sidecar.start in a child process: index rebuild and binds");
  const client = new GrpcClient(`127.0.0.1:${ready.grpcPort}`);
  try {
    for (const set of sets) {
      const blocked = await verifyResponses(set, (buf) => client.callRaw(FILTER_BATCH_PATH, buf), "gRPC");
      await driveGrpc(client, set.buffers, opts.inflight, WARM_UP_SECONDS);
      const cpu = new CpuMeter([["client", "self"], ["sidecar", child.pid]]);
      const { calls, seconds } = await driveGrpc(client, set.buffers, opts.inflight, opts.seconds);
      report.figure(
        `gRPC grpc-js client, ${ratioName(set.ratio)}`,
        (calls * set.recipientsPerRequest) / seconds,
        "checks/s",
        `${fmt(calls / seconds)} calls/s, ${opts.inflight} in flight on one connection; ${cpu.describe()}; ` +
          `blocked ${fmt(blocked, 1)}/${fmt(set.recipientsPerRequest)} per call`,
        GRPC_TARGET,
      );
    }
    await h2load(ready.grpcPort, child, sets, opts, cleanup, report);
  } finally {
    client.close();
    await cleanup.stop(child);
  }
}

async function h2load(port: number, child: ChildProcess, sets: RequestSet[], opts: Options, cleanup: Cleanup, report: Report): Promise<void> {
  const bin = h2loadPath();
  if (bin === undefined) {
    report.note(`gRPC h2load: skipped, h2load is not installed (${H2LOAD_INSTALL})`);
    return;
  }
  const bodyDir = mkdtempSync(join(TMP_DIR, "h2load-"));
  cleanup.dir(bodyDir);
  for (const set of sets) {
    const bodyFile = join(bodyDir, `body-${set.blockedPerRequest}.bin`);
    writeFileSync(bodyFile, grpcFrame(set.buffers[0]!));
    // h2load has exited by the time its figure is known, so only the sidecar is metered.
    const cpu = new CpuMeter([["sidecar", child.pid]]);
    const result = await runH2load(
      bin,
      { url: `http://127.0.0.1:${port}${FILTER_BATCH_PATH}`, bodyFile, seconds: opts.seconds, connections: 1, streams: opts.inflight },
      (proc) => cleanup.child(proc),
    );
    if (result.failed > 0 || result.status2xx < result.succeeded) {
      throw new Error(`h2load: ${result.failed} failed, ${result.status2xx} of ${result.succeeded} with a 2xx status\n${result.output}`);
    }
    report.figure(
      `gRPC h2load, ${ratioName(set.ratio)}`,
      result.requestsPerSecond * set.recipientsPerRequest,
      "checks/s",
      `${fmt(result.requestsPerSecond)} req/s, 1 connection × ${opts.inflight} streams, one request body; ${cpu.describe()}`,
      GRPC_TARGET,
    );
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const startedAt = new Date();
  const cleanup = new Cleanup();
  const report = new Report();
  mkdirSync(TMP_DIR, { recursive: true });
  const dir = mkdtempSync(join(TMP_DIR, "core-"));
  cleanup.dir(dir);
  console.log(
    `dnc core bench: ${fmt(opts.entries)} entries, seed ${opts.seed}, ${opts.seconds} s per throughput figure; ` +
      `${cpus().length} CPUs, ${fmt(totalmem() / 1024 ** 3)} GB, node ${process.version}`,
  );
  try {
    const gc = gcFunction();
    const data = new DataSet(opts.seed, opts.entries);
    const before = sampleMemory(gc);
    const list = DncList.open(dir);
    await load(list, data, dir, report);
    const after = sampleMemory(gc);
    reportMemory(list, opts.entries, before, after, gc !== undefined, report);

    const sets = RATIOS.map((ratio, n) => buildRequests(data, opts.seed + 1 + n, opts.requests, RECIPIENTS, ratio));
    await engineOnly(list, sets, opts.seconds, report);
    await list.close();
    await restart(dir, opts.entries, report);
    await overGrpc(dir, sets, opts, cleanup, report);
  } finally {
    cleanup.now();
  }
  const path = report.write(RESULTS_DIR, startedAt, { ...opts, cpus: cpus().length, totalMemory: totalmem(), node: process.version });
  console.log(`results: ${path}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
