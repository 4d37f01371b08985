// CI's smoke run of the import and export benchmark: 5,000 rows, as
// `import-export-bench.js --smoke` runs them, so the harness keeps working as
// the code changes. It checks that the run completes and names its figures
// and comparisons; it never looks at a speed.

import { afterAll, describe, expect, it } from "vitest";
import { runSmoke, smokeDir } from "./smoke-run.js";

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
  const out = smokeDir("dnc-import-bench-smoke-");
  afterAll(() => out.remove());

  it("imports and exports a few thousand rows end to end, measures the store alone, and writes its results", async () => {
    const { results } = await runSmoke<Results>("import-export-bench.js", ["--smoke"], out.path, /^\d{8}T\d{6}Z-import-export\.json$/, ["--max-old-space-size=8192"]);
    const names = results.figures.map((f) => f.name);
    for (const name of EXPECTED) expect(names).toContain(name);
    for (const f of results.figures) expect(f.value, f.name).toBeGreaterThan(0);
    // A smoke run holds nothing against a target.
    expect(results.figures.filter((f) => f.target !== undefined)).toEqual([]);
    const csv = results.comparisons.find((c) => c.metric === "CSV import");
    expect(csv?.peers.map((p) => p.system)).toContain("the store alone");
  });
});
