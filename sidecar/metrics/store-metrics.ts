// The size of the list: entries in the store, the memory the filter index
// holds and the size of its contact key files, read at scrape time.

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
    help: "Bytes of memory the filter index holds, bitmaps included; the contacts' keys are in dnc_index_key_file_bytes when they are in files.",
    registers: [registry],
    collect() {
      this.set(list.index.byteSize);
    },
  });
  new Gauge({
    name: "dnc_index_key_file_bytes",
    help: "Bytes of the contact key files (contact-keys.arena and .offsets), which the page cache holds as far as lookups read them; 0 when the keys are in memory.",
    registers: [registry],
    collect() {
      this.set(list.index.fileBytes);
    },
  });
}
