// GetStats' blocked-by lists: the most counted values first, and past the
// limit the rest summed under OTHER_NAME, with nothing lost from the total;
// and its entry counts, which agree with each other while writes commit.

import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { DncList } from "../engine/dnc-list.js";
import { GetStatsRequestSchema } from "../gen/dnc/v1/admin_service_pb.js";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { TrafficCounters, OTHER_NAME } from "../stats/traffic-counters.js";
import { TrafficLog } from "../stats/traffic-log.js";
import { StatsHandlers, topValues } from "./stats-handlers.js";

describe("topValues", () => {
  it("keeps a short list whole, most counted first", () => {
    expect(topValues([{ value: "a", n: 1 }, { value: "b", n: 5 }])).toEqual([{ value: "b", n: 5 }, { value: "a", n: 1 }]);
  });

  it("sums what is past the limit under OTHER_NAME, once, with the names already there", () => {
    const values = Array.from({ length: 1500 }, (_, i) => ({ value: `s${i}`, n: 1500 - i }));
    values.push({ value: OTHER_NAME, n: 7 });
    const top = topValues(values);
    expect(top).toHaveLength(1000);
    expect(top[0]).toEqual({ value: "s0", n: 1500 });
    expect(top.filter((v) => v.value === OTHER_NAME)).toHaveLength(1);
    expect(top.reduce((sum, v) => sum + v.n, 0)).toBe(values.reduce((sum, v) => sum + v.n, 0));
  });

  it("lists 999 names beside OTHER_NAME when OTHER_NAME is among the most counted", () => {
    const values = Array.from({ length: 1000 }, (_, i) => ({ value: `s${i}`, n: 10 + i }));
    values.push({ value: OTHER_NAME, n: 100_000 });
    const top = topValues(values);
    expect(top).toHaveLength(1000);
    expect(top.filter((v) => v.value !== OTHER_NAME)).toHaveLength(999);
    expect(top.at(-1)).toEqual({ value: OTHER_NAME, n: 100_000 + 10 });
  });
});

describe("GetStats while writes commit", () => {
  it("gives a total that is the sum of its counts by channel in every answer", async () => {
    const dir = tempDir();
    const list = DncList.open(dir.path);
    const stats = new StatsHandlers(list, new TrafficLog(list.store, new TrafficCounters()));
    let writing = true;
    let answers = 0;
    const torn: string[] = [];
    const poll = (async () => {
      while (writing) {
        const s = await stats.getStats(create(GetStatsRequestSchema));
        const byChannel = s.entriesByChannel.reduce((sum, c) => sum + c.count, 0n);
        if (s.totalEntries !== byChannel) torn.push(`${s.totalEntries} against ${byChannel}`);
        answers++;
        // A turn between answers, as between a dashboard's requests: the batches are prepared a slice per turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let b = 0; b < 20; b++) {
        await list.addEntries(
          Array.from({ length: 1000 }, (_, i) => create(EntrySchema, { contact: `+4477001${String(b * 1000 + i).padStart(5, "0")}` })),
          undefined,
          "test",
        );
      }
    } finally {
      writing = false;
      await poll;
      await list.close();
      dir.remove();
    }
    expect(answers).toBeGreaterThan(20);
    expect(torn).toEqual([]);
  });
});
