// The committed protobuf code must be what `buf generate` makes of proto/
// today, and proto/ must pass `buf lint` (STANDARD).

import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./support/temp-dir.js";

const root = join(import.meta.dirname, "..");
const bin = join(root, "node_modules/.bin");
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

describe("protobuf", () => {
  const out = tempDir();
  afterAll(() => out.remove());

  it("generated code is up to date with proto/", () => {
    execFileSync(join(bin, "buf"), ["generate", "--output", out.path], { cwd: root, env, stdio: "pipe" });
    const fresh = files(join(out.path, "sidecar/gen"));
    const committed = files(join(root, "sidecar/gen"));
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) expect(committed.get(name), `${name} is stale: run npm run generate`).toBe(text);
  });

  it("proto/ passes buf lint", () => {
    expect(() => execFileSync(join(bin, "buf"), ["lint"], { cwd: root, env, stdio: "pipe" })).not.toThrow();
  });
});
