// The sidecar's Prometheus registry, served at /metrics on the admin HTTP
// port: filter calls and latency, filter traffic per channel, list size, and
// prom-client's default process and Node.js metrics. One registry per
// sidecar rather than prom-client's global one, so several sidecars in one
// process (tests) keep their numbers apart.

import { Registry, collectDefaultMetrics } from "prom-client";
import type { DncList } from "../engine/dnc-list.js";
import type { TrafficCounters } from "../stats/traffic-counters.js";
import { FilterCallMetrics } from "./filter-call-metrics.js";
import { registerStoreMetrics } from "./store-metrics.js";
import { registerTrafficMetrics } from "./traffic-metrics.js";

export class SidecarMetrics {
  readonly registry = new Registry();
  readonly filterCalls: FilterCallMetrics;

  constructor(list: DncList, traffic: TrafficCounters) {
    collectDefaultMetrics({ register: this.registry });
    this.filterCalls = new FilterCallMetrics(this.registry);
    registerTrafficMetrics(this.registry, traffic);
    registerStoreMetrics(this.registry, list);
  }
}
