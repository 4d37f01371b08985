// Drives FilterBatch with nghttp2's h2load, a C load generator, so that the
// gRPC figure is not capped by a JavaScript client. h2load sees HTTP status
// only, not grpc-status trailers: the caller checks the same body through a
// real gRPC client first.

import { spawn } from "node:child_process";
import { commandPath } from "./local-tools.js";

export function h2loadPath(): string | undefined {
  return commandPath("h2load");
}

export interface H2loadRun {
  url: string;
  bodyFile: string;
  seconds: number;
  warmUpSeconds: number;
  connections: number;
  /** Concurrent streams per connection. */
  streams: number;
}

export interface H2loadResult {
  requestsPerSecond: number;
  /** Requests that failed, errored or timed out. */
  failed: number;
  /** Responses with a 3xx, 4xx or 5xx status. (The 2xx count can trail "succeeded" by the streams in flight as the warm-up ends.) */
  non2xx: number;
  output: string;
}

/** Runs h2load; `register` gets the child so that the caller can kill it on an interrupt. */
export function runH2load(bin: string, run: H2loadRun, register: (child: ReturnType<typeof spawn>) => void): Promise<H2loadResult> {
  const args = [
    "-D", `${Math.round(run.seconds * 1000)}ms`,
    `--warm-up-time=${Math.round(run.warmUpSeconds * 1000)}ms`,
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
      const counts = /requests: .*? (\d+) failed, (\d+) errored, (\d+) timeout/.exec(output);
      const status = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(output);
      if (code !== 0 || rate === null || counts === null || status === null) {
        reject(new Error(`h2load exited ${code}:\n${output}`));
        return;
      }
      const sum = (m: RegExpExecArray) => m.slice(1).reduce((a, b) => a + Number(b), 0);
      resolve({
        requestsPerSecond: Number(rate[1]),
        failed: sum(counts),
        non2xx: sum(status),
        output,
      });
    });
  });
}
