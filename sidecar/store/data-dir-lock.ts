// One process at a time on a data directory. LMDB lets several processes
// share a store, but the list keeps its index, its contact ids and its
// history sequence in memory: a second sidecar on the same directory handed
// out the ids and sequence numbers the first had used, and one acknowledged
// write overwrote another. The lock is a file holding the owner's process
// id, made whole under a name of its own and linked into place, so that no
// other process ever reads it empty; one left by a process that is gone
// (killed, or the machine restarted) is taken over, and so is one naming this
// process that this process did not take: a container's main process is pid
// 1 at every start, so the lock a crashed sidecar left names the one starting
// after it. Two sidecars starting at the same instant on a directory whose
// stale lock both take over can still both get it: without flock, which Node
// lacks, that last window stays.

import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FailedPreconditionError } from "../errors.js";

const LOCK_FILE = "dnc.pid";
const ATTEMPTS = 5;

/** The lock files this process holds. */
const held = new Set<string>();

export class DataDirLock {
  private constructor(private readonly path: string) {}

  /** Takes the directory for this process, or throws FAILED_PRECONDITION naming the process that holds it. */
  static take(dir: string): DataDirLock {
    const path = join(dir, LOCK_FILE);
    const mine = `${path}.${process.pid}`;
    writeFileSync(mine, `${process.pid}\n`);
    try {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (linked(mine, path)) {
          held.add(path);
          return new DataDirLock(path);
        }
        const holder = holderOf(path);
        // Released between the two looks: try again.
        if (holder === undefined) continue;
        const ours = holder === process.pid;
        if (holder > 0 && (ours ? held.has(path) : isRunning(holder))) {
          throw new FailedPreconditionError(`data directory ${dir} is in use by process ${holder}${ours ? " (this one)" : ""}; if no dnc runs on it, remove ${path}`);
        }
        rmSync(path, { force: true });
      }
    } finally {
      rmSync(mine, { force: true });
    }
    throw new FailedPreconditionError(`data directory ${dir}: other processes kept taking its lock (${path}) as this one started`);
  }

  release(): void {
    held.delete(this.path);
    rmSync(this.path, { force: true });
  }
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

/** The pid a lock file names: undefined when there is no file, 0 when it names none (stale). */
function holderOf(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
