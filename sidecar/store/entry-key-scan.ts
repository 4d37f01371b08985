// Reads every entry key's ids in a worker thread while the caller does
// something else, for the index rebuild: the thread interns the contacts
// meanwhile, and the two reads of LMDB overlap on the machine's cores. The
// ids land in shared columns; the caller blocks for them once it is done,
// since opening a list is synchronous. Anything amiss (no worker file, a
// worker that fails or stops making progress, more keys than counted) gives
// undefined, and the caller reads the keys itself.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** The columns a scan fills, one row per entry key in key order. */
export interface EntryIdColumns {
  count: number;
  contactIds: Uint32Array;
  channels: Uint8Array;
  senderIds: Uint32Array;
  accountIds: Uint32Array;
}

/** What the worker gets: the store's path and the shared memory to fill. */
export interface EntryKeyScanJob {
  path: string;
  capacity: number;
  buffer: SharedArrayBuffer;
}

/** Header slots (Int32) at the start of the shared buffer. */
export const STATE = 0;
export const COUNT = 1;
export const HEARTBEAT = 2;
const HEADER_BYTES = 16;

export const RUNNING = 0;
export const DONE = 1;
export const FAILED = 2;

/** The worker beats once per this many keys. */
export const BEAT_KEYS = 1 << 16;
/** A worker whose heartbeat stands still this long is given up on. */
const STALL_MS = 30_000;

/**
 * The compiled worker. The test runner runs these sources compiled in
 * memory, which a worker thread cannot load: from the sources the worker is
 * the build's (npm test builds first), and without a build there is no scan.
 */
const WORKER_FILE = fileURLToPath(
  import.meta.url.endsWith(".ts")
    ? new URL("../../dist/sidecar/store/entry-key-scan-worker.js", import.meta.url)
    : new URL("./entry-key-scan-worker.js", import.meta.url),
);

export function columnsOf(buffer: SharedArrayBuffer, capacity: number): { header: Int32Array } & Omit<EntryIdColumns, "count"> {
  let at = HEADER_BYTES;
  const u32 = () => {
    const column = new Uint32Array(buffer, at, capacity);
    at += 4 * capacity;
    return column;
  };
  const contactIds = u32();
  const senderIds = u32();
  const accountIds = u32();
  const channels = new Uint8Array(buffer, at, capacity);
  return { header: new Int32Array(buffer, 0, HEADER_BYTES / 4), contactIds, channels, senderIds, accountIds };
}

export class EntryKeyScan {
  private constructor(
    private readonly worker: Worker,
    private readonly buffer: SharedArrayBuffer,
    private readonly capacity: number,
  ) {}

  /** Starts reading the keys of the store at `path`, which holds `entries` of them; undefined when no worker can run. */
  static start(path: string, entries: number): EntryKeyScan | undefined {
    if (!existsSync(WORKER_FILE)) return undefined;
    const capacity = Math.max(1, entries);
    const buffer = new SharedArrayBuffer(HEADER_BYTES + 13 * capacity);
    const job: EntryKeyScanJob = { path, capacity, buffer };
    try {
      const worker = new Worker(WORKER_FILE, { workerData: job });
      worker.unref();
      // Its failures show in the shared state; an event with no listener would end the process.
      worker.on("error", () => undefined);
      return new EntryKeyScan(worker, buffer, capacity);
    } catch {
      return undefined;
    }
  }

  /** Ends the worker without waiting for its columns: for a rebuild that failed before it needed them. */
  stop(): void {
    void this.worker.terminate();
  }

  /** Blocks until the worker is done; its columns, or undefined when the caller must read the keys itself. */
  collect(): EntryIdColumns | undefined {
    const { header, ...columns } = columnsOf(this.buffer, this.capacity);
    let beat = Atomics.load(header, HEARTBEAT);
    let still = 0;
    while (Atomics.load(header, STATE) === RUNNING) {
      if (Atomics.wait(header, STATE, RUNNING, 1_000) === "timed-out") {
        const now = Atomics.load(header, HEARTBEAT);
        still = now === beat ? still + 1_000 : 0;
        beat = now;
        if (still >= STALL_MS) break;
      }
    }
    const done = Atomics.load(header, STATE) === DONE;
    void this.worker.terminate();
    return done ? { count: Atomics.load(header, COUNT), ...columns } : undefined;
  }
}
