// The traffic log against a real LMDB store: counts land in the hour they
// were made in, also when the flush comes after the hour ended, and a
// restart goes on with the names the hour already holds.

import { afterEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { EntryStore } from "../store/entry-store.js";
import { HOUR_MS, MAX_NAMES_PER_HOUR, OTHER_NAME, TrafficCounters } from "./traffic-counters.js";
import { TrafficLog } from "./traffic-log.js";

afterEach(() => vi.useRealTimers());

const TEN = Date.UTC(2026, 10, 27, 10, 0, 0);
const SMS = 1;

describe("TrafficLog", () => {
  it("files each count under the hour it was made in, and a restart lets no more names into the hour", async () => {
    const dir = tempDir();
    try {
      vi.useFakeTimers({ now: TEN - 3_000, toFake: ["Date"] });
      let store = EntryStore.open(dir.path);
      let counters = new TrafficCounters();
      let log = new TrafficLog(store, counters);
      log.start();
      counters.checked[SMS] += 10;
      counters.blocked[SMS] += 4;
      counters.blockedFor("ACME", "", "", 4);
      // The flush that ends the hour comes a moment after it.
      vi.setSystemTime(TEN + 20);
      await log.flush(TEN);
      counters.checked[SMS] += 5;
      counters.blocked[SMS] += 1;
      counters.blockedFor("ACME", "", "", 1);
      for (let i = 1; i < MAX_NAMES_PER_HOUR; i++) counters.blockedFor(`sender-${i}`, "", "", 1);
      await log.stop();
      const before = log.totals(TEN - HOUR_MS, TEN);
      expect([before.checked, before.blocked, before.blockedBy.get("sender/ACME")]).toEqual([10, 4, 4]);
      const after = log.totals(TEN, TEN + HOUR_MS);
      expect([after.checked, after.blocked, after.blockedBy.get("sender/ACME")]).toEqual([5, 1, 1]);
      // A flush that comes late, with no hour said, still files blocked-by counts under the hour they were made in.
      vi.setSystemTime(TEN + HOUR_MS - 1_000);
      log.start();
      counters.blockedFor("", "", "late-flushed", 1);
      vi.setSystemTime(TEN + HOUR_MS + 3_000);
      await log.stop();
      expect(log.totals(TEN, TEN + HOUR_MS).blockedBy.get("campaign/late-flushed")).toBe(1);
      expect(log.totals(TEN + HOUR_MS, TEN + 2 * HOUR_MS).blockedBy.has("campaign/late-flushed")).toBe(false);
      await store.close();
      vi.setSystemTime(TEN + 30);

      store = EntryStore.open(dir.path);
      counters = new TrafficCounters();
      log = new TrafficLog(store, counters);
      log.start();
      counters.blockedFor("sender-9", "", "", 1);
      counters.blockedFor("made-up-after-the-restart", "", "", 1);
      await log.stop();
      const hour = log.totals(TEN, TEN + HOUR_MS).blockedBy;
      expect([...hour.keys()].filter((k) => k.startsWith("sender/")).length).toBe(MAX_NAMES_PER_HOUR + 1);
      expect([hour.get("sender/sender-9"), hour.get(`sender/${OTHER_NAME}`), hour.has("sender/made-up-after-the-restart")]).toEqual([2, 1, false]);
      await store.close();
    } finally {
      dir.remove();
    }
  });
});
