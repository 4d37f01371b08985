// The garbage collector's pauses in a process under test and in the load
// generator, so that a latency figure can say whether its tail lines up with
// a collection (and in which process) rather than leave a stall unexplained.
// A server process appends one line per collection to a file the harness
// names; the harness reads the lines whose pause falls in a measured window.
// Each thread's collector is its own (the sidecar's filter port answers on a
// worker thread), so a line names its thread; a server process started with
// gcLogging's flags logs every thread it runs (gc-log-preload.ts).

import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { PerformanceObserver, constants, performance, type PerformanceEntry } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

export type GcKind = "minor" | "major" | "incremental" | "weak callbacks";

/** One pause: when it began (ms since the epoch, comparable across processes), how long, which collector, in which thread. */
export interface GcPause {
  at: number;
  ms: number;
  kind: GcKind;
  /** "main", or "worker" for any worker thread. */
  thread: string;
}

export const MAIN_THREAD = "main";
/** The environment variable gc-log-preload.ts takes its log's path from. */
export const GC_LOG_ENV = "DNC_BENCH_GC_LOG";
/** As the sidecar's workers: from the sources (the test runner) the preload is the build's. */
const PRELOAD = fileURLToPath(
  import.meta.url.endsWith(".ts") ? new URL("../dist/bench/gc-log-preload.js", import.meta.url) : new URL("./gc-log-preload.js", import.meta.url),
);

/** The node flags and environment that have a server process log each of its threads' pauses to `path`. */
export function gcLogging(path: string): { nodeArgs: string[]; env: Record<string, string> } {
  return { nodeArgs: ["--import", PRELOAD], env: { [GC_LOG_ENV]: path } };
}

function kindOf(entry: PerformanceEntry): GcKind {
  // @types/node leaves out a gc entry's detail.
  switch ((entry as { detail?: { kind?: number } }).detail?.kind) {
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return "major";
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return "incremental";
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return "weak callbacks";
    default:
      return "minor";
  }
}

/** The epoch time of a perf_hooks time: both processes read the same wall clock. */
export const epochMs = (perfTime = performance.now()): number => performance.timeOrigin + perfTime;

function observe(thread: string, onPause: (pause: GcPause) => void): PerformanceObserver {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) onPause({ at: epochMs(entry.startTime), ms: entry.duration, kind: kindOf(entry), thread });
  });
  observer.observe({ entryTypes: ["gc"] });
  return observer;
}

/** In a server's thread: appends each of its pauses to `path` as it is reported, until the observer is disconnected. */
export function logGcPauses(path: string, thread = MAIN_THREAD): PerformanceObserver {
  return observe(thread, (p) => appendFileSync(path, `${p.at.toFixed(3)} ${p.ms.toFixed(3)} ${p.thread} ${p.kind}\n`));
}

/** The pauses another process logged to `path`. */
export function readGcLog(path: string): GcPause[] {
  if (!existsSync(path)) return [];
  const pauses: GcPause[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [at, ms, thread, ...kind] = line.split(" ");
    if (at === undefined || ms === undefined || thread === undefined || kind.length === 0) continue;
    pauses.push({ at: Number(at), ms: Number(ms), kind: kind.join(" ") as GcKind, thread });
  }
  return pauses;
}

/** This process's own pauses, kept in memory (the load generator's). */
export class OwnGcPauses {
  readonly pauses: GcPause[] = [];
  private readonly observer = observe(MAIN_THREAD, (p) => this.pauses.push(p));

  stop(): void {
    this.observer.disconnect();
  }
}

/**
 * Pauses that overlap [from, to] (one that began in the warm-up and ran into
 * the window stalled it too), described for a figure's detail: the
 * count and longest of each kind, e.g. "38 minor (longest 11.4 ms), 1 major
 * (618.5 ms)"; "none" when there were none. Where another thread than the
 * main one paused, each thread's are named: "main: 3 minor (longest 1.2 ms);
 * worker: 1 major (90.1 ms)".
 */
export function describeGcPauses(pauses: readonly GcPause[], from: number, to: number): string {
  const inWindow = pauses.filter((p) => p.at + p.ms >= from && p.at <= to);
  const threads = [...new Set(inWindow.map((p) => p.thread))].sort((a, b) => (a === MAIN_THREAD ? -1 : b === MAIN_THREAD ? 1 : a.localeCompare(b)));
  if (threads.length === 0) return "none";
  if (threads.length === 1 && threads[0] === MAIN_THREAD) return describeKinds(inWindow);
  return threads.map((t) => `${t}: ${describeKinds(inWindow.filter((p) => p.thread === t))}`).join("; ");
}

function describeKinds(pauses: readonly GcPause[]): string {
  const byKind = new Map<GcKind, { count: number; longest: number }>();
  for (const p of pauses) {
    const k = byKind.get(p.kind) ?? { count: 0, longest: 0 };
    k.count++;
    k.longest = Math.max(k.longest, p.ms);
    byKind.set(p.kind, k);
  }
  const order: GcKind[] = ["major", "minor", "incremental", "weak callbacks"];
  return order
    .filter((kind) => byKind.has(kind))
    .map((kind) => {
      const { count, longest } = byKind.get(kind)!;
      return `${count} ${kind} (${count === 1 ? "" : "longest "}${longest.toFixed(1)} ms)`;
    })
    .join(", ");
}

/** Time to wait after a window for a server's last pauses to reach its log: perf_hooks reports them a task later. */
export const GC_LOG_SETTLE_MS = 200;
