// Persists the filter's traffic counts in hourly buckets, a few seconds at a
// time off the hot path, so GetStats can answer "how many were not sent"
// for any range of hours, across restarts.

import type { EntryStore } from "../store/entry-store.js";
import { CHANNEL_SLOTS, HOUR_MS, NAMED_DIMENSIONS, type Dimension, type TrafficCounters } from "./traffic-counters.js";
import { messageOf } from "../errors.js";

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

  /** Flushes every `intervalMs`, and as each hour ends, so that a count lands in the hour it was made in. */
  start(intervalMs = 5_000): void {
    const hour = Math.floor(Date.now() / HOUR_MS);
    const prefix = `${PREFIX}${hourOf(hour * HOUR_MS)}/blocked-by/`;
    const names: Record<Dimension, string[]> = { sender: [], account: [], campaign: [] };
    for (const { name } of this.store.countersWithPrefix(prefix)) {
      const rest = name.slice(prefix.length);
      const dimension = rest.slice(0, rest.indexOf("/"));
      if ((NAMED_DIMENSIONS as readonly string[]).includes(dimension)) names[dimension as Dimension].push(rest.slice(dimension.length + 1));
    }
    this.counters.seedNames(hour, names);
    const schedule = () => {
      const now = Date.now();
      const due = Math.min(now + intervalMs, (Math.floor(now / HOUR_MS) + 1) * HOUR_MS);
      this.timer = setTimeout(() => {
        void this.flush(due);
        schedule();
      }, due - now);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush();
  }

  /**
   * Writes what was counted since the last flush: the channel totals into
   * the bucket of the hour the period ends in (`endMs`: the flush that ends
   * an hour says so), the blocked-by counts into their own hours.
   */
  flush(endMs = Date.now()): Promise<void> {
    this.flushing = this.flushing.then(() => this.write(endMs)).catch((err: unknown) => {
      console.error(`dnc: could not save filter traffic counts: ${messageOf(err)}`);
    });
    return this.flushing;
  }

  private async write(endMs: number): Promise<void> {
    const hour = `${PREFIX}${hourOf(endMs - 1)}/`;
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
    for (const [blockedIn, counts] of this.counters.drainBlockedBy()) {
      const bucket = `${PREFIX}${hourOf(blockedIn * HOUR_MS)}/blocked-by/`;
      for (const [key, n] of counts) add(`${bucket}${key}`, n);
    }
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
