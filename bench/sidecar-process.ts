// The sidecar in a process of its own for the gRPC benchmark, so that the
// load generator does not share its core. Usage: sidecar-process.js DATA_DIR
// (dnc-grpc.ts starts it with gc-log.ts's gcLogging, to log the collectors' pauses).
// Prints one JSON line {grpcPort, httpPort, filterPort, startMs} once serving (the
// sidecar's own log follows on stdout, which the harness drains); stops on
// SIGTERM or SIGINT, and when its stdin closes, so that it cannot outlive the
// benchmark that spawned it even if that one is killed.

import { performance } from "node:perf_hooks";
import { Sidecar } from "../sidecar/sidecar.js";
import { BENCH_ADMIN_TOKEN } from "./bench-context.js";

export interface SidecarReady {
  grpcPort: number;
  httpPort: number;
  /** The filter port (--filter-listen): FilterService alone, its HTTP/2 on a worker thread. */
  filterPort: number;
  /** From the start of the script to serving: opening the list and binding the ports. */
  startMs: number;
}

const [dataDir] = process.argv.slice(2);
if (dataDir === undefined) {
  process.stderr.write("usage: sidecar-process.js DATA_DIR\n");
  process.exit(2);
}

const started = performance.now();
const sidecar = await Sidecar.start({
  dataDir,
  grpcListen: "127.0.0.1:0",
  httpListen: "127.0.0.1:0",
  filterListen: "127.0.0.1:0",
  maxBatch: 10_000,
  adminToken: BENCH_ADMIN_TOKEN,
});
const ready: SidecarReady = { grpcPort: sidecar.grpcPort, httpPort: sidecar.httpPort, filterPort: sidecar.filterFront!.port, startMs: performance.now() - started };
process.stdout.write(`${JSON.stringify(ready)}\n`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  sidecar.stop(1_000).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`sidecar stop failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("close", stop);
process.stdin.resume();
