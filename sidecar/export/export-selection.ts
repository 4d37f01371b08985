// Which entries an export writes: those a filter matches (as ListEntries
// would find them, read without EntryQuery's per-row work where the filter
// allows) or those of a list of keys; how many there are when the export
// starts; and the words the history records for the selection. The file's
// row order is not part of the contract.

import { toBinary, toJsonString } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { InvalidArgumentError } from "../errors.js";
import { EntryFilterSchema, EntryOrder, type EntryFilter } from "../gen/dnc/v1/admin_service_pb.js";
import { EntrySchema, type EntryKey } from "../gen/dnc/v1/types_pb.js";
import type { DncList } from "../engine/dnc-list.js";
import { checkScope } from "../engine/entry-rules.js";
import { entryKey } from "../store/entry-key.js";
import { STORED_ENTRY_OFFSET } from "../store/entry-store.js";
import { EntryQuery, filterNarrows } from "../admin/entry-query.js";
import { decodeEntry } from "./entry-decoder.js";

/** Keys beyond this are better selected by a filter; it bounds what a request holds in memory. */
const MAX_EXPORT_KEYS = 100_000;

/** A stored entry's dnc.v1.Entry bytes, `bytes[start, end)`: one object, valid until the iteration steps on. */
export interface EntryBytes {
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** Points `span` at the entry in a stored value, `bytes[0, length)`, past the value's sequence number. */
function storedValue(span: EntryBytes, bytes: Uint8Array, length: number): EntryBytes {
  span.bytes = bytes;
  span.start = STORED_ENTRY_OFFSET;
  span.end = length;
  return span;
}

export interface ExportSelection {
  /** The selected entries as they are when read. */
  entries(): Iterable<EntryBytes>;
  /** How many were selected when the export started; writes during it can change that. */
  total: number;
  /** For the history, e.g. `filter {"channels":["CHANNEL_SMS"]}` or `3 keys`. */
  description: string;
}

export async function selectEntries(list: DncList, filter: EntryFilter | undefined, keys: EntryKey[], country: CountryCode | undefined): Promise<ExportSelection> {
  if (keys.length === 0) {
    // Only a prefix walks the contact order; the rest reads the store in its own order.
    return byFilter(list, filter, await EntryQuery.open(list, filter, country, EntryOrder.OLDEST_FIRST));
  }
  if (filterNarrows(filter)) throw new InvalidArgumentError("keys", "give keys or a filter, not both");
  return byKeys(list, keys, country);
}

function byFilter(list: DncList, filter: EntryFilter | undefined, query: EntryQuery): ExportSelection {
  const matches = query.matches;
  const prefix = filter?.contactPrefix ?? "";
  const span: EntryBytes = { bytes: new Uint8Array(0), start: 0, end: 0 };
  let entries: () => Iterable<EntryBytes>;
  if ((filter?.contact ?? "") !== "") {
    // One contact's entries are few: EntryQuery finds them.
    entries = function* () {
      for (const row of query.rows()) {
        span.bytes = toBinary(EntrySchema, row.entry);
        span.start = 0;
        span.end = span.bytes.length;
        yield span;
      }
    };
  } else if (prefix !== "") {
    // The contacts under the prefix, in contact order, as EntryQuery walks them.
    entries = function* () {
      for (const entryKey of list.entryKeysByContact(prefix)) {
        const raw = list.store.getEntryRaw(entryKey);
        if (raw === undefined) continue;
        if (matches(decodeEntry(raw, STORED_ENTRY_OFFSET))) yield storedValue(span, raw, raw.length);
      }
    };
  } else {
    // Every entry, in the store's own order: a sequential read, twice as fast as any index order. Only a filter
    // that narrows the list needs an entry decoded before its row is written.
    const narrows = filterNarrows(filter);
    entries = function* () {
      for (const value of list.store.entryValueViews()) {
        if (!narrows || matches(decodeEntry(value.bytes, STORED_ENTRY_OFFSET, value.length))) yield storedValue(span, value.bytes, value.length);
      }
    };
  }
  return { entries, total: query.count(), description: `filter ${filter === undefined ? "{}" : toJsonString(EntryFilterSchema, filter)}` };
}

function byKeys(list: DncList, keys: EntryKey[], country: CountryCode | undefined): ExportSelection {
  if (keys.length > MAX_EXPORT_KEYS) throw new InvalidArgumentError("keys", `at most ${MAX_EXPORT_KEYS}; select more by a filter`);
  const storeKeys = new Map<string, Buffer>();
  keys.forEach((k, i) => {
    const scope = checkScope(k, country, "find");
    if (!scope.ok) throw new InvalidArgumentError(`keys[${i}]`, scope.reason);
    const ids = list.idsOf(scope.value);
    if (ids === undefined) return;
    const key = entryKey(ids);
    storeKeys.set(key.toString("latin1"), key);
  });
  const found = [...storeKeys.values()].filter((key) => list.store.getEntryRaw(key) !== undefined);
  const span: EntryBytes = { bytes: new Uint8Array(0), start: 0, end: 0 };
  return {
    entries: function* () {
      for (const key of found) {
        const raw = list.store.getEntryRaw(key);
        if (raw !== undefined) yield storedValue(span, raw, raw.length);
      }
    },
    total: found.length,
    description: `${keys.length} ${keys.length === 1 ? "key" : "keys"}`,
  };
}

