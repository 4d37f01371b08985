// `dnc serve` in a child process, as an operator runs it, for the import and
// export benchmark: its own data dir, loopback ports, the bench's admin key
// (DNC_ADMIN_TOKEN), and the import size limit raised for files above the
// default. Stopped with SIGTERM, its graceful stop.

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BENCH_ADMIN_TOKEN, BENCH_SIDECAR_NODE_FLAGS } from "./bench-context.js";
import type { Cleanup } from "./cleanup.js";
import { freePort } from "./local-tools.js";

const MAIN = fileURLToPath(new URL("../sidecar/cli/main.js", import.meta.url));
const START_TIMEOUT_MS = 120_000;

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  grpcAddress: string;
  grpcPort: number;
  stop(): Promise<void>;
}

/** `importMaxBytes` sets `--import-max-bytes` when given. */
export async function startServe(dataDir: string, cleanup: Cleanup, importMaxBytes?: number): Promise<ServeProcess> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const args = [...BENCH_SIDECAR_NODE_FLAGS, MAIN, "serve", "--data-dir", dataDir, "--grpc-listen", `127.0.0.1:${grpcPort}`, "--http-listen", `127.0.0.1:${httpPort}`];
  if (importMaxBytes !== undefined) args.push("--import-max-bytes", String(importMaxBytes));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, DNC_ADMIN_TOKEN: BENCH_ADMIN_TOKEN, DNC_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup.child(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dnc serve did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const seen = (d: Buffer) => {
      output = (output + d.toString()).slice(-4_000);
      if (output.includes("dnc serving")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`dnc serve exited (${code ?? signal}) before serving:\n${output}`));
    });
  });
  return { child, pid: child.pid!, grpcAddress: `127.0.0.1:${grpcPort}`, grpcPort, stop: () => cleanup.stop(child, 30_000) };
}
