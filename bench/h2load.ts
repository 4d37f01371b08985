// Drives FilterBatch with nghttp2's h2load, a C load generator, so that the
// gRPC figure is not capped by a JavaScript client. h2load sees HTTP status
// only, not grpc-status trailers: the caller checks the same body through a
// real gRPC client first.

import { spawn, spawnSync } from "node:child_process";

export const H2LOAD_INSTALL = "apt-get install -y nghttp2-client";

export function h2loadPath(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v h2load"], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path !== "" ? path : undefined;
}

export interface H2loadRun {
  url: string;
  bodyFile: string;
  seconds: number;
  connections: number;
  /** Concurrent streams per connection. */
  streams: number;
}

export interface H2loadResult {
  requestsPerSecond: number;
  succeeded: number;
  failed: number;
  status2xx: number;
  output: string;
}

/** Runs h2load; `register` gets the child so that the caller can kill it on an interrupt. */
export function runH2load(bin: string, run: H2loadRun, register: (child: ReturnType<typeof spawn>) => void): Promise<H2loadResult> {
  const args = [
    "-D", String(run.seconds),
    "--warm-up-time=1",
    "-c", String(run.connections),
    "-m", String(run.streams),
    "-d", run.bodyFile,
    "-H", "content-type: application/grpc",
    "-H", "te: trailers",
    run.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    register(child);
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(output);
      const counts = /requests: .*?(\d+) succeeded, (\d+) failed/.exec(output);
      const status = /status codes: (\d+) 2xx/.exec(output);
      if (code !== 0 || rate === null || counts === null) {
        reject(new Error(`h2load exited ${code}:\n${output}`));
        return;
      }
      resolve({
        requestsPerSecond: Number(rate[1]),
        succeeded: Number(counts[1]),
        failed: Number(counts[2]),
        status2xx: status === null ? 0 : Number(status[1]),
        output,
      });
    });
  });
}
