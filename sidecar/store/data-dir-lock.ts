// One process at a time on a data directory. LMDB lets several processes
// share a store, but the list keeps its index, its contact ids and its
// history sequence in memory: a second sidecar on the same directory handed
// out the ids and sequence numbers the first had used, and one acknowledged
// write overwrote another. The lock is a file holding the owner's process
// id, made with O_EXCL; one left by a process that is gone (killed, or the
// machine restarted) is taken over, and so is one naming this process that
// this process did not take: a container's main process is pid 1 at every
// start, so the lock a crashed sidecar left names the one starting after it.

import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FailedPreconditionError } from "../errors.js";

const LOCK_FILE = "dnc.pid";

/** The lock files this process holds. */
const held = new Set<string>();

export class DataDirLock {
  private constructor(private readonly path: string) {}

  /** Takes the directory for this process, or throws FAILED_PRECONDITION naming the process that holds it. */
  static take(dir: string): DataDirLock {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx");
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        held.add(path);
        return new DataDirLock(path);
      } catch (err: unknown) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = Number.parseInt(readFileSync(path, "utf8"), 10);
      const ours = holder === process.pid;
      if (Number.isInteger(holder) && holder > 0 && (ours ? held.has(path) : isRunning(holder))) {
        throw new FailedPreconditionError(`data directory ${dir} is in use by process ${holder}${ours ? " (this one)" : ""}; if no dnc runs on it, remove ${path}`);
      }
      rmSync(path, { force: true });
    }
    throw new FailedPreconditionError(`data directory ${dir}: another process took its lock (${path}) as this one started`);
  }

  release(): void {
    held.delete(this.path);
    rmSync(this.path, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
