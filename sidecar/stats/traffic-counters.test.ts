// The blocked-by counts keep a bounded number of names an hour, whatever
// names the requests make up: the rest, and names too long to be an
// entry's, are counted under OTHER_NAME; nothing is lost from the totals,
// and each count stays with the hour it was made in.

import { afterEach, describe, expect, it, vi } from "vitest";
import { HOUR_MS, MAX_NAMES_PER_HOUR, OTHER_NAME, TrafficCounters } from "./traffic-counters.js";

afterEach(() => vi.useRealTimers());

const TEN = Date.UTC(2026, 10, 27, 10, 0, 0);
const hourOf = (ms: number) => Math.floor(ms / HOUR_MS);

describe("TrafficCounters.blockedFor", () => {
  it("counts the first names of an hour by name and the rest under OTHER_NAME, then starts again the next hour", () => {
    vi.useFakeTimers({ now: TEN, toFake: ["Date"] });
    const counters = new TrafficCounters();
    for (let i = 0; i < MAX_NAMES_PER_HOUR + 500; i++) counters.blockedFor(`sender-${i}`, "", "", 2);
    counters.blockedFor("sender-0", "x".repeat(129), "", 1);
    let drained = counters.drainBlockedBy().get(hourOf(TEN))!;
    expect(drained.size).toBe(MAX_NAMES_PER_HOUR + 2);
    expect(drained.get("sender/sender-0")).toBe(3);
    expect(drained.get(`sender/${OTHER_NAME}`)).toBe(1000);
    expect(drained.get(`account/${OTHER_NAME}`)).toBe(1);
    expect([...drained.values()].reduce((a, b) => a + b)).toBe(2 * (MAX_NAMES_PER_HOUR + 500) + 2);
    // Names already counted this hour keep their own count after a drain; new ones still go to OTHER_NAME.
    counters.blockedFor("sender-7", "", "", 1);
    counters.blockedFor("sender-new", "", "", 1);
    drained = counters.drainBlockedBy().get(hourOf(TEN))!;
    expect([...drained]).toEqual([["sender/sender-7", 1], [`sender/${OTHER_NAME}`, 1]]);
    vi.setSystemTime(TEN + HOUR_MS);
    counters.blockedFor("sender-new", "", "", 1);
    expect([...counters.drainBlockedBy().get(hourOf(TEN + HOUR_MS))!]).toEqual([["sender/sender-new", 1]]);
  });

  it("keeps the counts of an hour that ended before the drain under that hour", () => {
    vi.useFakeTimers({ now: TEN - 2_000, toFake: ["Date"] });
    const counters = new TrafficCounters();
    counters.blockedFor("ACME", "", "spring", 3);
    vi.setSystemTime(TEN + 1_000);
    counters.blockedFor("ACME", "", "", 1);
    const drained = counters.drainBlockedBy();
    expect([...drained.get(hourOf(TEN) - 1)!]).toEqual([["sender/ACME", 3], ["campaign/spring", 3]]);
    expect([...drained.get(hourOf(TEN))!]).toEqual([["sender/ACME", 1]]);
  });

  it("takes the names an hour already counts from a start before, so a restart lets no more in", () => {
    vi.useFakeTimers({ now: TEN, toFake: ["Date"] });
    const counters = new TrafficCounters();
    const stored = Array.from({ length: MAX_NAMES_PER_HOUR }, (_, i) => `sender-${i}`);
    // Counted before the log starts (the gRPC port listens first): kept.
    counters.blockedFor("early", "", "", 2);
    counters.seedNames(hourOf(TEN), { sender: [...stored, OTHER_NAME], account: [], campaign: [] });
    counters.blockedFor("sender-5", "", "", 1);
    counters.blockedFor("made-up", "", "", 1);
    expect([...counters.drainBlockedBy().get(hourOf(TEN))!]).toEqual([["sender/early", 2], ["sender/sender-5", 1], [`sender/${OTHER_NAME}`, 1]]);
  });
});
