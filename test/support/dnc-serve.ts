// `dnc serve` in a child process, as a user starts it, for the end-to-end
// tests that need a real process (signals, a kill, the CLI beside it): the
// bin, this environment without any DNC_ variable plus the test's own, and a
// wait for its "dnc serving" line; and a `dnc` command run to its end.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

export const DNC_BIN = join(import.meta.dirname, "../../bin/dnc.js");

const START_TIMEOUT_MS = 20_000;

/** This process's environment without any DNC_ variable, quiet logs, plus `vars`: what the user exported, and nothing more. */
export function envWith(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("DNC_")));
  return { ...env, DNC_LOG_LEVEL: "silent", ...vars };
}

const execFileAsync = promisify(execFile);

/** Runs `dnc ARGS` in the environment envWith(`env`) gives: its exit code and output, whatever the code. */
export async function runDnc(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [DNC_BIN, ...args], { env: envWith(env) });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts `dnc serve` on `grpcListen` (the HTTP port picked by the OS); resolves once it serves. */
export async function startServe(dataDir: string, grpcListen: string, env: Record<string, string> = {}, ...flags: string[]): Promise<ChildProcess & { output(): string }> {
  const child = spawn(process.execPath, [DNC_BIN, "serve", "--data-dir", dataDir, "--grpc-listen", grpcListen, "--http-listen", "127.0.0.1:0", ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
    env: envWith(env),
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!out.includes("dnc serving")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dnc serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Object.assign(child, { output: () => out });
}
