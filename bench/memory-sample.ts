// Process memory snapshots for the index-memory and sidecar-RSS figures. RSS
// is split into anonymous and file-backed pages where Linux reports it,
// because LMDB's memory map shows up in RSS as file pages the OS can drop at
// will.

import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface MemorySample {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  /** Linux only: RssAnon and RssFile from /proc/self/status. */
  rssAnon?: number;
  rssFile?: number;
}

/**
 * A full GC, without requiring `--expose-gc` on the command line (the npm
 * script does not pass it): the flag can still be set at run time and the
 * function picked up from a fresh context.
 */
export function gcFunction(): (() => void) | undefined {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  return typeof gc === "function" ? (gc as () => void) : undefined;
}

function procStatusKb(field: string, pid: number | "self" = "self"): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

export function sampleMemory(gc: (() => void) | undefined): MemorySample {
  // Twice: the first pass can leave objects with finalisers for the second.
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    arrayBuffers: m.arrayBuffers,
    rssAnon: procStatusKb("RssAnon"),
    rssFile: procStatusKb("RssFile"),
  };
}

export interface ProcessMemory {
  rss: number;
  rssAnon: number;
  rssFile: number;
}

/** Another process's resident memory (Linux); undefined where /proc is unavailable. */
export function processMemory(pid: number): ProcessMemory | undefined {
  const rss = procStatusKb("VmRSS", pid);
  const rssAnon = procStatusKb("RssAnon", pid);
  const rssFile = procStatusKb("RssFile", pid);
  return rss === undefined || rssAnon === undefined || rssFile === undefined ? undefined : { rss, rssAnon, rssFile };
}
