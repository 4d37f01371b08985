// Counts of what the list holds, kept as counters in LMDB and mirrored in
// memory: entries per channel, source, reason, sender, account and campaign,
// and opt-outs added per campaign per day. A write adds its changes inside
// its own transaction, so the counts always agree with the entries.

import type { Entry } from "../gen/dnc/v1/types_pb.js";
import type { EntryStore, StoreWriter } from "../store/entry-store.js";

export type EntryDimension = "channel" | "source" | "reason" | "sender" | "account" | "campaign";

const ENTRY_PREFIX = "entries/";
const CAMPAIGN_DAY_PREFIX = "campaign-day/";

export interface CampaignDayCount {
  campaignRef: string;
  day: string;
  count: number;
}

const CHANNEL_GROUP = `${ENTRY_PREFIX}channel/`;
const SOURCE_GROUP = `${ENTRY_PREFIX}source/`;
const REASON_GROUP = `${ENTRY_PREFIX}reason/`;
const SENDER_GROUP = `${ENTRY_PREFIX}sender/`;
const ACCOUNT_GROUP = `${ENTRY_PREFIX}account/`;
const CAMPAIGN_GROUP = `${ENTRY_PREFIX}campaign/`;

/**
 * Changes made by one write, applied to memory once it is committed. A bulk
 * write counts millions of entries: they are tallied per counter group and
 * value, and the counter names are built once per write.
 */
export class CounterDeltas {
  private readonly groups = new Map<string, Map<string | number, number>>();
  private dayOfMs = Number.NaN;
  private dayGroup = "";

  entry(e: Pick<Entry, "channel" | "source" | "reason" | "sender" | "account" | "campaignRef">, sign: 1 | -1): void {
    this.add(CHANNEL_GROUP, e.channel, sign);
    this.add(SOURCE_GROUP, e.source, sign);
    this.add(REASON_GROUP, e.reason, sign);
    if (e.sender !== "") this.add(SENDER_GROUP, e.sender, sign);
    if (e.account !== "") this.add(ACCOUNT_GROUP, e.account, sign);
    if (e.campaignRef !== "") this.add(CAMPAIGN_GROUP, e.campaignRef, sign);
  }

  optOut(campaignRef: string, atMs: number): void {
    if (campaignRef === "") return;
    if (atMs !== this.dayOfMs) {
      this.dayOfMs = atMs;
      this.dayGroup = `${CAMPAIGN_DAY_PREFIX}${new Date(atMs).toISOString().slice(0, 10)}/`;
    }
    this.add(this.dayGroup, campaignRef, 1);
  }

  /** Counter name → change. */
  get deltas(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [group, values] of this.groups) for (const [value, d] of values) out.set(`${group}${value}`, d);
    return out;
  }

  private add(group: string, value: string | number, d: number): void {
    let values = this.groups.get(group);
    if (values === undefined) this.groups.set(group, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + d);
  }
}

export class EntryStats {
  private readonly counts = new Map<string, number>();

  constructor(store: EntryStore) {
    for (const { name, value } of store.countersWithPrefix(ENTRY_PREFIX)) this.counts.set(name, value);
  }

  /** Writes the new values of the changed counters (inside the write's transaction). */
  persist(w: StoreWriter, changes: CounterDeltas): void {
    for (const [name, d] of changes.deltas) {
      if (name.startsWith(ENTRY_PREFIX)) w.putCounter(name, (this.counts.get(name) ?? 0) + d);
    }
  }

  /** Takes the committed changes into memory. */
  apply(changes: CounterDeltas): void {
    for (const [name, d] of changes.deltas) {
      if (!name.startsWith(ENTRY_PREFIX)) continue;
      const v = (this.counts.get(name) ?? 0) + d;
      if (v === 0) this.counts.delete(name);
      else this.counts.set(name, v);
    }
  }

  /** Counts per value of one dimension, largest first. */
  byDimension(dimension: EntryDimension): { value: string; count: number }[] {
    const prefix = `${ENTRY_PREFIX}${dimension}/`;
    const out: { value: string; count: number }[] = [];
    for (const [name, count] of this.counts) if (name.startsWith(prefix)) out.push({ value: name.slice(prefix.length), count });
    return out.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  }

  /** Every entry, counted once (each has one channel, "all" included): in step with the other counts, as LMDB's own count is not between a commit and its report. */
  get total(): number {
    let total = 0;
    for (const { count } of this.byDimension("channel")) total += count;
    return total;
  }

  count(dimension: EntryDimension, value: string): number {
    return this.counts.get(`${ENTRY_PREFIX}${dimension}/${value}`) ?? 0;
  }
}

/** Campaign-day counters are only added to: they are read straight from the store. */
export function persistCampaignDays(w: StoreWriter, store: EntryStore, changes: CounterDeltas): void {
  for (const [name, d] of changes.deltas) if (name.startsWith(CAMPAIGN_DAY_PREFIX)) w.putCounter(name, store.counter(name) + d);
}

/** Opt-outs per campaign per day for days in [fromDay, toDay] (YYYY-MM-DD, inclusive). */
export function campaignDays(store: EntryStore, fromDay: string, toDay: string): CampaignDayCount[] {
  const out: CampaignDayCount[] = [];
  for (const { name, value } of store.countersWithPrefix(CAMPAIGN_DAY_PREFIX)) {
    const rest = name.slice(CAMPAIGN_DAY_PREFIX.length);
    const day = rest.slice(0, 10);
    if (day < fromDay || day > toDay) continue;
    out.push({ day, campaignRef: rest.slice(11), count: value });
  }
  return out;
}
