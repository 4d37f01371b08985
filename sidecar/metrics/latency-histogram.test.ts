import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "./latency-histogram.js";

describe("LatencyHistogram", () => {
  it("counts a value into the first bucket whose bound it does not pass, cumulatively, per label", async () => {
    const registry = new Registry();
    const h = new LatencyHistogram("t_seconds", "test", "method", ["A", "B"], [0.001, 0.01], registry);
    for (const s of [0.0005, 0.001, 0.002, 5]) h.observe(0, s);
    h.observe(1, 0.01);
    const text = await registry.metrics();
    const lines = text.split("\n").filter((l) => l.startsWith("t_seconds_"));
    expect(lines).toEqual([
      't_seconds_bucket{le="0.001",method="A"} 2',
      't_seconds_bucket{le="0.01",method="A"} 3',
      't_seconds_bucket{le="+Inf",method="A"} 4',
      't_seconds_sum{method="A"} 5.0035',
      't_seconds_count{method="A"} 4',
      't_seconds_bucket{le="0.001",method="B"} 0',
      't_seconds_bucket{le="0.01",method="B"} 1',
      't_seconds_bucket{le="+Inf",method="B"} 1',
      't_seconds_sum{method="B"} 0.01',
      't_seconds_count{method="B"} 1',
    ]);
    expect(text).toContain("# TYPE t_seconds histogram");
  });
});
