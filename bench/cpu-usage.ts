// CPU time of the load generator and of the sidecar process during a gRPC
// run: with two processes on a few cores, which one is saturated tells
// whether a figure measures the sidecar or the load generator.

import { readFileSync } from "node:fs";

/** Linux reports /proc times in USER_HZ, which is 100 on every mainstream architecture. */
const USER_HZ = 100;

/** User + system CPU seconds of process `pid` (this process for "self"); undefined where /proc is unavailable. */
function cpuSeconds(pid: number | "self"): number | undefined {
  if (pid === "self") {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name, which may itself hold spaces; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

export class CpuMeter {
  private readonly started = performance.now();
  private readonly from: (number | undefined)[];

  /** `processes`: label → pid, or "self". */
  constructor(private readonly processes: [string, number | "self" | undefined][]) {
    this.from = processes.map(([, pid]) => (pid === undefined ? undefined : cpuSeconds(pid)));
  }

  /** Busy share of one core since construction per process, e.g. "CPU: client 45%, sidecar 99% of a core". */
  describe(): string {
    const wall = (performance.now() - this.started) / 1000;
    const parts = this.processes.map(([label, pid], i) => {
      const from = this.from[i];
      const to = pid === undefined ? undefined : cpuSeconds(pid);
      return `${label} ${from === undefined || to === undefined ? "n/a" : `${Math.round((100 * (to - from)) / wall)}%`}`;
    });
    return `CPU: ${parts.join(", ")} of a core`;
  }
}
