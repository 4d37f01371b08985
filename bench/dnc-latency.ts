// dnc's latency figures over loopback gRPC: Check at fixed request rates and
// FilterBatch(100) at shares of the maximum throughput measured before, both
// open loop from a raw-frame HTTP/2 client; and write-to-visible with grpc-js, an
// AddEntries acknowledged (on an admin client, as an admin's write would
// come) and then the next FilterBatch from the gateway's client, which must
// block the entry.

import { fromBinary } from "@bufbuild/protobuf";
import { build } from "hdr-histogram-js";
import { performance } from "node:perf_hooks";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { CheckResponseSchema, FilterBatchResponseSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { ContactKind, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import type { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { dncBatchFigure, type BenchContext } from "./bench-context.js";
import { CHECK_PATH, FILTER_BATCH_PATH, checkRequests, fastRequest, freshPhones, grpcFrame, type RequestSet } from "./filter-requests.js";
import { RawH2Client } from "./raw-h2-client.js";
import { openLoop, percentilesMs, type OpenLoopResult } from "./open-loop.js";
import { fmt, type Target } from "./report.js";

export const CHECK_RATES = [1_000, 5_000] as const;
/** Shares of FilterBatch(100)'s maximum throughput. */
export const LOAD_SHARES = [0.5, 0.9] as const;
const CHECK_TARGET = { rate: 5_000, target: { kind: "max", value: 1 } as Target };
const BATCH_TARGET = { share: 0.5, target: { kind: "max", value: 2 } as Target };
const WRITE_TARGET: Target = { kind: "max", value: 1 };
/** Below this share of the scheduled rate, the figure says that the client could not keep up. */
const KEPT_UP = 0.97;

export const checkFigure = (rate: number): string => `Check p99 at ${fmt(rate)} req/s`;
export const batchLatencyFigure = (share: number): string => `FilterBatch(100) p99 at ${fmt(share * 100)}% of max`;
export const WRITE_P50_FIGURE = "write-to-visible p50";
export const WRITE_P99_FIGURE = "write-to-visible p99";
export const WRITE_MISSES_FIGURE = "writes missed by the next FilterBatch";

const ms = (v: number): string => fmt(v, 3);
const p99 = (percentiles: [number, number][]): number => percentiles.find(([p]) => p === 99)![1];

function describe(result: OpenLoopResult): string {
  const [p50, , , p999, , max] = percentilesMs(result.histogram).map(([, v]) => v);
  const pace =
    result.achievedRate < KEPT_UP * result.scheduledRate
      ? `; the client fell behind: ${fmt(result.achievedRate)} of ${fmt(result.scheduledRate)} req/s answered, the rest count as queueing`
      : "";
  const errors = result.errors === 0 ? "" : `; ${fmt(result.errors)} calls failed, each counted as a minute (first: ${String(result.firstError)})`;
  return `p50 ${ms(p50!)}, p99.9 ${ms(p999!)}, max ${ms(max!)} ms; ${fmt(result.histogram.totalCount)} calls at ${fmt(result.scheduledRate)}/s, open loop, raw HTTP/2 client${pace}${errors}`;
}

/** The 100-recipient request set at 1% blocked: the shape a latency-sensitive gateway sends. */
function smallSet(ctx: BenchContext): RequestSet {
  return ctx.sets.find((s) => s.recipientsPerRequest === 100 && s.ratio === 0.01) ?? ctx.sets[0]!;
}

/** Warm-up, then the measured run, at `rate` on a session of its own, so that a run the server broke leaves the next one intact. */
async function measure(ctx: BenchContext, port: number, path: string, bodies: Buffer[], rate: number): Promise<OpenLoopResult> {
  const h2 = await RawH2Client.open(port);
  try {
    const send = (i: number) => h2.call(path, bodies[i % bodies.length]!);
    await openLoop(send, rate, ctx.warmUpSeconds);
    return await openLoop(send, rate, ctx.seconds);
  } finally {
    h2.close();
  }
}

/** `client` verifies the requests (grpc-js decodes the answers); the timed load goes to `port` from the raw client. */
export async function checkLatency(client: GrpcClient, port: number, ctx: BenchContext): Promise<void> {
  const set = smallSet(ctx);
  const requests = checkRequests(set, 50_000);
  // The first batch's recipients, one Check each, block exactly as the batch does.
  const first = await Promise.all(requests.slice(0, set.recipientsPerRequest).map((r) => client.callRaw(CHECK_PATH, r)));
  const blocked = first.filter((b) => fromBinary(CheckResponseSchema, b).blocked).length;
  if (blocked !== set.blockedPerRequest) throw new Error(`Check: ${blocked} of a batch blocked, ${set.blockedPerRequest} intended`);
  const bodies = requests.map(grpcFrame);
  for (const rate of CHECK_RATES) {
    const result = await measure(ctx, port, CHECK_PATH, bodies, rate);
    const percentiles = percentilesMs(result.histogram);
    const target = rate === CHECK_TARGET.rate ? CHECK_TARGET.target : undefined;
    ctx.report.figure(checkFigure(rate), p99(percentiles), "ms", `${describe(result)}; ${fmt(set.ratio * 100)}% blocked`, target);
    ctx.report.latency({ name: `Check at ${fmt(rate)} req/s`, percentiles, targetMs: target?.value });
  }
}

export async function batchLatency(port: number, ctx: BenchContext): Promise<void> {
  const set = smallSet(ctx);
  const basis = ctx.report.find(dncBatchFigure("fast", "h2load", set)) ?? ctx.report.find(dncBatchFigure("fast", "grpc-js", set));
  if (basis === undefined) throw new Error("FilterBatch latency: no FilterBatch(100) throughput to take shares of");
  const maxCalls = basis.value / set.recipientsPerRequest;
  const bodies = set.buffers.fast.map(grpcFrame);
  for (const share of LOAD_SHARES) {
    const rate = share * maxCalls;
    const result = await measure(ctx, port, FILTER_BATCH_PATH, bodies, rate);
    const target = share === BATCH_TARGET.share ? BATCH_TARGET.target : undefined;
    const percentiles = percentilesMs(result.histogram);
    ctx.report.figure(
      batchLatencyFigure(share),
      p99(percentiles),
      "ms",
      `${describe(result)}; max = ${fmt(maxCalls)} calls/s (${basis.name})`,
      target,
    );
    ctx.report.latency({ name: `FilterBatch(100) at ${fmt(share * 100)}% of max`, percentiles, targetMs: target?.value });
  }
}

/**
 * `repeats` times: AddEntries with a number no entry holds while FilterBatch
 * calls with that number follow one another until one blocks it: measured
 * from sending the write to that answer. Once the write is acknowledged (its
 * sync to disk done), one more FilterBatch must block it (SPEC §4).
 */
export async function writeToVisible(client: GrpcClient, admin: GrpcClient, ctx: BenchContext, repeats: number): Promise<void> {
  const histogram = () => build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const total = histogram();
  const ack = histogram();
  let missed = 0;
  let polls = 0;
  const blocks = async (phone: string) => {
    polls++;
    const res = fromBinary(FilterBatchResponseSchema, await client.callRaw(FILTER_BATCH_PATH, fastRequest([phone])));
    return res.blocked.length === 1;
  };
  for (const phone of freshPhones(ctx.data, repeats)) {
    const sent = performance.now();
    let acked = 0;
    const added = admin.call(AdminService.method.addEntries, { entries: [{ contact: phone, kind: ContactKind.PHONE, source: Source.API }] }).then((res) => {
      acked = performance.now();
      return res;
    });
    let visible = 0;
    while (visible === 0 && acked === 0) if (await blocks(phone)) visible = performance.now();
    const res = await added;
    if (res.added !== 1) throw new Error(`write-to-visible: AddEntries added ${res.added}, rejected ${res.rejected.map((r) => r.reason).join(", ")}`);
    if (!(await blocks(phone))) missed++;
    if (visible === 0) visible = performance.now();
    ack.recordValue(Math.max(1, Math.round((acked - sent) * 1000)));
    total.recordValue(Math.max(1, Math.round((visible - sent) * 1000)));
  }
  const detail =
    `AddEntries sent → the first FilterBatch that blocks the number (FilterBatch calls back to back meanwhile, ${fmt(polls)} in all), ` +
    `${fmt(repeats)} writes one after the other (grpc-js); the index takes a write in when LMDB commits it, ` +
    `the acknowledgement waits for the sync to disk: AddEntries acknowledged p50 ${ms(ack.getValueAtPercentile(50) / 1000)}, p99 ${ms(ack.getValueAtPercentile(99) / 1000)} ms`;
  ctx.report.figure(WRITE_P50_FIGURE, total.getValueAtPercentile(50) / 1000, "ms", detail, WRITE_TARGET);
  ctx.report.figure(WRITE_P99_FIGURE, total.getValueAtPercentile(99) / 1000, "ms", detail, WRITE_TARGET);
  ctx.report.figure(WRITE_MISSES_FIGURE, missed, `of ${fmt(repeats)}`, "acknowledged writes the next FilterBatch did not block (SPEC §4: must be 0)", { kind: "max", value: 0 });
  ctx.report.latency({ name: "write-to-visible (one at a time)", percentiles: percentilesMs(total), targetMs: WRITE_TARGET.value });
}
