// What the benchmark leaves behind if it stops early: child processes and
// temp dirs are registered here and removed on the normal path, on an error,
// and on SIGINT/SIGTERM, since a 10M-entry data dir is gigabytes.

import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

export class Cleanup {
  /** Each child with the signal that ends it at once when the run is abandoned. */
  private readonly children = new Map<ChildProcess, NodeJS.Signals>();
  private readonly dirs = new Set<string>();

  constructor() {
    process.on("exit", () => this.now());
    // Kept installed after the first signal: a second one (a repeated Ctrl-C,
    // or the terminal's and a parent's both) must not kill the process halfway.
    let cleaning = false;
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.on(signal, () => {
        if (cleaning) return;
        cleaning = true;
        process.stderr.write(`\n${signal}: cleaning up\n`);
        this.now();
        process.exit(code);
      });
    }
  }

  /** `abortSignal`: SIGKILL, unless the program has a quick exit of its own that leaves less behind (PostgreSQL's SIGQUIT frees its shared memory). */
  child(child: ChildProcess, abortSignal: NodeJS.Signals = "SIGKILL"): void {
    this.children.set(child, abortSignal);
    child.once("exit", () => this.children.delete(child));
  }

  dir(path: string): void {
    this.dirs.add(path);
  }

  /** Stops a child with `signal` (a server's own clean shutdown), then SIGKILL if it has not exited after `graceMs`. */
  async stop(child: ChildProcess, graceMs = 5_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Synchronous, so that it can run from an exit handler. */
  now(): void {
    for (const [child, signal] of this.children) child.kill(signal);
    this.children.clear();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }
}
