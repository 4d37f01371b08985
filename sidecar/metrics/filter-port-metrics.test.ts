import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FilterPortMetrics } from "./filter-port-metrics.js";

describe("FilterPortMetrics", () => {
  it("says the port is down while its worker starts again and once the sidecar stops, and counts the restarts", async () => {
    const registry = new Registry();
    const port = new FilterPortMetrics(registry);
    const read = async () => {
      const text = await registry.metrics();
      return [/^dnc_filter_port_up (\S+)$/m, /^dnc_filter_port_restarts_total (\S+)$/m].map((re) => Number(re.exec(text)?.[1]));
    };
    port.serving();
    expect(await read()).toEqual([1, 0]);
    port.lost();
    expect(await read()).toEqual([0, 0]);
    port.restored();
    expect(await read()).toEqual([1, 1]);
    port.stopped();
    expect(await read()).toEqual([0, 1]);
  });
});
