// One process at a time on a data directory. LMDB lets several processes
// share a store, but the list keeps its index, its contact ids and its
// history sequence in memory: a second sidecar on the same directory handed
// out the ids and sequence numbers the first had used, and one acknowledged
// write overwrote another. The lock is a file naming the owner's process id
// and host, made whole under a name of its own and linked into place, so that
// no other process ever reads it empty; its holder touches it every few
// seconds. A lock is taken over when its holder is certainly gone:
// - on this host, its process is not running, or it names this process,
//   which did not take it (a container's main process is pid 1 at every
//   start, so the lock a crashed sidecar left names the one starting after it);
// - on another host (another container on a shared volume), whose processes
//   this one cannot see, it has not been touched for a minute.
// Two sidecars starting at the same instant on a directory whose stale lock
// both take over can still both get it: without flock, which Node lacks,
// that last window stays.

import { linkSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { FailedPreconditionError } from "../errors.js";

const LOCK_FILE = "dnc.pid";
const ATTEMPTS = 5;
/** How often a holder touches its lock. */
export const LOCK_TOUCH_MS = 5_000;
/** A lock of another host untouched this long is stale: its holder is gone, or stopped for twelve touches. */
export const LOCK_STALE_MS = 60_000;

/** The lock files this process holds. */
const held = new Set<string>();

interface Holder {
  pid: number;
  /** Empty in a lock an older dnc wrote: taken for this host's. */
  host: string;
  touchedAt: number;
}

export class DataDirLock {
  private readonly toucher: NodeJS.Timeout;

  private constructor(private readonly path: string) {
    this.toucher = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(path, now, now);
      } catch {
        // Removed by hand: the next start decides; this process keeps the directory it opened.
      }
    }, LOCK_TOUCH_MS).unref();
  }

  /** Takes the directory for this process, or throws FAILED_PRECONDITION naming the process that holds it. */
  static take(dir: string): DataDirLock {
    const path = join(dir, LOCK_FILE);
    const mine = `${path}.${process.pid}`;
    writeFileSync(mine, `${process.pid} ${hostname()}\n`);
    try {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (linked(mine, path)) {
          held.add(path);
          return new DataDirLock(path);
        }
        const holder = holderOf(path);
        // Released between the two looks: try again.
        if (holder === undefined) continue;
        const refusal = inUse(holder, path, dir);
        if (refusal !== undefined) throw new FailedPreconditionError(refusal);
        rmSync(path, { force: true });
      }
    } finally {
      rmSync(mine, { force: true });
    }
    throw new FailedPreconditionError(`data directory ${dir}: other processes kept taking its lock (${path}) as this one started`);
  }

  release(): void {
    clearInterval(this.toucher);
    held.delete(this.path);
    rmSync(this.path, { force: true });
  }
}

/** Why the directory is in use, or undefined when its lock is stale. */
function inUse(holder: Holder, path: string, dir: string): string | undefined {
  const remove = `if no dnc runs on it, remove ${path}`;
  if (holder.host !== "" && holder.host !== hostname()) {
    const age = Date.now() - holder.touchedAt;
    if (age > LOCK_STALE_MS) return undefined;
    return `data directory ${dir} is in use by process ${holder.pid} on host ${holder.host} (its lock was touched ${Math.round(age / 1000)} s ago; it is taken over once untouched for ${LOCK_STALE_MS / 1000} s); ${remove}`;
  }
  if (holder.pid <= 0) return undefined;
  if (holder.pid === process.pid) return held.has(path) ? `data directory ${dir} is in use by process ${holder.pid} (this one); ${remove}` : undefined;
  return isRunning(holder.pid) ? `data directory ${dir} is in use by process ${holder.pid}; ${remove}` : undefined;
}

/** Links `from` to `to`; false when `to` exists. */
function linked(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Who a lock file names (pid 0 when it names no one: stale), or undefined when there is no file. */
function holderOf(path: string): Holder | undefined {
  let text: string;
  let touchedAt: number;
  try {
    text = readFileSync(path, "utf8");
    touchedAt = statSync(path).mtimeMs;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const [pidText = "", host = ""] = text.trim().split(/\s+/, 2);
  const pid = Number.parseInt(pidText, 10);
  return { pid: Number.isInteger(pid) && pid > 0 ? pid : 0, host, touchedAt };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
