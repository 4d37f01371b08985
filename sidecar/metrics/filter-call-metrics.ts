// FilterService calls as Prometheus sees them: a count per method and gRPC
// code, and a latency histogram per method (latency-histogram.ts). A call
// bumps typed arrays; prom-client reads them at a scrape, as it reads the
// recipient counters (traffic-metrics.ts).

import { status } from "@grpc/grpc-js";
import { Counter, type Registry } from "prom-client";
import { LatencyHistogram } from "./latency-histogram.js";

export type FilterMethod = "FilterBatch" | "Check";

const METHODS: readonly FilterMethod[] = ["FilterBatch", "Check"];
const METHOD_INDEX = Object.fromEntries(METHODS.map((m, i) => [m, i])) as Record<FilterMethod, number>;

/** Seconds. A FilterBatch is meant to take well under a millisecond, so the buckets start at 100 µs. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** gRPC status codes are 0..16. */
const CODES = 17;

export class FilterCallMetrics {
  /** Calls per method and code, copied into the Prometheus counter at a scrape. */
  private readonly calls = new Float64Array(METHODS.length * CODES);
  private readonly latency: LatencyHistogram<FilterMethod>;

  constructor(registry: Registry) {
    const calls = this.calls;
    new Counter({
      name: "dnc_filter_calls_total",
      help: "FilterService calls answered, by method and gRPC status code.",
      labelNames: ["method", "code"],
      registers: [registry],
      collect() {
        this.reset();
        METHODS.forEach((method, m) => {
          for (let code = 0; code < CODES; code++) {
            const n = calls[m * CODES + code]!;
            // OK is present from the first scrape, so rate() has a zero to start from.
            if (n > 0 || code === status.OK) this.inc({ method, code: status[code] }, n);
          }
        });
      },
    });
    this.latency = new LatencyHistogram(
      "dnc_filter_call_duration_seconds",
      "Time to answer a FilterService call, request decoding and response encoding included.",
      "method",
      METHODS,
      BUCKETS,
      registry,
    );
  }

  /** One answered call; `startedAt` is performance.now() at its arrival. */
  observe(method: FilterMethod, startedAt: number, code: status): void {
    const m = METHOD_INDEX[method];
    this.latency.observe(m, (performance.now() - startedAt) / 1000);
    this.calls[m * CODES + code]!++;
  }
}
