// dnc's latency figures over loopback gRPC: Check at fixed request rates and
// FilterBatch(100) at shares of the maximum throughput measured before (each
// port's own), both open loop from a raw-frame HTTP/2 client, on the gRPC
// port and on the filter port, each run repeated at once against the floors
// (servers that answer without doing anything: bare node:http2, and
// grpc-js), so that the report separates dnc's share of a tail from the
// stack's and the machine's; and write-to-visible, an AddEntries
// acknowledged (on a grpc-js admin client, as an admin's write would come)
// and then the next FilterBatch from the gateway's client, which must block
// the entry: the raw-frame client, then grpc-js.

import { fromBinary } from "@bufbuild/protobuf";
import { build } from "hdr-histogram-js";
import { performance } from "node:perf_hooks";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { CheckResponseSchema, FilterBatchResponseSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { ContactKind, Source } from "../sidecar/gen/dnc/v1/types_pb.js";
import type { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { dncBatchFigure, type BenchContext } from "./bench-context.js";
import { CHECK_PATH, FILTER_BATCH_PATH, checkRequests, fastRequest, freshPhones, grpcFrame, type RequestSet } from "./filter-requests.js";
import { GC_LOG_SETTLE_MS, OwnGcPauses, describeGcPauses, epochMs, readGcLog } from "./gc-log.js";
import { RawH2Client } from "./raw-h2-client.js";
import { describeOpenLoop, openLoop, p99Ms, percentilesMs, type OpenLoopResult } from "./open-loop.js";
import { fmt, type Target } from "./report.js";

export const CHECK_RATES = [1_000, 5_000] as const;
/** Shares of FilterBatch(100)'s maximum throughput. */
export const LOAD_SHARES = [0.5, 0.9] as const;
const CHECK_TARGET = { rate: 5_000, target: { kind: "max", value: 1 } as Target };
const BATCH_TARGET = { share: 0.5, target: { kind: "max", value: 2 } as Target };
const WRITE_TARGET: Target = { kind: "max", value: 1 };

/** The suffix of a figure on the filter port (--filter-listen): not a floor's, so the report lists the floors under the gRPC port's figure alone. */
export const ON_FILTER_PORT = ", filter port";

const onFloor = (floor: Floor | undefined): string => (floor === undefined ? "" : `, ${floor.name}`);
export const checkFigure = (rate: number, floor?: Floor): string => `Check p99 at ${fmt(rate)} req/s${onFloor(floor)}`;
export const batchLatencyFigure = (share: number, floor?: Floor): string => `FilterBatch(100) p99 at ${fmt(share * 100)}% of max${onFloor(floor)}`;
export const WRITE_P50_FIGURE = "write-to-visible p50";
export const WRITE_P99_FIGURE = "write-to-visible p99";
export const WRITE_MISSES_FIGURE = "writes missed by the next FilterBatch";
export const WRITE_FROM_SEND_P50_FIGURE = "write-to-visible from the send, p50";
export const WRITE_FROM_SEND_P99_FIGURE = "write-to-visible from the send, p99";
/** The suffix of the write-to-visible figures with grpc-js asking. */
const WRITE_GRPC_JS = ", grpc-js";

/** A server that answers every call at once with an empty message, no list, in a process of its own. */
export interface Floor {
  /** How the figures name it: "node:http2 floor". */
  name: string;
  port: number;
  /** Where its process logs its collector's pauses (gc-log.ts). */
  gcLog: string;
}

/** The sidecar's gRPC and filter ports and the floors', and where each process logs its collector's pauses. */
export interface LatencyPorts {
  dnc: number;
  filterPort: number;
  dncGcLog: string;
  floors: Floor[];
}

export const floorName = (server: string): string => `${server} floor`;

/** The floor under write-to-visible: what a FilterBatch round trip on the same client takes with no write at all. */
const WRITE_FLOOR = floorName("FilterBatch round-trip");

const ms = (v: number): string => fmt(v, 3);

/** The 100-recipient request set at 1% blocked: the shape a latency-sensitive gateway sends. */
function smallSet(ctx: BenchContext): RequestSet {
  return ctx.sets.find((s) => s.recipientsPerRequest === 100 && s.ratio === 0.01) ?? ctx.sets[0]!;
}

interface Measured {
  result: OpenLoopResult;
  /** The server's and this client's collector pauses in the measured run. */
  gc: string;
}

/**
 * Warm-up, then the measured run, at `rate` on a session of its own, so that
 * a run the server broke leaves the next one intact. The pauses of the
 * server's collector (from `gcLog`) and of this client's are read for the
 * measured run, so that a tail can be laid beside them.
 */
async function measure(ctx: BenchContext, port: number, gcLog: string, path: string, bodies: Buffer[], rate: number): Promise<Measured> {
  const h2 = await RawH2Client.open(port);
  const own = new OwnGcPauses();
  try {
    const send = (i: number) => h2.call(path, bodies[i % bodies.length]!);
    await openLoop(send, rate, ctx.warmUpSeconds);
    const from = epochMs();
    const result = await openLoop(send, rate, ctx.seconds);
    const to = epochMs();
    await new Promise((resolve) => setTimeout(resolve, GC_LOG_SETTLE_MS));
    const gc = `GC pauses in the run: server ${describeGcPauses(readGcLog(gcLog), from, to)}; client ${describeGcPauses(own.pauses, from, to)}`;
    return { result, gc };
  } finally {
    own.stop();
    h2.close();
  }
}

interface LatencyRun {
  /** The figure's name, for dnc or for a floor. */
  figure: (floor?: Floor) => string;
  /** The latency chart's row name. */
  row: string;
  path: string;
  bodies: Buffer[];
  rate: number;
  target: Target | undefined;
  /** Appended to dnc's figure's detail. */
  detail: string;
  /** The filter port's own rate and detail, where a share of its own maximum differs from the gRPC port's. */
  filterPort?: { rate: number; detail: string };
}

/**
 * `run` against dnc's gRPC port and its filter port, then at once against
 * each floor, with one figure and one chart row each; the gRPC port's
 * detail names the floors' p99.
 */
async function measureWithFloors(ctx: BenchContext, ports: LatencyPorts, run: LatencyRun): Promise<void> {
  const dnc = await measure(ctx, ports.dnc, ports.dncGcLog, run.path, run.bodies, run.rate);
  const front = await measure(ctx, ports.filterPort, ports.dncGcLog, run.path, run.bodies, run.filterPort?.rate ?? run.rate);
  const floors: [Floor, Measured][] = [];
  for (const floor of ports.floors) floors.push([floor, await measure(ctx, floor.port, floor.gcLog, run.path, run.bodies, run.rate)]);
  const dncPercentiles = percentilesMs(dnc.result.histogram);
  const beside = floors.map(([floor, { result }]) => `${floor.name} p99 ${ms(p99Ms(percentilesMs(result.histogram)))} ms`).join(", ");
  const detail = `${describeOpenLoop(dnc.result)}; ${run.detail}; ${dnc.gc}${beside === "" ? "" : `; at the same rate just after (after the filter port's run): ${beside}`}`;
  ctx.report.figure(run.figure(), p99Ms(dncPercentiles), "ms", detail, run.target);
  ctx.report.latency({ name: run.row, percentiles: dncPercentiles, targetMs: run.target?.value });
  const frontPercentiles = percentilesMs(front.result.histogram);
  const frontDetail = `${describeOpenLoop(front.result)}; ${run.filterPort?.detail ?? run.detail}; the same sidecar's filter port, just after its gRPC port; ${front.gc}`;
  ctx.report.figure(`${run.figure()}${ON_FILTER_PORT}`, p99Ms(frontPercentiles), "ms", frontDetail, run.target);
  ctx.report.latency({ name: `${run.row}${ON_FILTER_PORT}`, percentiles: frontPercentiles, targetMs: run.target?.value });
  for (const [floor, { result, gc }] of floors) {
    const percentiles = percentilesMs(result.histogram);
    ctx.report.figure(run.figure(floor), p99Ms(percentiles), "ms", `${describeOpenLoop(result)}; answers every call at once with an empty message, no list; ${gc}`);
    ctx.report.latency({ name: `${run.row}, ${floor.name}`, percentiles });
  }
}

/** `client` verifies the requests (grpc-js decodes the answers); the timed load goes to the ports from the raw client. */
export async function checkLatency(client: GrpcClient, ports: LatencyPorts, ctx: BenchContext): Promise<void> {
  const set = smallSet(ctx);
  const requests = checkRequests(set, 50_000);
  // The first batch's recipients, one Check each, block exactly as the batch does.
  const first = await Promise.all(requests.slice(0, set.recipientsPerRequest).map((r) => client.callRaw(CHECK_PATH, r)));
  const blocked = first.filter((b) => fromBinary(CheckResponseSchema, b).blocked).length;
  if (blocked !== set.blockedPerRequest) throw new Error(`Check: ${blocked} of a batch blocked, ${set.blockedPerRequest} intended`);
  const bodies = requests.map(grpcFrame);
  for (const rate of CHECK_RATES) {
    await measureWithFloors(ctx, ports, {
      figure: (floor?: Floor) => checkFigure(rate, floor),
      row: `Check at ${fmt(rate)} req/s`,
      path: CHECK_PATH,
      bodies,
      rate,
      target: rate === CHECK_TARGET.rate ? CHECK_TARGET.target : undefined,
      detail: `${fmt(set.ratio * 100)}% blocked`,
    });
  }
}

/** Each port is loaded at shares of its own FilterBatch(100) maximum (the floors at the gRPC port's). */
export async function batchLatency(ports: LatencyPorts, ctx: BenchContext): Promise<void> {
  const set = smallSet(ctx);
  const basis = ctx.report.find(dncBatchFigure("fast", "h2load", set)) ?? ctx.report.find(dncBatchFigure("fast", "grpc-js", set));
  if (basis === undefined) throw new Error("FilterBatch latency: no FilterBatch(100) throughput to take shares of");
  const frontBasis = ctx.report.find(dncBatchFigure("fast", "h2load, filter port", set)) ?? basis;
  const maxCalls = basis.value / set.recipientsPerRequest;
  const frontMaxCalls = frontBasis.value / set.recipientsPerRequest;
  const bodies = set.buffers.fast.map(grpcFrame);
  for (const share of LOAD_SHARES) {
    await measureWithFloors(ctx, ports, {
      figure: (floor?: Floor) => batchLatencyFigure(share, floor),
      row: `FilterBatch(100) at ${fmt(share * 100)}% of max`,
      path: FILTER_BATCH_PATH,
      bodies,
      rate: share * maxCalls,
      target: share === BATCH_TARGET.share ? BATCH_TARGET.target : undefined,
      detail: `max = ${fmt(maxCalls)} calls/s (${basis.name})`,
      filterPort: { rate: share * frontMaxCalls, detail: `max = ${fmt(frontMaxCalls)} calls/s (${frontBasis.name})` },
    });
  }
}

/** A client write-to-visible asks through. */
interface WriteProbe {
  /** For the figures' details, e.g. "grpc-js client". */
  name: string;
  /** Ends each of its figures' names. */
  suffix: string;
  /** Asks the sidecar with a one-recipient FilterBatch whether it blocks `phone`. */
  blocks: (phone: string) => Promise<boolean>;
  /** Whether its figures are held to the target. */
  targeted: boolean;
}

function blockedIn(message: Uint8Array | undefined): boolean {
  // No answer is no verdict: counted as "not blocked", a fault would keep the polling going for ever.
  if (message === undefined) throw new Error("write-to-visible: a FilterBatch came back without its message");
  return fromBinary(FilterBatchResponseSchema, message).blocked.length === 1;
}

/**
 * Write-to-visible with each client in turn, on the gRPC port: first the
 * raw-frame client, whose own cost (about 10 µs a call) leaves the
 * sidecar's share of the figure; then grpc-js, the Node-to-Node figure, whose
 * client alone spends some 130 µs a call each way (raw-h2-client.ts).
 */
export async function writeToVisible(port: number, client: GrpcClient, admin: GrpcClient, ctx: BenchContext, repeats: number): Promise<void> {
  const h2 = await RawH2Client.open(port);
  try {
    const raw: WriteProbe = {
      name: "raw-frame HTTP/2 client",
      suffix: "",
      blocks: async (phone) => blockedIn(await h2.call(FILTER_BATCH_PATH, grpcFrame(fastRequest([phone])), true)),
      targeted: true,
    };
    await writeToVisibleWith(raw, admin, ctx, repeats);
  } finally {
    h2.close();
  }
  const grpcJs: WriteProbe = {
    name: "grpc-js client",
    suffix: WRITE_GRPC_JS,
    blocks: async (phone) => blockedIn(await client.callRaw(FILTER_BATCH_PATH, fastRequest([phone]))),
    targeted: false,
  };
  await writeToVisibleWith(grpcJs, admin, ctx, repeats);
}

/**
 * `repeats` times: AddEntries with a number no entry holds, FilterBatch calls
 * with that number back to back while the write is on its way. Figures:
 * write-to-visible as the issue defines it, from the acknowledgement to the
 * answer of a FilterBatch sent the moment it arrives, which must block the
 * number (SPEC §4; a miss is counted, and the polling goes on until one
 * blocks it); from the send to the first FilterBatch that blocks it; and, as
 * its floor, the same client's FilterBatch round trip with no write under
 * way, once after each write.
 */
async function writeToVisibleWith(probe: WriteProbe, admin: GrpcClient, ctx: BenchContext, repeats: number): Promise<void> {
  const { name: clientName, suffix } = probe;
  const histogram = () => build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const afterAck = histogram();
  const fromSend = histogram();
  const ack = histogram();
  const alone = histogram();
  const record = (h: ReturnType<typeof histogram>, from: number, to: number) => h.recordValue(Math.max(1, Math.round((to - from) * 1000)));
  let missed = 0;
  let polls = 0;
  const poll = (phone: string) => {
    polls++;
    return probe.blocks(phone);
  };
  for (const phone of freshPhones(ctx.data, repeats)) {
    const sent = performance.now();
    let acked = 0;
    let failed = false;
    const call = admin.call(AdminService.method.addEntries, { entries: [{ contact: phone, kind: ContactKind.PHONE, source: Source.API }] });
    call.catch(() => (failed = true));
    // The first FilterBatch after the acknowledgement goes out from its callback, beside any poll still in flight, not after it.
    const next = call.then(async (res) => {
      acked = performance.now();
      if (res.added !== 1) throw new Error(`write-to-visible: AddEntries added ${res.added}, rejected ${res.rejected.map((r) => r.reason).join(", ")}`);
      const blocked = await poll(phone);
      return { blocked, answered: performance.now() };
    });
    // A poll below may fail first: this one's failure is then taken when the loop's is, not left unhandled.
    next.catch(() => undefined);
    let visible = 0;
    while (visible === 0 && acked === 0 && !failed) if (await poll(phone)) visible = performance.now();
    const { blocked, answered } = await next;
    if (!blocked) {
      missed++;
      while (!(await poll(phone)));
    }
    record(ack, sent, acked);
    record(afterAck, acked, answered);
    record(fromSend, sent, visible === 0 ? answered : Math.min(visible, answered));
    const aloneSent = performance.now();
    await poll(phone);
    record(alone, aloneSent, performance.now());
  }
  const target = probe.targeted ? WRITE_TARGET : undefined;
  const ackDetail = `AddEntries (grpc-js) acknowledged p50 ${ms(ack.getValueAtPercentile(50) / 1000)}, p99 ${ms(ack.getValueAtPercentile(99) / 1000)} ms after the send`;
  const detail =
    `AddEntries acknowledged → the answer of a FilterBatch sent at the acknowledgement, which blocks the number; ${fmt(repeats)} writes one after the other, FilterBatch by the ${clientName}; ` +
    `the index takes a write in when LMDB commits it, before the acknowledgement, which waits for the sync to disk; ${ackDetail}`;
  const sendDetail = `AddEntries sent → the first FilterBatch that blocks the number (FilterBatch calls back to back meanwhile, ${fmt(polls)} in all, by the ${clientName}); ${ackDetail}`;
  const aloneFigure = `FilterBatch(1) round trip with no write under way, after each write (${clientName}), ${fmt(repeats)} calls`;
  ctx.report.figure(`${WRITE_P50_FIGURE}${suffix}`, afterAck.getValueAtPercentile(50) / 1000, "ms", detail, target);
  ctx.report.figure(`${WRITE_P50_FIGURE}${suffix}, ${WRITE_FLOOR}`, alone.getValueAtPercentile(50) / 1000, "ms", aloneFigure);
  ctx.report.figure(`${WRITE_P99_FIGURE}${suffix}`, afterAck.getValueAtPercentile(99) / 1000, "ms", detail, target);
  ctx.report.figure(`${WRITE_P99_FIGURE}${suffix}, ${WRITE_FLOOR}`, alone.getValueAtPercentile(99) / 1000, "ms", aloneFigure);
  ctx.report.figure(`${WRITE_FROM_SEND_P50_FIGURE}${suffix}`, fromSend.getValueAtPercentile(50) / 1000, "ms", sendDetail);
  ctx.report.figure(`${WRITE_FROM_SEND_P99_FIGURE}${suffix}`, fromSend.getValueAtPercentile(99) / 1000, "ms", sendDetail);
  ctx.report.figure(`${WRITE_MISSES_FIGURE}${suffix}`, missed, `of ${fmt(repeats)}`, "acknowledged writes the next FilterBatch did not block (SPEC §4: must be 0)", { kind: "max", value: 0 });
  ctx.report.latency({ name: `write-to-visible${suffix}, acknowledged → next FilterBatch`, percentiles: percentilesMs(afterAck), targetMs: target?.value });
  ctx.report.latency({ name: `write-to-visible${suffix}, ${WRITE_FLOOR}`, percentiles: percentilesMs(alone) });
  ctx.report.latency({ name: `write-to-visible${suffix}, sent → first FilterBatch blocking`, percentiles: percentilesMs(fromSend) });
}
