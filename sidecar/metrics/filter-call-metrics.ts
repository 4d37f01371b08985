// FilterService calls as Prometheus sees them: a count per method and gRPC
// code, and a latency histogram per method. The label children of the
// common case are made up front, so an answered call costs no label hashing.

import { status } from "@grpc/grpc-js";
import { Counter, Histogram, type Registry } from "prom-client";

export type FilterMethod = "FilterBatch" | "Check";

const METHODS: readonly FilterMethod[] = ["FilterBatch", "Check"];

/** Seconds. A FilterBatch is meant to take well under a millisecond, so the buckets start at 100 µs. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class FilterCallMetrics {
  private readonly calls: Counter<"method" | "code">;
  private readonly ok = {} as Record<FilterMethod, Counter.Internal>;
  private readonly latency = {} as Record<FilterMethod, Histogram.Internal<"method">>;

  constructor(registry: Registry) {
    this.calls = new Counter({
      name: "dnc_filter_calls_total",
      help: "FilterService calls answered, by method and gRPC status code.",
      labelNames: ["method", "code"],
      registers: [registry],
    });
    const histogram = new Histogram({
      name: "dnc_filter_call_duration_seconds",
      help: "Time to answer a FilterService call, request decoding and response encoding included.",
      labelNames: ["method"],
      buckets: BUCKETS,
      registers: [registry],
    });
    for (const method of METHODS) {
      // Present from the first scrape, so rate() has a zero to start from.
      this.ok[method] = this.calls.labels(method, status[status.OK]);
      this.ok[method].inc(0);
      this.latency[method] = histogram.labels(method);
      histogram.zero({ method });
    }
  }

  /** One answered call; `startedAt` is performance.now() at its arrival. */
  observe(method: FilterMethod, startedAt: number, code: status): void {
    this.latency[method].observe((performance.now() - startedAt) / 1000);
    if (code === status.OK) this.ok[method].inc();
    else this.calls.labels(method, status[code]).inc();
  }
}
