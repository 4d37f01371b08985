// GetStats' blocked-by lists: the most counted values first, and past the
// limit the rest summed under OTHER_NAME, with nothing lost from the total.

import { describe, expect, it } from "vitest";
import { OTHER_NAME } from "../stats/traffic-counters.js";
import { topValues } from "./stats-handlers.js";

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
