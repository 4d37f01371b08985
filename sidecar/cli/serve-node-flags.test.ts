// The bin's shebang and `npm start` run the sidecar with the same Node flags
// as the benchmark's sidecar processes, so that the figures are the product's.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SERVE_NODE_FLAGS } from "./serve-node-flags.js";

const ROOT = join(import.meta.dirname, "../..");

describe("serve node flags", () => {
  it("are the flags of the bin's shebang", () => {
    const shebang = readFileSync(join(ROOT, "bin/dnc.js"), "utf8").split("\n")[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${SERVE_NODE_FLAGS.join(" ")}`);
  });

  it("are the flags of npm start", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["start"]).toBe(`node ${SERVE_NODE_FLAGS.join(" ")} dist/sidecar/cli/main.js serve`);
  });
});
