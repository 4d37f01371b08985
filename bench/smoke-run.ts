// What the benchmarks' smoke tests share: a bench script run as CI runs it,
// in a child process with its log silenced, into an output directory of its
// own, and the results JSON it wrote there, read back. The tests say what
// the results must hold; a smoke run never looks at a speed.

import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";

export interface SmokeRun<T> {
  /** The output directory's files once the run ended. */
  files: string[];
  /** The results file's name among them. */
  json: string;
  results: T;
}

/** A fresh output directory for a smoke run; `remove` it after the test. */
export function smokeDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Runs the built `script` (under dist/bench) with `args` and `--out out`,
 * with `nodeArgs` before it; expects it to say where it wrote its results and
 * a file named as `jsonName` among them, which it reads.
 */
export async function runSmoke<T>(script: string, args: string[], out: string, jsonName: RegExp, nodeArgs: string[] = []): Promise<SmokeRun<T>> {
  const built = join(import.meta.dirname, import.meta.url.endsWith(".ts") ? "../dist/bench" : ".", script);
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeArgs, built, ...args, "--out", out], {
    timeout: 100_000,
    env: { ...process.env, DNC_LOG_LEVEL: "silent" },
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(stdout).toContain("results: ");
  const files = readdirSync(out);
  const json = files.find((f) => jsonName.test(f));
  expect(json, `results JSON among ${files.join(", ")}`).toBeDefined();
  return { files, json: json!, results: JSON.parse(readFileSync(join(out, json!), "utf8")) as T };
}
