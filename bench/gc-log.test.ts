import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GC_LOG_SETTLE_MS, describeGcPauses, epochMs, logGcPauses, readGcLog, type GcPause } from "./gc-log.js";

describe("gc-log", () => {
  const dir = mkdtempSync(join(tmpdir(), "dnc-gc-log-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("logs the pauses of the collections a process goes through, with their times on the wall clock", async () => {
    const path = join(dir, "pauses.log");
    const observer = logGcPauses(path);
    const from = epochMs();
    let kept: unknown[] = [];
    // Enough short-lived garbage to fill the young generation many times over.
    for (let i = 0; i < 3_000_000; i++) {
      kept.push({ i, s: `item ${i}` });
      if (kept.length === 1_000) kept = [];
    }
    const to = epochMs();
    await new Promise((resolve) => setTimeout(resolve, GC_LOG_SETTLE_MS));
    observer.disconnect();
    const pauses = readGcLog(path).filter((p) => p.at >= from && p.at <= to);
    expect(pauses.length).toBeGreaterThan(0);
    expect(pauses.some((p) => p.kind === "minor")).toBe(true);
    for (const p of pauses) expect(p.ms).toBeGreaterThanOrEqual(0);
  });

  it("reads no pauses from a log that was never written", () => {
    expect(readGcLog(join(dir, "absent.log"))).toEqual([]);
  });

  it("describes the pauses that overlap a window by kind, the longest of each, and leaves out those outside it", () => {
    const pauses: GcPause[] = [
      { at: 1_000, ms: 3.25, kind: "minor" },
      { at: 1_500, ms: 11.4, kind: "minor" },
      { at: 1_800, ms: 618.5, kind: "major" },
      { at: 2_500, ms: 300, kind: "major" },
      { at: 500, ms: 40, kind: "minor" },
      // Began before the window, and ran into it.
      { at: 900, ms: 150, kind: "major" },
    ];
    expect(describeGcPauses(pauses, 1_000, 2_000)).toBe("2 major (longest 618.5 ms), 2 minor (longest 11.4 ms)");
    expect(describeGcPauses(pauses, 3_000, 4_000)).toBe("none");
  });
});
