// The filter's latency while an import runs on the same sidecar: Check at a
// fixed rate, open loop, from the raw HTTP/2 client, over a window inside
// the import. An import's batches run on the event loop the filter shares,
// so this is the figure an operator feels during a bulk load.

import { setTimeout as sleep } from "node:timers/promises";
import { performance } from "node:perf_hooks";
import { CHECK_PATH, checkRequest, grpcFrame } from "./filter-requests.js";
import { openLoop, type OpenLoopResult } from "./open-loop.js";
import { RawH2Client } from "./raw-h2-client.js";

export interface Probe {
  rate: number;
  /** After StartImport, before the window opens. */
  delaySeconds: number;
  seconds: number;
}

export interface ProbeRun {
  result: OpenLoopResult;
  /** performance.now() when the window closed. */
  endedAt: number;
}

/** Numbers no bench entry holds (+44 7700 800xxx): answered "allowed", as most of a gateway's traffic is. */
function checkBodies(): Buffer[] {
  return Array.from({ length: 1_000 }, (_, i) => grpcFrame(checkRequest(`+447700800${String(i).padStart(3, "0")}`)));
}

export async function checkDuring(port: number, probe: Probe): Promise<ProbeRun> {
  const bodies = checkBodies();
  await sleep(probe.delaySeconds * 1000);
  const h2 = await RawH2Client.open(port);
  try {
    const result = await openLoop((i) => h2.call(CHECK_PATH, bodies[i % bodies.length]!), probe.rate, probe.seconds);
    return { result, endedAt: performance.now() };
  } finally {
    h2.close();
  }
}
