// Samples another process's resident memory while something runs in it:
// the figure is the peak above the level at the start, split into anonymous
// memory (the heap, buffers) and file-backed pages (LMDB's map, which the
// OS can drop at will).

import { processMemory, type ProcessMemory } from "./memory-sample.js";

const EVERY_MS = 50;

export interface RssGrowth {
  start: ProcessMemory;
  peak: ProcessMemory;
  /** Peak less start: RSS, anonymous and file-backed, each at its own peak. */
  growth: ProcessMemory;
}

/** Starts sampling `pid`; the returned function stops and reports. Undefined where /proc is not available. */
export function sampleRss(pid: number): (() => RssGrowth) | undefined {
  const start = processMemory(pid);
  if (start === undefined) return undefined;
  const peak = { ...start };
  const sample = () => {
    const m = processMemory(pid);
    if (m === undefined) return;
    peak.rss = Math.max(peak.rss, m.rss);
    peak.rssAnon = Math.max(peak.rssAnon, m.rssAnon);
    peak.rssFile = Math.max(peak.rssFile, m.rssFile);
  };
  const timer = setInterval(sample, EVERY_MS);
  return () => {
    clearInterval(timer);
    sample();
    return { start, peak, growth: { rss: peak.rss - start.rss, rssAnon: peak.rssAnon - start.rssAnon, rssFile: peak.rssFile - start.rssFile } };
  };
}
