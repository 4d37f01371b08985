// The worker thread side of entry-key-scan.ts: opens the store (lmdb-js
// shares the process's environment between threads), reads every entry
// key's ids into the shared columns, and says it is done, or failed.

import { workerData } from "node:worker_threads";
import { BEAT_KEYS, COUNT, DONE, FAILED, HEARTBEAT, STATE, columnsOf, type EntryKeyScanJob } from "./entry-key-scan.js";
import { EntryStore } from "./entry-store.js";

const { path, capacity, buffer } = workerData as EntryKeyScanJob;
const { header, contactIds, channels, senderIds, accountIds } = columnsOf(buffer, capacity);
let state = FAILED;
try {
  let n = 0;
  EntryStore.openHeld(path).forEachEntryIds((contactId, channel, senderId, accountId) => {
    if (n === capacity) throw new RangeError("more entry keys than the store counted");
    contactIds[n] = contactId;
    channels[n] = channel;
    senderIds[n] = senderId;
    accountIds[n] = accountId;
    n++;
    if (n % BEAT_KEYS === 0) Atomics.add(header, HEARTBEAT, 1);
  });
  Atomics.store(header, COUNT, n);
  state = DONE;
} finally {
  Atomics.store(header, STATE, state);
  Atomics.notify(header, STATE);
}
