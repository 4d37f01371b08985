// CI's smoke run of the import and export benchmark: 5,000 rows, as
// `import-export-bench.js --smoke` runs them, so the harness keeps working as
// the code changes. It checks that the run completes and names its figures
// and comparisons; it never looks at a speed.

import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const script = join(import.meta.dirname, "../dist/bench/import-export-bench.js");
const run = promisify(execFile);

/** Figures every smoke run has, whether or not PostgreSQL is installed. */
const EXPECTED = [
  "CSV import, end to end",
  "CSV export",
  "The store's writes alone, the same rows",
  "CSV import at the size limit, sidecar RSS growth",
  "CSV import at the size limit, sidecar anonymous memory growth",
  "XLSX import, sidecar RSS growth",
  "XLSX import, sidecar anonymous memory growth",
  "XLSX import",
  "XLSX export",
];

interface Results {
  figures: { name: string; value: number; target?: unknown }[];
  comparisons: { metric: string; peers: { system: string; ratio: number }[] }[];
}

describe("import and export benchmark smoke run", () => {
  const out = mkdtempSync(join(tmpdir(), "dnc-import-bench-smoke-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("imports and exports a few thousand rows end to end, measures the store alone, and writes its results", async () => {
    const { stdout } = await run(process.execPath, ["--max-old-space-size=8192", script, "--smoke", "--out", out], {
      timeout: 100_000,
      env: { ...process.env, DNC_LOG_LEVEL: "silent" },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toContain("results: ");
    const json = readdirSync(out).find((f) => /^\d{8}T\d{6}Z-import-export\.json$/.test(f));
    expect(json).toBeDefined();
    const results = JSON.parse(readFileSync(join(out, json!), "utf8")) as Results;
    const names = results.figures.map((f) => f.name);
    for (const name of EXPECTED) expect(names).toContain(name);
    for (const f of results.figures) expect(f.value, f.name).toBeGreaterThan(0);
    // A smoke run holds nothing against a target.
    expect(results.figures.filter((f) => f.target !== undefined)).toEqual([]);
    const csv = results.comparisons.find((c) => c.metric === "CSV import");
    expect(csv?.peers.map((p) => p.system)).toContain("the store alone");
  });
});
