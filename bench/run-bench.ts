// The benchmark: loads a deterministic data set into a fresh dnc list and
// measures dnc (engine-only lookups, index memory, restart to serving, then
// over loopback gRPC against a sidecar in its own process: FilterBatch
// throughput, Check and FilterBatch latency, write-to-visible), then the
// peers on the same contacts and batches (Redis, PostgreSQL). Prints one line
// per figure and per comparison beside its target, and writes
// <out>/<timestamp>.json, .md and SVG charts.
//
//   npm run bench -- [--entries N | --quick | --smoke] [--only dnc,redis,postgres] [--seed S]
//                    [--seconds S] [--inflight N] [--profile] [--out DIR]
//   dnc bench (the same options)

import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { SERVE_NODE_FLAGS } from "../sidecar/cli/serve-node-flags.js";
import { DncList } from "../sidecar/engine/dnc-list.js";
import { FilterEngine } from "../sidecar/filter/filter-engine.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import {
  BENCH_ADMIN_TOKEN,
  BENCH_SIDECAR_NODE_FLAGS,
  INDEX_MEMORY_FIGURE,
  INDEX_WITH_KEYS_FIGURE,
  POSTGRES_SIZE_FIGURE,
  REDIS_MEMORY_FIGURE,
  REDIS_RSS_FIGURE,
  SIDECAR_ANON_FIGURE,
  SIDECAR_RSS_FIGURE,
  dncBatchFigure,
  postgresBatchFigure,
  ratioName,
  redisBatchFigure,
  type BenchContext,
} from "./bench-context.js";
import { Cleanup } from "./cleanup.js";
import { profileSidecar } from "./cpu-profile.js";
import { DataSet, type Composition } from "./data-set.js";
import { batchLatency, checkLatency, floorName, writeToVisible } from "./dnc-latency.js";
import type { FloorReady } from "./floor-process.js";
import type { OpenTimed } from "./open-process.js";
import { bodyDirIn, grpcThroughput, sidecarMemory, startSidecar } from "./dnc-grpc.js";
import { buildRequests, verifyResponses } from "./filter-requests.js";
import { gcLogging } from "./gc-log.js";
import { gcFunction, sampleMemory, type MemorySample } from "./memory-sample.js";
import { benchPostgres } from "./postgres-peer.js";
import { benchRedis } from "./redis-peer.js";
import { Report, fmt, type Target } from "./report.js";
import { positiveFlag } from "./numeric-flag.js";
import { startScript } from "./script-process.js";

const FULL_ENTRIES = 10_000_000;
const LOAD_BATCH = 10_000;
const MAX_BATCH = 10_000;
/** Recipients per FilterBatch, and the blocked ratios: every combination is one request set. */
const BATCH_SIZES = [100, 1_000] as const;
const RATIOS = [0.01, 0.5] as const;
/** The engine-only figures keep the core issue's 1,000-recipient batches. */
const ENGINE_RECIPIENTS = 1_000;
/** Below this V8 heap limit the harness runs itself again with a larger one, as `npm run bench` does. */
const HEAP_MB = 8_192;

const ENGINE_TARGET: Target = { kind: "min", value: 5_000_000 };
const MEMORY_TARGET: Target = { kind: "max", value: 32 };
const RESTART_TARGET: Target = { kind: "max", value: 5_000, scope: "at 10M entries" };

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TMP_DIR = join(ROOT, "bench", "results", "tmp");
const FLOOR_SCRIPT = fileURLToPath(new URL("./floor-process.js", import.meta.url));
const OPEN_SCRIPT = fileURLToPath(new URL("./open-process.js", import.meta.url));
/** Where DncList.close saves the index (sidecar/engine/dnc-list.ts); removed to time a rebuild. */
const SNAPSHOT_FILE = "index.snapshot";
/** How a rerun learns the command the report should name (`dnc bench …`). */
const COMMAND_ENV = "DNC_BENCH_COMMAND";
const SYSTEMS = ["dnc", "redis", "postgres"] as const;
type System = (typeof SYSTEMS)[number];

interface Options {
  entries: number;
  seed: number;
  seconds: number;
  warmUpSeconds: number;
  inflight: number;
  /** Pre-serialised requests per request set. */
  requests: number;
  writeRepeats: number;
  only: System[];
  profile: boolean;
  smoke: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      entries: { type: "string" },
      quick: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      only: { type: "string" },
      seed: { type: "string" },
      seconds: { type: "string" },
      inflight: { type: "string" },
      profile: { type: "boolean", default: false },
      out: { type: "string" },
    },
  });
  const only = (values.only ?? SYSTEMS.join(",")).split(",").map((s) => s.trim());
  for (const s of only) {
    if (!(SYSTEMS as readonly string[]).includes(s)) throw new Error(`--only: expected some of ${SYSTEMS.join(", ")}, got '${s}'`);
  }
  const smoke = values.smoke;
  const preset = smoke ? 5_000 : values.quick ? 1_000_000 : FULL_ENTRIES;
  return {
    entries: Math.floor(positiveFlag("entries", values.entries, preset)),
    seed: Math.floor(positiveFlag("seed", values.seed, 1)),
    // --quick has three minutes in all on this machine: at 2 s a figure it took 185.5 s (bench/results/20261129T091208Z).
    seconds: positiveFlag("seconds", values.seconds, smoke ? 0.5 : values.quick ? 1.5 : 5),
    warmUpSeconds: smoke ? 0.25 : values.quick ? 0.5 : 1,
    inflight: Math.floor(positiveFlag("inflight", values.inflight, 32)),
    requests: smoke ? 32 : 256,
    writeRepeats: smoke ? 50 : 200,
    only: only as System[],
    profile: values.profile,
    smoke,
    out: resolve(values.out ?? join(ROOT, "bench", "results")),
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
  const keyFiles = list.index.fileBytes;
  report.figure(
    "index memory",
    index / entries,
    "bytes/entry",
    `index.byteSize ${mb(index)}: the slots, Bloom filter, bitmaps and scoped set in memory; the contacts' keys are in the key files`,
    MEMORY_TARGET,
  );
  report.figure(
    "contact key files",
    keyFiles / entries,
    "bytes/entry",
    `${mb(keyFiles)}: contact-keys.arena and .offsets, mapped shared; a probe reads a key only when a slot's hash tag matches, ` +
      "so they are page cache, read in as matches need them and released from the RSS after writes",
  );
  report.figure(
    INDEX_WITH_KEYS_FIGURE,
    (index + keyFiles) / entries,
    "bytes/entry",
    "the two together: what the index would hold in memory with the keys in it, as a Redis set holds its members",
  );
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

async function engineOnly(list: DncList, ctx: BenchContext): Promise<void> {
  const { seconds, report } = ctx;
  const engine = new FilterEngine(list, { maxBatch: MAX_BATCH });
  for (const set of ctx.sets.filter((s) => s.recipientsPerRequest === ENGINE_RECIPIENTS)) {
    const buffers = set.buffers.fast;
    const blocked = await verifyResponses(set, "fast", (buf) => engine.filterBatch(buf), "engine-only");
    const warmUpEnd = performance.now() + ctx.warmUpSeconds * 1000;
    for (let i = 0; performance.now() < warmUpEnd; i++) engine.filterBatch(buffers[i % buffers.length]!);
    let calls = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    let now = started;
    while (now < end) {
      engine.filterBatch(buffers[calls % buffers.length]!);
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

/** Opens the list in a fresh process, timing it, and closes it again (which writes a fresh snapshot). */
async function timedOpen(dir: string, entries: number, cleanup: Cleanup): Promise<number> {
  const { child, ready } = await startScript<OpenTimed>(OPEN_SCRIPT, [dir], cleanup, BENCH_SIDECAR_NODE_FLAGS);
  const code = child.exitCode ?? ((await once(child, "exit")) as [number | null])[0];
  if (code !== 0) throw new Error(`restart: the opening process exited with ${code}`);
  if (ready.indexed !== entries) throw new Error(`restart: ${ready.indexed} entries indexed, ${entries} stored`);
  return ready.ms;
}

/**
 * Restart to serving both ways DncList.open can go: from the index snapshot
 * a clean close writes, and, with the snapshot removed (first start on an
 * old store, or a snapshot that would not load), by rebuilding from LMDB.
 */
async function restart(list: DncList, dir: string, entries: number, report: Report, cleanup: Cleanup): Promise<void> {
  const started = performance.now();
  await list.close();
  const closeMs = performance.now() - started;
  // Below 1M entries fixed costs dominate, and a linear estimate for 10M would mislead.
  const judged = entries >= 1_000_000;
  const figure = (name: string, ms: number, detail: string) => {
    const estimate = (ms * FULL_ENTRIES) / entries;
    const scaling =
      entries === FULL_ENTRIES ? "" : judged ? `; ≈${fmt(estimate)} ms at 10M by linear scaling, which the target is judged on` : "; too few entries to judge";
    report.figure(name, ms, "ms", `${detail}, page cache warm${scaling}`, judged ? RESTART_TARGET : undefined, { judged: estimate });
  };
  const snapshot = join(dir, SNAPSHOT_FILE);
  if (existsSync(snapshot)) {
    const size = statSync(snapshot).size;
    figure("restart, from snapshot", await timedOpen(dir, entries, cleanup), `DncList.open in a fresh process from a ${mb(size)} index snapshot and the contact key files it names, checksummed (close wrote and synced them in ${fmt(closeMs)} ms)`);
    rmSync(snapshot);
  } else {
    report.note(`restart, from snapshot: skipped, close wrote no ${SNAPSHOT_FILE}`);
  }
  figure("restart, rebuild from LMDB", await timedOpen(dir, entries, cleanup), "DncList.open in a fresh process with no snapshot: index rebuilt from the store");
}

/** dnc over gRPC: one sidecar process serves every figure, then stops. */
async function overGrpc(dir: string, ctx: BenchContext, opts: Options): Promise<void> {
  const gcDir = mkdtempSync(join(TMP_DIR, "gc-"));
  ctx.cleanup.dir(gcDir);
  const sidecarGcLog = join(gcDir, "sidecar.log");
  const floorGcLog = join(gcDir, "floors.log");
  const sidecar = await startSidecar(dir, ctx.cleanup, [], sidecarGcLog);
  ctx.report.figure("sidecar process ready", sidecar.ready.startMs, "ms", "Sidecar.start in a child process: index from the snapshot, then the binds");
  const emptyDir = mkdtempSync(join(TMP_DIR, "empty-"));
  ctx.cleanup.dir(emptyDir);
  await sidecarMemory(sidecar, emptyDir, ctx);
  const address = `127.0.0.1:${sidecar.ready.grpcPort}`;
  const client = new GrpcClient(address);
  const admin = new GrpcClient(address, { token: BENCH_ADMIN_TOKEN });
  try {
    await grpcThroughput(sidecar, client, bodyDirIn(TMP_DIR, ctx.cleanup), ctx);
    // The floors run with the sidecar's heap sizing: they stand for its stack, tuned as it is.
    const logging = gcLogging(floorGcLog);
    const floor = await startScript<FloorReady>(FLOOR_SCRIPT, [], ctx.cleanup, [...SERVE_NODE_FLAGS, ...logging.nodeArgs], logging.env);
    try {
      const floors = [
        { name: floorName("grpc-js"), port: floor.ready.grpcJsPort, gcLog: floorGcLog },
        { name: floorName("node:http2"), port: floor.ready.http2Port, gcLog: floorGcLog },
      ];
      const ports = { dnc: sidecar.ready.grpcPort, filterPort: sidecar.ready.filterPort, dncGcLog: sidecarGcLog, floors };
      await checkLatency(client, ports, ctx);
      await batchLatency(ports, ctx);
    } finally {
      await ctx.cleanup.stop(floor.child);
    }
    await writeToVisible(sidecar.ready.grpcPort, client, admin, ctx, opts.writeRepeats);
  } finally {
    client.close();
    admin.close();
    await ctx.cleanup.stop(sidecar.child);
  }
}

/** Each peer figure beside dnc's: the C-driven dnc figure where there is one, as the peers are C-driven too. */
function compare(ctx: BenchContext): void {
  const { report } = ctx;
  for (const set of ctx.sets) {
    // The filter port is the door a gateway is given for its traffic; the gRPC port's figure stays in the table.
    const driver = (["h2load, filter port", "h2load", "grpc-js"] as const).find((d) => report.find(dncBatchFigure("fast", d, set)) !== undefined) ?? "grpc-js";
    const dnc = dncBatchFigure("fast", driver, set);
    const metric = `FilterBatch(${fmt(set.recipientsPerRequest)}) fast form, ${ratioName(set.ratio)}, dnc by ${driver === "h2load, filter port" ? "h2load on the filter port" : driver}`;
    const target = set.recipientsPerRequest === 1_000 ? ({ system: "Redis", kind: "min", ratio: 1.5 } as const) : undefined;
    report.compare(metric, dnc, [["Redis", redisBatchFigure(set)], ["PostgreSQL", postgresBatchFigure(set)]], target);
  }
  report.compare("index memory per entry", INDEX_MEMORY_FIGURE, [["Redis", REDIS_MEMORY_FIGURE], ["PostgreSQL", POSTGRES_SIZE_FIGURE]], {
    system: "Redis",
    kind: "max",
    ratio: 0.25,
  });
  report.compare("index memory with the contact key files, per entry", INDEX_WITH_KEYS_FIGURE, [["Redis", REDIS_MEMORY_FIGURE], ["PostgreSQL", POSTGRES_SIZE_FIGURE]]);
  report.compare("resident memory per entry, serving", SIDECAR_RSS_FIGURE, [["Redis", REDIS_RSS_FIGURE]]);
  report.compare("anonymous resident memory per entry, serving", SIDECAR_ANON_FIGURE, [["Redis", REDIS_RSS_FIGURE]]);
}

const shortOfTarget = (report: Report): boolean =>
  report.figures.some((f) => f.target?.met === false) || report.comparisons.some((c) => c.target?.met === false);

/** `npm run bench` sets a large heap for the 10M-entry run; `dnc bench` gets one the same way, from a child process. */
function rerunWithLargerHeap(argv: string[], entries: number, command: string): Promise<number> | undefined {
  if (entries <= 1_000_000 || getHeapStatistics().heap_size_limit >= HEAP_MB * 1024 ** 2 * 0.9) return undefined;
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, script, ...argv], {
    stdio: "inherit",
    env: { ...process.env, [COMMAND_ENV]: command },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

/** Runs the benchmark with `argv` (the options above); `command` is how the report says it was started. */
export async function runBench(argv: string[], command: string): Promise<void> {
  const opts = parseOptions(argv);
  const rerun = rerunWithLargerHeap(argv, opts.entries, command);
  if (rerun !== undefined) {
    const code = await rerun;
    if (code !== 0) throw new Error(`the benchmark exited ${code}`);
    return;
  }
  const startedAt = new Date();
  // Other work on the machine skews every figure; the report shows how busy it was.
  const loadAtStart = loadavg()[0]!;
  const cleanup = new Cleanup();
  const report = new Report(!opts.smoke);
  mkdirSync(TMP_DIR, { recursive: true });
  console.log(
    `dnc bench: ${fmt(opts.entries)} entries, seed ${opts.seed}, ${opts.only.join(" + ")}, ` +
      `${opts.seconds} s per figure after ${opts.warmUpSeconds} s warm-up; ${cpus().length} CPUs, ${fmt(totalmem() / 1024 ** 3)} GB, node ${process.version}`,
  );
  if (opts.smoke) report.note("smoke run: it checks that the harness works; no figure is held against a target");
  let profiled = false;
  try {
    const data = new DataSet(opts.seed, opts.entries);
    let seed = opts.seed;
    const sets = BATCH_SIZES.flatMap((size) => RATIOS.map((ratio) => buildRequests(data, ++seed, opts.requests, size, ratio)));
    const ctx: BenchContext = { data, sets, seconds: opts.seconds, warmUpSeconds: opts.warmUpSeconds, inflight: opts.inflight, cleanup, report };

    let dir: string | undefined;
    if (opts.only.includes("dnc")) {
      dir = mkdtempSync(join(TMP_DIR, "core-"));
      cleanup.dir(dir);
      const gc = gcFunction();
      const before = sampleMemory(gc);
      const list = DncList.open(dir);
      await load(list, data, dir, report);
      const after = sampleMemory(gc);
      reportMemory(list, opts.entries, before, after, gc !== undefined, report);
      await engineOnly(list, ctx);
      await restart(list, dir, opts.entries, report, cleanup);
      await overGrpc(dir, ctx, opts);
    }
    if (opts.only.includes("redis")) await benchRedis(ctx);
    if (opts.only.includes("postgres")) await benchPostgres(ctx);
    compare(ctx);
    if (dir !== undefined && !opts.smoke && (opts.profile || shortOfTarget(report))) {
      const stamp = startedAt.toISOString().replace(/[-:]|\.\d+/g, "");
      mkdirSync(opts.out, { recursive: true });
      // At 1% blocked the lookups dominate; at 50% each blocked recipient's read of its entry.
      await profileSidecar(dir, TMP_DIR, join(opts.out, `${stamp}-sidecar.cpuprofile`), ctx, 0.01);
      await profileSidecar(dir, TMP_DIR, join(opts.out, `${stamp}-sidecar-50pct.cpuprofile`), ctx, 0.5);
      profiled = true;
    }
  } finally {
    cleanup.now();
  }
  const run = {
    command,
    entries: opts.entries,
    seed: opts.seed,
    systems: opts.only.join(" + "),
    secondsPerFigure: opts.seconds,
    warmUpSeconds: opts.warmUpSeconds,
    inflight: opts.inflight,
    cpus: cpus().length,
    memoryGB: totalmem() / 1024 ** 3,
    node: process.version,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg()[0]!,
    profiled,
    // From the start of the measuring, after any re-run with a larger heap; without `npm run build`.
    wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
  };
  const files = report.write(opts.out, startedAt, run);
  console.log(`whole run: ${fmt(run.wallSeconds, 1)} s\nresults: ${files.json}\nreport:  ${files.markdown}`);
}

/** Run as a script (npm run bench, the smoke test), as opposed to imported by `dnc bench`. */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(realpathSync(script)).href === import.meta.url;
}

if (invokedDirectly()) {
  const argv = process.argv.slice(2);
  runBench(argv, process.env[COMMAND_ENV] ?? `npm run bench -- ${argv.join(" ")}`.trim()).catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  });
}
