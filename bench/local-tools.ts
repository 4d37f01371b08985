// The external programs the benchmark drives (servers and C load
// generators): finding them, a free loopback port for each server, running a
// tool to completion with its output captured, and waiting for a server to
// answer.

import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import { createServer } from "node:net";
import type { Cleanup } from "./cleanup.js";

/** How to get every peer and load generator the benchmark can use. */
export const SETUP_COMMAND = "bash bench/setup.sh";

/** The path of an executable on PATH (or an absolute path that exists), else undefined. */
export function commandPath(name: string): string | undefined {
  const found = spawnSync("sh", ["-c", 'command -v "$1"', "sh", name], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path !== "" ? path : undefined;
}

/** A TCP port on 127.0.0.1 that was free a moment ago; the server that takes it binds soon after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin` to completion, registered with `cleanup` so that an interrupt
 * kills it; `input`, when given, is written to its stdin (an iterable of
 * chunks, with back-pressure). Rejects on a non-zero exit, with its output.
 */
export function runTool(
  cleanup: Cleanup,
  bin: string,
  args: string[],
  options: SpawnOptions & { input?: Iterable<string> } = {},
): Promise<ToolResult> {
  const { input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...spawnOptions, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    cleanup.child(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ code, stdout, stderr });
      else reject(new Error(`${bin} ${args.slice(0, 6).join(" ")}… exited ${code}:\n${stderr || stdout}`.slice(0, 4_000)));
    });
    if (input !== undefined) {
      const stdin = child.stdin!;
      stdin.on("error", () => undefined); // an early exit is reported by "close" with the tool's own words
      const chunks = input[Symbol.iterator]();
      const pump = (): void => {
        for (let next = chunks.next(); !next.done; next = chunks.next()) {
          if (!stdin.write(next.value)) {
            stdin.once("drain", pump);
            return;
          }
        }
        stdin.end();
      };
      pump();
    }
  });
}

/** Polls `ready` every 50 ms until it resolves true; throws after `timeoutMs` with `what` in the message. */
export async function waitUntil(what: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}
