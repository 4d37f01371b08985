import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { GC_LOG_SETTLE_MS, describeGcPauses, epochMs, gcLogging, logGcPauses, readGcLog, type GcPause } from "./gc-log.js";

/** Young garbage enough to fill the young generation many times over, in whichever thread runs it. */
const CHURN = "let kept = []; for (let i = 0; i < 3e6; i++) { kept.push({ i, s: 'item ' + i }); if (kept.length === 1000) kept = []; }";

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
    expect(new Set(pauses.map((p) => p.thread))).toEqual(new Set(["main"]));
  });

  it("with gcLogging's flags, logs a worker thread's collections as the worker's, beside the main thread's", async () => {
    const path = join(dir, "threads.log");
    const workerFile = join(dir, "churn-worker.mjs");
    writeFileSync(workerFile, CHURN);
    const mainFile = join(dir, "churn-main.mjs");
    // A file, not -e: a worker is handed its parent's flags, and --input-type would fail it.
    writeFileSync(mainFile, `import { Worker } from "node:worker_threads"; ${CHURN}; await new Promise((done) => new Worker(${JSON.stringify(workerFile)}).once("exit", done));`);
    const logging = gcLogging(path);
    await promisify(execFile)(process.execPath, [...logging.nodeArgs, mainFile], { env: { ...process.env, ...logging.env } });
    expect(new Set(readGcLog(path).map((p) => p.thread))).toEqual(new Set(["main", "worker"]));
  });

  it("reads no pauses from a log that was never written", () => {
    expect(readGcLog(join(dir, "absent.log"))).toEqual([]);
  });

  it("describes the pauses that overlap a window by kind, the longest of each, and leaves out those outside it", () => {
    const pauses: GcPause[] = [
      { at: 1_000, ms: 3.25, kind: "minor", thread: "main" },
      { at: 1_500, ms: 11.4, kind: "minor", thread: "main" },
      { at: 1_800, ms: 618.5, kind: "major", thread: "main" },
      { at: 2_500, ms: 300, kind: "major", thread: "main" },
      { at: 500, ms: 40, kind: "minor", thread: "main" },
      // Began before the window, and ran into it.
      { at: 900, ms: 150, kind: "major", thread: "main" },
    ];
    expect(describeGcPauses(pauses, 1_000, 2_000)).toBe("2 major (longest 618.5 ms), 2 minor (longest 11.4 ms)");
    expect(describeGcPauses(pauses, 3_000, 4_000)).toBe("none");
  });

  it("names each thread's pauses, the main thread's first, where a worker paused in the window", () => {
    const pauses: GcPause[] = [
      { at: 1_000, ms: 2.5, kind: "minor", thread: "worker" },
      { at: 1_200, ms: 90.1, kind: "major", thread: "worker" },
      { at: 1_300, ms: 1.2, kind: "minor", thread: "main" },
      { at: 2_500, ms: 4, kind: "minor", thread: "main" },
    ];
    expect(describeGcPauses(pauses, 1_000, 2_000)).toBe("main: 1 minor (1.2 ms); worker: 1 major (90.1 ms), 1 minor (2.5 ms)");
    // The main thread had none in this window: the worker's are still named as the worker's.
    expect(describeGcPauses(pauses.slice(0, 2), 1_000, 2_000)).toBe("worker: 1 major (90.1 ms), 1 minor (2.5 ms)");
  });
});
