// CI's smoke run of the benchmark harness: a few thousand entries, dnc only,
// as `npm run bench -- --smoke --only dnc` runs it, so that the harness keeps
// working as the code changes. It checks that the run completes and names
// its figures; it never looks at a speed.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSmoke, smokeDir } from "./smoke-run.js";

/** Figures every smoke run has, whether or not h2load is installed. */
const EXPECTED = [
  "data set",
  "load rate",
  "index memory",
  "RSS growth after load",
  "engine-only, 1% blocked",
  "engine-only, 50% blocked",
  "restart, from snapshot",
  "restart, rebuild from LMDB",
  "sidecar process ready",
  "sidecar RSS per entry",
  ...["100", "1,000"].flatMap((size) =>
    ["fast", "full"].flatMap((form) => ["1%", "50%"].map((ratio) => `FilterBatch(${size}) ${form}, grpc-js, ${ratio} blocked`)),
  ),
  ...["Check p99 at 1,000 req/s", "Check p99 at 5,000 req/s", "FilterBatch(100) p99 at 50% of max", "FilterBatch(100) p99 at 90% of max"].flatMap(
    (run) => [run, `${run}, filter port`, `${run}, grpc-js floor`, `${run}, node:http2 floor`],
  ),
  ...["", ", grpc-js"].flatMap((client) => [
    `write-to-visible p50${client}`,
    `write-to-visible p50${client}, FilterBatch round-trip floor`,
    `write-to-visible p99${client}`,
    `write-to-visible p99${client}, FilterBatch round-trip floor`,
    `write-to-visible from the send, p50${client}`,
    `write-to-visible from the send, p99${client}`,
    `writes missed by the next FilterBatch${client}`,
  ]),
];

interface Results {
  figures: { name: string; value: number; target?: unknown; detail?: string }[];
  latencies: { name: string }[];
  charts: string[];
}

describe("benchmark smoke run", () => {
  const out = smokeDir("dnc-bench-smoke-");
  afterAll(() => out.remove());

  it("runs dnc end to end on a few thousand entries and writes its results", async () => {
    const { files, json, results } = await runSmoke<Results>("run-bench.js", ["--smoke", "--only", "dnc"], out.path, /^\d{8}T\d{6}Z\.json$/);
    const names = results.figures.map((f) => f.name);
    for (const name of EXPECTED) expect(names).toContain(name);
    for (const f of results.figures) expect(Number.isFinite(f.value), f.name).toBe(true);
    // A smoke run holds nothing against a target.
    expect(results.figures.filter((f) => f.target !== undefined)).toEqual([]);
    expect(results.latencies.length).toBeGreaterThan(0);
    // Each latency run, dnc's on both ports and its floors', says which collections paused the server (by thread, where a worker paused) and the client meanwhile.
    const latencyRuns = results.figures.filter((f) => / p99 at /.test(f.name));
    expect(latencyRuns).toHaveLength(16);
    for (const f of latencyRuns) expect(f.detail, f.name).toMatch(/GC pauses in the run: server (none|(main: |worker: )?\d+ \w+ \().*; client (none|\d+ \w+ \()/);

    expect(files).toContain(json.replace(/\.json$/, ".md"));
    for (const chart of results.charts) expect(readFileSync(join(out.path, chart), "utf8")).toMatch(/^<svg /);
  });
});
