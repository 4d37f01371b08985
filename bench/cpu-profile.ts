// Where the sidecar's time goes when dnc falls short of a target: a fresh
// sidecar under `node --cpu-prof`, loaded with FilterBatch(1000) in the fast
// form at a blocked ratio, and the profile's top frames by self time while
// the load ran, grouped into dnc's own code, grpc-js, Node and V8, so that
// the report shows whether the limit is in dnc's code or outside it.

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { ratioName, type BenchContext } from "./bench-context.js";
import { startSidecar } from "./dnc-grpc.js";
import { FILTER_BATCH_PATH, grpcFrame } from "./filter-requests.js";
import { h2loadPath, runH2load } from "./h2load.js";
import { fmt } from "./report.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The compiled tree this file is in (dist/): frames under its sidecar/ are dnc's own code. */
const DNC_CODE = new URL("../sidecar/", import.meta.url).href;
/** The file whose frame calls the native probe (compiled): its url-less child frames are the probe's C. */
const NATIVE_PROBE_CALLER = "/sidecar/native/recipient-probe.js";
const TOP = 15;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A .cpuprofile: `startTime` and `timeDeltas` in microseconds of the monotonic clock that `process.hrtime` reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the monotonic clock, in microseconds (`process.hrtime.bigint() / 1000n`). */
export interface ClockWindow {
  fromUs: number;
  toUs: number;
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface Frame {
  name: string;
  where: string;
  area: string;
  samples: number;
}

function areaOf(url: string, name: string): string {
  if (url.startsWith(DNC_CODE)) return "dnc";
  if (url.includes("/node_modules/@grpc/")) return "grpc-js";
  if (url.includes("/node_modules/")) return "other packages";
  if (url.startsWith("node:")) return "Node";
  if (name === "(garbage collector)") return "GC";
  if (name === "(idle)") return "idle";
  return "V8 and native";
}

/**
 * Self samples per function, heaviest first, and per area, of the samples
 * taken inside `window`: the sidecar's start-up (loading and checking its
 * index snapshot) and the load's warm-up are left out.
 */
export function topFrames(profile: CpuProfile, window: ClockWindow): { frames: Frame[]; areas: Map<string, number>; total: number } {
  const hitsOf = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    if (at < window.fromUs || at > window.toUs) continue;
    const id = profile.samples[i]!;
    hitsOf.set(id, (hitsOf.get(id) ?? 0) + 1);
  }
  const byFrame = new Map<string, Frame>();
  const areas = new Map<string, number>();
  const nativeProbes = new Set<number>();
  for (const node of profile.nodes) {
    if (node.callFrame.url.endsWith(NATIVE_PROBE_CALLER)) for (const child of node.children ?? []) nativeProbes.add(child);
  }
  let total = 0;
  for (const node of profile.nodes) {
    const hits = hitsOf.get(node.id) ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    // V8 names a Node-API function's frame after whatever builtin it resembles ("resumeWriting"), with no url.
    const probe = url === "" && nativeProbes.has(node.id);
    const name = probe ? "probe (native)" : functionName === "" ? "(anonymous)" : functionName;
    const where = probe ? "sidecar/native/recipient-probe.c" : url === "" ? "" : `${url.replace(`file://${ROOT}`, "")}:${lineNumber + 1}`;
    const key = `${name} ${where}`;
    const area = probe ? "dnc" : areaOf(url, name);
    const frame = byFrame.get(key) ?? { name, where, area, samples: 0 };
    frame.samples += hits;
    byFrame.set(key, frame);
    areas.set(area, (areas.get(area) ?? 0) + hits);
    total += hits;
  }
  return { frames: [...byFrame.values()].sort((a, b) => b.samples - a.samples), areas, total };
}

/** Each area's share of `total`, largest first, as "area 12.3%". */
function areaSplit(areas: Map<string, number>, total: number): string[] {
  return [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, n]) => `${area} ${fmt((100 * n) / total, 1)}%`);
}

/** Profiles the sidecar on `dataDir` under FilterBatch(1000), fast form, `ratio` blocked, and writes `outFile` (a .cpuprofile). */
export async function profileSidecar(dataDir: string, tmpDir: string, outFile: string, ctx: BenchContext, ratio: number): Promise<void> {
  const set = ctx.sets.find((s) => s.recipientsPerRequest === 1_000 && s.ratio === ratio) ?? ctx.sets[0]!;
  const profDir = mkdtempSync(join(tmpDir, "cpu-prof-"));
  ctx.cleanup.dir(profDir);
  const sidecar = await startSidecar(dataDir, ctx.cleanup, ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
  const h2load = h2loadPath();
  let driver: string;
  let window: ClockWindow;
  try {
    const loadFrom = monotonicUs();
    if (h2load !== undefined) {
      const bodyFile = join(profDir, "body.bin");
      writeFileSync(bodyFile, grpcFrame(set.buffers.fast[0]!));
      const url = `http://127.0.0.1:${sidecar.ready.filterPort}${FILTER_BATCH_PATH}`;
      await runH2load(h2load, { url, bodyFile, seconds: ctx.seconds, warmUpSeconds: ctx.warmUpSeconds, connections: 1, streams: ctx.inflight }, (p) =>
        ctx.cleanup.child(p),
      );
      driver = "h2load on the filter port";
    } else {
      const client = new GrpcClient(`127.0.0.1:${sidecar.ready.grpcPort}`);
      const end = performance.now() + (ctx.seconds + ctx.warmUpSeconds) * 1000;
      const worker = async () => {
        for (let i = 0; performance.now() < end; i++) await client.callRaw(FILTER_BATCH_PATH, set.buffers.fast[i % set.buffers.fast.length]!);
      };
      await Promise.all(Array.from({ length: ctx.inflight }, worker));
      client.close();
      driver = "grpc-js";
    }
    window = { fromUs: loadFrom + ctx.warmUpSeconds * 1e6, toUs: monotonicUs() };
  } finally {
    // The profile is written as the process exits.
    await ctx.cleanup.stop(sidecar.child, 30_000);
  }
  // One file per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile): thread 0 is the main thread, the
  // other the filter port's worker.
  const files = readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"));
  const file = files.find((f) => f.split(".")[4] === "0");
  if (file === undefined) {
    ctx.report.note("CPU profile: the sidecar wrote none");
    return;
  }
  copyFileSync(join(profDir, file), outFile);
  const { frames, areas, total } = topFrames(JSON.parse(readFileSync(outFile, "utf8")) as CpuProfile, window);
  if (total === 0) {
    ctx.report.note("CPU profile: no sample fell while the load ran");
    return;
  }
  const pct = (n: number) => `${fmt((100 * n) / total, 1)}%`;
  const split = areaSplit(areas, total);
  const frontFile = files.find((f) => f !== file);
  const front = frontFile === undefined ? undefined : topFrames(JSON.parse(readFileSync(join(profDir, frontFile), "utf8")) as CpuProfile, window);
  const frontSplit = front === undefined || front.total === 0 ? [] : areaSplit(front.areas, front.total);
  const lines = [
    `A fresh sidecar under \`node --cpu-prof\`, FilterBatch(1,000) fast form at ${ratioName(set.ratio)} driven by ${driver} ` +
      `for ${fmt(ctx.warmUpSeconds + ctx.seconds, 1)} s. Profile: \`${outFile.replace(ROOT, "")}\` (open it in Chrome DevTools; it holds the start-up too).`,
    "",
    `The main thread's self time by area while the load ran, after its warm-up (${fmt(total)} samples; start-up left out): ${split.join(", ")}.`,
    ...(frontSplit.length === 0 ? [] : ["", `The filter port's worker thread (its HTTP/2), the same window: ${frontSplit.join(", ")}.`]),
    "",
    "| self | function | where | area |",
    "| --- | --- | --- | --- |",
    ...frames.slice(0, TOP).map((f) => `| ${pct(f.samples)} | \`${f.name}\` | ${f.where} | ${f.area} |`),
  ];
  ctx.report.appendix({ title: `CPU profile of the sidecar under load, ${ratioName(set.ratio)}`, lines });
  console.log(`CPU profile (${driver} load, ${ratioName(set.ratio)}, the measured window), main thread: ${split.join(", ")}`);
  if (frontSplit.length > 0) console.log(`  the filter port's worker thread: ${frontSplit.join(", ")}`);
  for (const f of frames.slice(0, 8)) console.log(`  ${pct(f.samples).padStart(6)}  ${f.name}  ${f.where}`);
}
