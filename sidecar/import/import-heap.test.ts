// collectImportGarbage in a real V8 with the sidecar's flags: garbage that
// reached the old space stays there (the large initial old space) until the
// import asks for a collection, and then it goes.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SERVE_NODE_FLAGS } from "../cli/serve-node-flags.js";

const run = promisify(execFile);
const MODULE = pathToFileURL(join(import.meta.dirname, "../../dist/sidecar/import/import-heap.js")).href;

/** Heap in use (MB) after ~160 MB of rows became garbage in the old space, with or without the import's request. */
async function heapAfter(collect: boolean): Promise<{ before: number; after: number }> {
  const script = `
    import { getHeapStatistics } from "node:v8";
    import { collectImportGarbage } from ${JSON.stringify(MODULE)};
    const mb = () => getHeapStatistics().used_heap_size / 1048576;
    let rows = [];
    for (let i = 0; i < 1_000_000; i++) rows.push(["+4477009" + i, "sms", "row " + i]);
    rows = undefined;
    const before = mb();
    if (${collect}) collectImportGarbage();
    await new Promise((resolve) => setTimeout(resolve, 300));
    console.log(JSON.stringify({ before, after: mb() }));
  `;
  const { stdout } = await run(process.execPath, [...SERVE_NODE_FLAGS, "--input-type=module", "-e", script]);
  return JSON.parse(stdout) as { before: number; after: number };
}

describe("collectImportGarbage", () => {
  it("has V8 collect garbage that the serving heap's sizing would keep", async () => {
    const left = await heapAfter(false);
    expect(left.before).toBeGreaterThan(100);
    expect(left.after).toBeGreaterThan(100);
    const collected = await heapAfter(true);
    expect(collected.before).toBeGreaterThan(100);
    expect(collected.after).toBeLessThan(32);
  });
});
