// One process at a time on a data directory. LMDB lets several processes
// share a store, but the list keeps its index, its contact ids and its
// history sequence in memory: a second sidecar on the same directory handed
// out the ids and sequence numbers the first had used, and one acknowledged
// write overwrote another. The lock is a file naming the owner's process id
// and where that id means something (host, boot and pid namespace), made
// whole under a name of its own and linked into place, so that no other
// process ever reads it empty; its holder touches it every few seconds, and
// stops the process at once if it finds the lock another's (the directory
// is theirs now). A lock is taken over when its holder is certainly gone:
// - in this pid namespace of this boot of this host, its process is not
//   running, or it names this process, which did not take it (a restart that
//   got the crashed sidecar's pid);
// - anywhere else (another container, on a shared volume or this host; a
//   lock written before a reboot, or by an older dnc), whose processes this
//   one cannot see, it has not been touched for a minute, and is not touched
//   while this process watches it for two touches more (so that no clock,
//   skewed or stepped, makes a live lock look stale).
// Two sidecars starting at the same instant on a directory whose stale lock
// both take over can still both get it: without flock, which Node lacks,
// that last window stays.

import { linkSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { FailedPreconditionError } from "../errors.js";

const LOCK_FILE = "dnc.pid";
const ATTEMPTS = 5;
/** How often a holder touches its lock. */
export const LOCK_TOUCH_MS = 5_000;
/** A lock this process cannot see the holder of is stale once untouched this long. */
export const LOCK_STALE_MS = 60_000;
/** How long a lock that looks stale is watched for a touch before it is taken over. */
export const LOCK_WATCH_MS = 2 * LOCK_TOUCH_MS + 1_000;

/** The lock files this process holds, by real path. */
const held = new Set<string>();

/** Where a pid means this process's pids: host, boot and pid namespace ("" where unknown). */
export function pidScope(): string {
  const read = (f: () => string) => {
    try {
      return f().trim();
    } catch {
      return "";
    }
  };
  const boot = read(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8"));
  const namespace = read(() => readlinkSync("/proc/self/ns/pid"));
  return boot === "" || namespace === "" ? "" : `${hostname()}/${boot}/${namespace}`;
}

const SCOPE = pidScope();

export class DataDirLock {
  private readonly toucher: NodeJS.Timeout;

  private constructor(
    private readonly path: string,
    private readonly text: string,
  ) {
    this.toucher = setInterval(() => this.touch(), LOCK_TOUCH_MS).unref();
  }

  /** Takes the directory for this process, or throws FAILED_PRECONDITION naming the process that holds it. */
  static take(dir: string): DataDirLock {
    const path = join(realpathSync(dir), LOCK_FILE);
    const mine = `${path}.${process.pid}`;
    const text = `${process.pid} ${SCOPE}\n`;
    writeFileSync(mine, text);
    try {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (linked(mine, path)) {
          held.add(path);
          return new DataDirLock(path, text);
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

  /** Releases the lock, if it is still this process's. */
  release(): void {
    clearInterval(this.toucher);
    held.delete(this.path);
    if (this.isMine()) rmSync(this.path, { force: true });
  }

  private touch(): void {
    if (!this.isMine()) {
      // Another process judged this one gone (it was stopped, or its clock ran far ahead) and took the directory.
      console.error(`dnc: the lock of ${this.path} is another process's now; stopping, so that only one process writes the store`);
      process.exit(1);
    }
    try {
      const now = new Date();
      utimesSync(this.path, now, now);
    } catch {
      // Removed between the look and the touch: the next touch finds it gone.
    }
  }

  private isMine(): boolean {
    try {
      return readFileSync(this.path, "utf8") === this.text;
    } catch {
      return false;
    }
  }
}

interface Holder {
  pid: number;
  scope: string;
  touchedAt: number;
}

/** Why the directory is in use, or undefined when its lock is stale. */
function inUse(holder: Holder, path: string, dir: string): string | undefined {
  const remove = `if no dnc runs on it, remove ${path}`;
  if (holder.scope === "" || holder.scope !== SCOPE) {
    const age = Date.now() - holder.touchedAt;
    const foreign = `data directory ${dir} is in use by process ${holder.pid}${holder.scope === "" ? "" : ` of ${holder.scope.split("/")[0]}`}`;
    if (age <= LOCK_STALE_MS) {
      return `${foreign} (its lock was touched ${Math.round(age / 1000)} s ago; it is taken over once untouched for ${LOCK_STALE_MS / 1000} s); ${remove}`;
    }
    sleep(LOCK_WATCH_MS);
    const again = holderOf(path);
    if (again !== undefined && again.touchedAt !== holder.touchedAt) return `${foreign} (its lock is touched, though its time is ${Math.round(age / 1000)} s old); ${remove}`;
    return undefined;
  }
  if (holder.pid <= 0) return undefined;
  if (holder.pid === process.pid) return held.has(path) ? `data directory ${dir} is in use by process ${holder.pid} (this one); ${remove}` : undefined;
  return isRunning(holder.pid) ? `data directory ${dir} is in use by process ${holder.pid}; ${remove}` : undefined;
}

/** Blocks the thread: the lock is taken before the sidecar serves anything. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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

/** Who a lock file names (pid 0 when it names no one), or undefined when there is no file. */
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
  const [pidText = "", scope = ""] = text.trim().split(/\s+/, 2);
  const pid = Number.parseInt(pidText, 10);
  return { pid: Number.isInteger(pid) && pid > 0 ? pid : 0, scope, touchedAt };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
