// Persists the filter's traffic counts in hourly buckets, a few seconds at a
// time off the hot path, so GetStats can answer "how many were not sent"
// for any range of hours, across restarts.

import type { EntryStore } from "../store/entry-store.js";
import { CHANNEL_SLOTS, type TrafficCounters } from "./traffic-counters.js";

const PREFIX = "traffic/";

export interface TrafficTotals {
  checked: number;
  blocked: number;
  invalid: number;
  /** By "channel/<n>", "sender/<name>", "account/<name>", "campaign/<ref>". */
  blockedBy: Map<string, number>;
}

function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

export class TrafficLog {
  private readonly flushed = { checked: new Float64Array(CHANNEL_SLOTS), blocked: new Float64Array(CHANNEL_SLOTS), invalid: new Float64Array(CHANNEL_SLOTS) };
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EntryStore,
    private readonly counters: TrafficCounters,
  ) {}

  start(intervalMs = 5_000): void {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Writes what was counted since the last flush into the current hour's bucket. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch((err: unknown) => {
      console.error(`dnc: could not save filter traffic counts: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const hour = `${PREFIX}${hourOf(Date.now())}/`;
    const deltas = new Map<string, number>();
    const add = (name: string, d: number) => {
      if (d !== 0) deltas.set(name, (deltas.get(name) ?? 0) + d);
    };
    for (const metric of ["checked", "blocked", "invalid"] as const) {
      const now = this.counters[metric];
      const before = this.flushed[metric];
      for (let c = 0; c < CHANNEL_SLOTS; c++) {
        add(`${hour}${metric}`, now[c]! - before[c]!);
        if (metric === "blocked") add(`${hour}blocked-by/channel/${c}`, now[c]! - before[c]!);
        before[c] = now[c]!;
      }
    }
    for (const [key, n] of this.counters.drainBlockedBy()) add(`${hour}blocked-by/${key}`, n);
    if (deltas.size > 0) await this.store.addToCounters(deltas);
  }

  /** Traffic in the hours that overlap [fromMs, toMs). */
  totals(fromMs: number, toMs: number): TrafficTotals {
    const from = hourOf(fromMs);
    const to = hourOf(toMs - 1);
    const totals: TrafficTotals = { checked: 0, blocked: 0, invalid: 0, blockedBy: new Map() };
    for (const { name, value } of this.store.countersWithPrefix(PREFIX)) {
      const rest = name.slice(PREFIX.length);
      const hour = rest.slice(0, 13);
      if (hour < from || hour > to) continue;
      const metric = rest.slice(14);
      if (metric === "checked" || metric === "blocked" || metric === "invalid") totals[metric] += value;
      else if (metric.startsWith("blocked-by/")) {
        const key = metric.slice("blocked-by/".length);
        totals.blockedBy.set(key, (totals.blockedBy.get(key) ?? 0) + value);
      }
    }
    return totals;
  }
}
