// Live counts of the filter's traffic. The hot path bumps typed arrays per
// channel once per batch; blocked recipients are also counted by sender,
// account and campaign. Metrics read these; the traffic log persists them.
// The names come from requests, and FilterService may be open to any
// caller: each dimension keeps at most MAX_NAMES_PER_HOUR names an hour,
// and counts the rest (and any name too long to be an entry's) under
// OTHER_NAME, so neither memory nor the stored counts grow with the names a
// caller makes up.

import { MAX_NAME_CHARS } from "../engine/entry-rules.js";
import { longerThan } from "../normalise/char-count.js";

export const CHANNEL_SLOTS = 8;

/** Distinct senders, accounts or campaigns counted by name in an hour. */
export const MAX_NAMES_PER_HOUR = 1000;
/** Where the blocked recipients of the names past that go. */
export const OTHER_NAME = "(other)";

export const HOUR_MS = 3_600_000;

export const NAMED_DIMENSIONS = ["sender", "account", "campaign"] as const;
export type Dimension = (typeof NAMED_DIMENSIONS)[number];

export class TrafficCounters {
  /** Indexed by channel number (0 unused); totals since the process started. */
  readonly checked = new Float64Array(CHANNEL_SLOTS);
  readonly blocked = new Float64Array(CHANNEL_SLOTS);
  readonly invalid = new Float64Array(CHANNEL_SLOTS);
  /** FilterBatch and Check calls answered. */
  filterBatchCalls = 0;
  checkCalls = 0;
  /**
   * Blocked recipients by "sender/<name>", "account/<name>", "campaign/<ref>"
   * since the last drain, by the hour they were blocked in (ms since the
   * epoch / HOUR_MS): a drain just after an hour ends still files each
   * count under its own hour.
   */
  private blockedBy = new Map<number, Map<string, number>>();
  /** The current hour's counts in blockedBy. */
  private current = new Map<string, number>();
  /** The names counted by name in the current hour. */
  private readonly names: Record<Dimension, Set<string>> = { sender: new Set(), account: new Set(), campaign: new Set() };
  private hour = -1;

  blockedFor(sender: string, account: string, campaign: string, n: number): void {
    const hour = Math.floor(Date.now() / HOUR_MS);
    if (hour !== this.hour) this.startHour(hour);
    if (sender !== "") this.bump("sender", sender, n);
    if (account !== "") this.bump("account", account, n);
    if (campaign !== "") this.bump("campaign", campaign, n);
  }

  /**
   * The names the store already counts by name in `hour`, taken at start:
   * without them each start would let MAX_NAMES_PER_HOUR more names in.
   */
  seedNames(hour: number, names: Record<Dimension, Iterable<string>>): void {
    this.startHour(hour);
    for (const dimension of NAMED_DIMENSIONS) for (const name of names[dimension]) if (name !== OTHER_NAME) this.names[dimension].add(name);
  }

  /** Takes the blocked-by counts gathered since the last call, by hour. */
  drainBlockedBy(): Map<number, Map<string, number>> {
    const out = this.blockedBy;
    this.blockedBy = new Map();
    this.current = new Map();
    this.blockedBy.set(this.hour, this.current);
    return out;
  }

  private startHour(hour: number): void {
    if (hour === this.hour) return;
    this.hour = hour;
    for (const names of Object.values(this.names)) names.clear();
    this.current = this.blockedBy.get(hour) ?? new Map();
    this.blockedBy.set(hour, this.current);
  }

  private bump(dimension: Dimension, name: string, n: number): void {
    const names = this.names[dimension];
    if (!names.has(name)) {
      if (names.size >= MAX_NAMES_PER_HOUR || longerThan(name, MAX_NAME_CHARS)) name = OTHER_NAME;
      else names.add(name);
    }
    const key = `${dimension}/${name}`;
    this.current.set(key, (this.current.get(key) ?? 0) + n);
  }
}
