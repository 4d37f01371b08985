// The blocked-by counts keep a bounded number of names an hour, whatever
// names the requests make up: the rest, and names too long to be an
// entry's, are counted under OTHER_NAME; nothing is lost from the totals.

import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_NAMES_PER_HOUR, OTHER_NAME, TrafficCounters } from "./traffic-counters.js";

afterEach(() => vi.useRealTimers());

describe("TrafficCounters.blockedFor", () => {
  it("counts the first names of an hour by name and the rest under OTHER_NAME, then starts again the next hour", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 27, 10, 0, 0), toFake: ["Date"] });
    const counters = new TrafficCounters();
    for (let i = 0; i < MAX_NAMES_PER_HOUR + 500; i++) counters.blockedFor(`sender-${i}`, "", "", 2);
    counters.blockedFor("sender-0", "x".repeat(129), "", 1);
    let drained = counters.drainBlockedBy();
    expect(drained.size).toBe(MAX_NAMES_PER_HOUR + 2);
    expect(drained.get("sender/sender-0")).toBe(3);
    expect(drained.get(`sender/${OTHER_NAME}`)).toBe(1000);
    expect(drained.get(`account/${OTHER_NAME}`)).toBe(1);
    expect([...drained.values()].reduce((a, b) => a + b)).toBe(2 * (MAX_NAMES_PER_HOUR + 500) + 2);
    // Names already counted this hour keep their own count after a drain; new ones still go to OTHER_NAME.
    counters.blockedFor("sender-7", "", "", 1);
    counters.blockedFor("sender-new", "", "", 1);
    drained = counters.drainBlockedBy();
    expect([...drained]).toEqual([["sender/sender-7", 1], [`sender/${OTHER_NAME}`, 1]]);
    vi.setSystemTime(Date.UTC(2026, 10, 27, 11, 0, 0));
    counters.blockedFor("sender-new", "", "", 1);
    expect([...counters.drainBlockedBy()]).toEqual([["sender/sender-new", 1]]);
  });
});
