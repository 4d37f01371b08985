// The filter port (--filter-listen) as Prometheus sees it: whether it
// serves, and how often its worker thread was started again after it was
// lost, so that an alert can catch a port that flaps or stays down.

import { Counter, Gauge, type Registry } from "prom-client";

export class FilterPortMetrics {
  private readonly up: Gauge;
  private readonly restarts: Counter;

  constructor(registry: Registry) {
    this.up = new Gauge({ name: "dnc_filter_port_up", help: "1 while the filter port serves, 0 while its worker is being started again", registers: [registry] });
    this.restarts = new Counter({ name: "dnc_filter_port_restarts_total", help: "Filter port workers started again after one was lost", registers: [registry] });
  }

  serving(): void {
    this.up.set(1);
  }

  lost(): void {
    this.up.set(0);
  }

  restored(): void {
    this.up.set(1);
    this.restarts.inc();
  }
}
