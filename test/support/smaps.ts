// What this process holds resident of a file's mappings, as the kernel counts it.

import { readFileSync } from "node:fs";

/** Kilobytes of `file` (its real path) resident in this process's mappings of it, from /proc/self/smaps. */
export function mappedKb(file: string): number {
  let inFile = false;
  let kb = 0;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${file}`);
    else if (inFile && line.startsWith("Rss:")) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb;
}
