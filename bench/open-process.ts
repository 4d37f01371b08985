// A restart as it happens: DncList.open in a fresh process of its own, timed,
// then closed. Usage: open-process.js DATA_DIR. Prints one JSON line {ms,
// indexed} once open, and exits after the close (which writes a snapshot
// when there was none). In the benchmark's own process the figure would
// also carry that process's heap (the data set, the requests, the indexes
// opened before), which a restarting sidecar does not have.

import { performance } from "node:perf_hooks";
import { DncList } from "../sidecar/engine/dnc-list.js";

export interface OpenTimed {
  ms: number;
  indexed: number;
}

const dataDir = process.argv[2];
if (dataDir === undefined) {
  process.stderr.write("usage: open-process.js DATA_DIR\n");
  process.exit(2);
}

const started = performance.now();
const list = DncList.open(dataDir);
const timed: OpenTimed = { ms: performance.now() - started, indexed: list.indexedEntries() };
process.stdout.write(`${JSON.stringify(timed)}\n`);
await list.close();
