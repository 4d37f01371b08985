// Redis, the peer a gateway team reaches for first: the data set's contacts
// in one set on a redis-server the harness starts (127.0.0.1, no
// persistence, a temp dir), asked with SMISMEMBER in the same batches dnc
// gets, driven by redis-benchmark (C) so that the load generator does not
// cap the figure, and its memory for the set.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { REDIS_MEMORY_FIGURE, REDIS_RSS_FIGURE, REDIS_SERIES, batchGroup, redisBatchFigure, type BenchContext } from "./bench-context.js";
import { CpuMeter } from "./cpu-usage.js";
import { SETUP_COMMAND, commandPath, freePort, runTool, waitUntil } from "./local-tools.js";
import { fmt } from "./report.js";
import { RespClient, type RespValue } from "./resp-client.js";

const KEY = "dnc";
const LOAD_CHUNK = 1_000;
/** Checks the calibration run asks for: enough to time a rate, and it doubles as the warm-up. */
const CALIBRATION_CHECKS = 200_000;

const mb = (bytes: number): string => `${fmt(bytes / 1024 ** 2)} MB`;

function memoryField(info: RespValue, field: string): number {
  const m = new RegExp(`^${field}:(\\d+)`, "m").exec(String(info));
  if (m === null) throw new Error(`redis INFO memory has no ${field}`);
  return Number(m[1]);
}

interface BenchmarkResult {
  callsPerSecond: number;
  p50: number;
  p99: number;
}

/** Runs redis-benchmark for `calls` calls of `command`; its --csv line is the test name, then rps, avg, min, p50, p95, p99, max. */
async function redisBenchmark(ctx: BenchContext, bin: string, port: number, calls: number, command: string[]): Promise<BenchmarkResult> {
  const args = ["-h", "127.0.0.1", "-p", String(port), "-c", String(ctx.inflight), "-P", "1", "-n", String(calls), "--csv", ...command];
  const { stdout } = await runTool(ctx.cleanup, bin, args);
  const m = /"([\d.]+)","[\d.]+","[\d.]+","([\d.]+)","[\d.]+","([\d.]+)","[\d.]+"\s*$/.exec(stdout);
  if (m === null) throw new Error(`redis-benchmark: no result in its output:\n${stdout.slice(-2_000)}`);
  return { callsPerSecond: Number(m[1]), p50: Number(m[2]), p99: Number(m[3]) };
}

export async function benchRedis(ctx: BenchContext): Promise<void> {
  const { report, data } = ctx;
  const server = commandPath("redis-server");
  const benchmark = commandPath("redis-benchmark");
  if (server === undefined || benchmark === undefined) {
    report.note(`Redis: skipped, ${server === undefined ? "redis-server" : "redis-benchmark"} is not installed (${SETUP_COMMAND})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "dnc-bench-redis-"));
  ctx.cleanup.dir(dir);
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", join(dir, "redis.log")];
  const child = spawn(server, args, { stdio: "ignore" });
  ctx.cleanup.child(child);
  let client: RespClient | undefined;
  try {
    await waitUntil("redis-server", 10_000, async () => {
      client = await RespClient.open(port);
      return true;
    });
    const redis = client!;
    const before = await redis.command("INFO", "memory");
    const started = performance.now();
    await redis.pipeline(
      (function* () {
        for (const chunk of data.contacts(LOAD_CHUNK)) yield ["SADD", KEY, ...chunk];
      })(),
    );
    const loadSeconds = (performance.now() - started) / 1000;
    const members = await redis.command("SCARD", KEY);
    if (members !== data.size) throw new Error(`redis: the set holds ${String(members)} members, the data set ${data.size}`);
    report.figure("Redis load rate", data.size / loadSeconds, "members/s", `${fmt(loadSeconds, 1)} s: pipelined SADD of ${fmt(LOAD_CHUNK)} members over one connection`);

    const after = await redis.command("INFO", "memory");
    const usage = Number(await redis.command("MEMORY", "USAGE", KEY, "SAMPLES", "0"));
    const used = memoryField(after, "used_memory") - memoryField(before, "used_memory");
    report.figure(REDIS_MEMORY_FIGURE, usage / data.size, "bytes/entry", `MEMORY USAGE ${KEY} SAMPLES 0: ${mb(usage)}; used_memory grew ${mb(used)}`);
    const rssBefore = memoryField(before, "used_memory_rss");
    const rssAfter = memoryField(after, "used_memory_rss");
    report.figure(REDIS_RSS_FIGURE, (rssAfter - rssBefore) / data.size, "bytes/entry", `used_memory_rss ${mb(rssBefore)} → ${mb(rssAfter)}`);

    for (const set of ctx.sets) {
      // One batch replayed, as h2load replays one body for dnc.
      const batch = set.batches[0]!;
      const command = ["SMISMEMBER", KEY, ...batch];
      const flags = (await redis.command(...command)) as number[];
      const found = flags.filter((f) => f === 1).length;
      if (found !== set.blockedPerRequest) throw new Error(`redis: ${found} of the batch are members, ${set.blockedPerRequest} intended`);
      const calibration = await redisBenchmark(ctx, benchmark, port, Math.ceil(CALIBRATION_CHECKS / set.recipientsPerRequest), command);
      const calls = Math.max(100, Math.round(calibration.callsPerSecond * ctx.seconds));
      const cpu = new CpuMeter([["redis-server", child.pid]]);
      const result = await redisBenchmark(ctx, benchmark, port, calls, command);
      report.figure(
        redisBatchFigure(set),
        result.callsPerSecond * set.recipientsPerRequest,
        "checks/s",
        `${fmt(result.callsPerSecond)} calls/s, ${ctx.inflight} connections, no pipelining, one batch; ${cpu.describe()}; ` +
          `redis-benchmark latency p50 ${result.p50} ms, p99 ${result.p99} ms`,
        undefined,
        { plot: { group: batchGroup(set), series: REDIS_SERIES } },
      );
    }
  } finally {
    client?.close();
    await ctx.cleanup.stop(child);
  }
}
