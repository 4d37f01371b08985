// Keeps the history's contact index (history-by-contact) whole. Each write
// files its events in the same transaction; a store written before the index
// existed gets it built once, on open, from the history itself.

import { fromBinary } from "@bufbuild/protobuf";
import { ContactKind, EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { normaliseContact } from "../normalise/contact-normaliser.js";
import { readEntryKey } from "../store/entry-key.js";
import type { EntryStore, HistoryEvent } from "../store/entry-store.js";

export function ensureHistoryByContact(store: EntryStore): void {
  if (store.historyByContactIndexed()) return;
  const ids = new Map<string, number>();
  store.forEachContactFrom(0, (id, bytes, length) => ids.set(Buffer.from(bytes.buffer, bytes.byteOffset, length).toString("latin1"), id));
  store.indexHistoryByContact((event) => {
    if (event.key !== undefined) return readEntryKey(event.key).contactId;
    const key = contactKeyOf(event);
    return key === undefined ? undefined : ids.get(Buffer.from(key).toString("latin1"));
  });
}

/**
 * The contact key of an event without an entry key: a repeat holds the
 * normalised contact, a rejection the contact as given (whose default
 * country is no longer known, so a national number stays unfiled).
 */
function contactKeyOf(event: HistoryEvent): Uint8Array | undefined {
  const entry = fromBinary(EntrySchema, event.entry);
  const canonicalPhone = event.action !== "rejected" && entry.kind === ContactKind.PHONE;
  const n = normaliseContact(canonicalPhone ? `+${entry.contact}` : entry.contact, entry.kind, undefined, "find");
  return n.ok ? n.key : undefined;
}
