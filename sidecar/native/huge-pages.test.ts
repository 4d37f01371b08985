// The huge-page advice of the native addon, on real memory: the kernel's own
// accounting (/proc/self/smaps_rollup) says whether pages became huge.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { adviseHugePages } from "./huge-pages.js";

const HUGE_PAGE = 2 * 1024 * 1024;

/** The kernel's transparent huge page mode: always, madvise or never. */
function thpMode(): string {
  try {
    return /\[(\w+)\]/.exec(readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8"))?.[1] ?? "never";
  } catch {
    return "never";
  }
}

/** The process's memory on huge pages, kB. */
function anonHugeKb(): number {
  return Number(/AnonHugePages:\s+(\d+) kB/.exec(readFileSync("/proc/self/smaps_rollup", "utf8"))?.[1] ?? 0);
}

describe("adviseHugePages", () => {
  it("leaves a small array alone", () => {
    expect(adviseHugePages(new Uint32Array(1024), true)).toBe(0);
  });

  it("advises the whole 2 MB pages inside a large array and keeps every value", () => {
    const words = (16 * HUGE_PAGE) / 4;
    const array = new Uint32Array(words);
    for (let i = 0; i < words; i += 97) array[i] = i ^ 0x5a5a5a5a;
    const pages = adviseHugePages(array, true);
    // 16 pages of bytes hold 15 or 16 whole 2 MB pages, as the array's start falls.
    if (thpMode() === "never") expect(pages).toBeLessThanOrEqual(16);
    else expect([15, 16]).toContain(pages);
    for (let i = 0; i < words; i += 97) expect(array[i]).toBe(i ^ 0x5a5a5a5a);
  });

  it("backs a fresh array advised before it is written with huge pages, where the kernel allows them", () => {
    if (thpMode() === "never") return;
    const before = anonHugeKb();
    const array = new Uint8Array(32 * HUGE_PAGE);
    expect(adviseHugePages(array)).toBeGreaterThanOrEqual(31);
    array.fill(7);
    expect(anonHugeKb() - before).toBeGreaterThanOrEqual((31 * HUGE_PAGE) / 1024);
    expect(array[array.length - 1]).toBe(7);
  });
});
