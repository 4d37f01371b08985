// A bench script in a child process of its own that prints one JSON line
// once it is ready (its ports), so that a server under test never shares the
// load generator's process. Anything it prints afterwards is drained.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Cleanup } from "./cleanup.js";

export interface ScriptProcess<T> {
  child: ChildProcess;
  ready: T;
}

/**
 * Runs `script` with `args`; `nodeArgs` go before the script (e.g. --cpu-prof), and `env` is added to this
 * process's environment. Resolves with the first line it prints, parsed.
 */
export async function startScript<T>(
  script: string,
  args: string[],
  cleanup: Cleanup,
  nodeArgs: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<ScriptProcess<T>> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } });
  cleanup.child(child);
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<T>((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`${script} exited (${code ?? signal}) before it was ready`)));
    child.once("error", reject);
    lines.once("line", (line) => resolve(JSON.parse(line) as T));
  });
  lines.close();
  // A pipe nobody reads would fill and stall the child.
  child.stdout!.resume();
  return { child, ready };
}
