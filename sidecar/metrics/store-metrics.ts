// The size of the list: entries in the store and the memory the filter
// index holds, read at scrape time.

import { Gauge, type Registry } from "prom-client";
import type { DncList } from "../engine/dnc-list.js";

export function registerStoreMetrics(registry: Registry, list: DncList): void {
  new Gauge({
    name: "dnc_store_entries",
    help: "Entries in the list.",
    registers: [registry],
    collect() {
      this.set(list.store.entryCount());
    },
  });
  new Gauge({
    name: "dnc_index_bytes",
    help: "Bytes of memory the filter index holds, bitmaps included.",
    registers: [registry],
    collect() {
      this.set(list.index.byteSize);
    },
  });
}
