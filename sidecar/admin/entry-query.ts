// Finds the entries an EntryFilter selects, in the order ListEntries asks
// for, resumable from a cursor; and counts them exactly, from the counters
// when one field decides, by a scan otherwise.

import { fromBinary } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { InvalidArgumentError } from "../errors.js";
import { EntryOrder, type EntryFilter } from "../gen/dnc/v1/admin_service_pb.js";
import { EntrySchema, type Entry } from "../gen/dnc/v1/types_pb.js";
import { checkedKind, normaliseContact } from "../normalise/contact-normaliser.js";
import type { DncList } from "../engine/dnc-list.js";
import { ENTRY_KEY_BYTES } from "../store/entry-key.js";
import type { EntryDimension } from "../stats/entry-stats.js";
import { entryPredicate, narrowsBeyondContact, trimmedFilter } from "./entry-filter.js";
import { cursorNumber, notIssued } from "./page-token.js";

export interface EntryRow {
  seq: number;
  /** The entry's store key. */
  key: Buffer;
  entry: Entry;
  /** Its position in contact order (hex of contact, 0, key). */
  contactCursor: string;
}

/** Whether `filter` selects anything less than the whole list. */
export function filterNarrows(filter: EntryFilter | undefined): boolean {
  const f = trimmedFilter(filter);
  return (f?.contact ?? "") !== "" || (f?.contactPrefix ?? "") !== "" || narrowsBeyondContact(f);
}

export class EntryQuery {
  /** The filter's predicate over an entry, for a caller that reads the entries its own way (an export). */
  readonly matches: (e: Entry) => boolean;
  private readonly contactId: number | undefined;
  private readonly prefix: string;

  /**
   * A query whose rows come in `order`. It resolves once it can walk them:
   * when the order or the filter's prefix needs the contact order, after the
   * list's contact order holds every contact.
   */
  static async open(list: DncList, filter: EntryFilter | undefined, country: CountryCode | undefined, order: EntryOrder): Promise<EntryQuery> {
    const query = new EntryQuery(list, trimmedFilter(filter), country, order);
    if (query.contactId === undefined && (query.prefix !== "" || order === EntryOrder.CONTACT)) await list.contactOrderReady();
    return query;
  }

  private constructor(
    private readonly list: DncList,
    private readonly filter: EntryFilter | undefined,
    country: CountryCode | undefined,
    private readonly order: EntryOrder,
  ) {
    this.matches = entryPredicate(filter);
    this.prefix = filter?.contactPrefix ?? "";
    if ((filter?.contact ?? "") !== "") {
      const n = normaliseContact(filter!.contact, checkedKind(filter!.contactKind, "filter.contact_kind"), country, "find");
      if (!n.ok) throw new InvalidArgumentError("filter.contact", n.reason);
      const id = list.index.contacts.lookup(n.key, 0, n.key.length);
      this.contactId = id < 0 ? -1 : id;
    }
  }

  /** The matching rows in the query's order, after `cursor` (from a previous row). */
  rows(cursor?: string): Iterable<EntryRow> {
    return this.rowsIn(this.order, cursor);
  }

  private *rowsIn(order: EntryOrder, cursor?: string): Iterable<EntryRow> {
    const byTime = order !== EntryOrder.CONTACT;
    const newest = order === EntryOrder.UNSPECIFIED || order === EntryOrder.NEWEST_FIRST;
    if (cursor !== undefined) {
      if (byTime) cursorNumber(cursor, 10);
      else contactPosition(cursor);
    }
    if (this.contactId === undefined && this.prefix !== "" && byTime) {
      yield* this.prefixByTime(newest, cursor);
      return;
    }
    if (this.contactId !== undefined) {
      const rows = [...this.candidates()].filter((r) => this.matches(r.entry));
      rows.sort(byTime ? (a, b) => (newest ? b.seq - a.seq : a.seq - b.seq) : (a, b) => (a.contactCursor < b.contactCursor ? -1 : 1));
      const start =
        cursor === undefined
          ? 0
          : rows.findIndex((r) => (byTime ? (newest ? r.seq < Number(cursor) : r.seq > Number(cursor)) : r.contactCursor > cursor));
      if (start >= 0) yield* rows.slice(start);
      return;
    }
    if (!byTime) {
      const after = cursor === undefined ? undefined : contactPosition(cursor);
      for (const entryKey of this.list.entryKeysByContact(this.prefix, after)) {
        const row = this.row(entryKey);
        if (row !== undefined && this.matches(row.entry)) yield row;
      }
      return;
    }
    const keys = newest
      ? this.list.store.keysNewestFirst(cursor === undefined ? undefined : Number(cursor))
      : this.list.store.keysOldestFirst(cursor === undefined ? undefined : Number(cursor));
    for (const { key } of keys) {
      const row = this.row(key);
      if (row !== undefined && this.matches(row.entry)) yield row;
    }
  }

  /** How many entries match, exactly. */
  count(): number {
    if (!filterNarrows(this.filter)) return this.list.store.entryCount();
    const single = this.singleDimension();
    if (single !== undefined) return single.values.reduce((n, v) => n + this.list.stats.count(single.dimension, v), 0);
    let n = 0;
    // A prefix is walked in contact order, as the page was; anything else in add order, which needs no sort.
    for (const _ of this.rowsIn(this.prefix !== "" ? EntryOrder.CONTACT : EntryOrder.OLDEST_FIRST)) n++;
    return n;
  }

  /** The one dimension the filter narrows, when the counters answer it. */
  private singleDimension(): { dimension: EntryDimension; values: string[] } | undefined {
    const f = this.filter;
    if (f === undefined || this.contactId !== undefined || this.prefix !== "" || f.addedAfter !== undefined || f.addedBefore !== undefined) return undefined;
    const fields = ([
      { dimension: "channel", values: [...new Set(f.channels)].map(String) },
      { dimension: "sender", values: [...new Set(f.senders)] },
      { dimension: "account", values: [...new Set(f.accounts)] },
      { dimension: "source", values: [...new Set(f.sources)].map(String) },
      { dimension: "reason", values: [...new Set(f.reasons)].map(String) },
      { dimension: "campaign", values: f.campaignRef === "" ? [] : [f.campaignRef] },
    ] satisfies { dimension: EntryDimension; values: string[] }[]).filter((d) => d.values.length > 0);
    if (fields.length !== 1 || fields[0]!.values.some((v) => v === "")) return undefined;
    return fields[0];
  }

  /**
   * A prefix's matches in time order. The prefix is walked in contact order,
   * which holds them together; only each match's sequence number and key are
   * kept (21 bytes, where a row would be an object of hundreds), sorted,
   * and the rows are read again as they are yielded. A prefix such as "44"
   * can match most of a list of millions.
   */
  private *prefixByTime(newest: boolean, cursor: string | undefined): Iterable<EntryRow> {
    let seqs = new Float64Array(1_024);
    let keys = Buffer.alloc(seqs.length * ENTRY_KEY_BYTES);
    let n = 0;
    for (const row of this.candidates()) {
      if (!this.matches(row.entry)) continue;
      if (n === seqs.length) {
        const grownSeqs = new Float64Array(n * 2);
        grownSeqs.set(seqs);
        const grownKeys = Buffer.alloc(grownSeqs.length * ENTRY_KEY_BYTES);
        keys.copy(grownKeys);
        [seqs, keys] = [grownSeqs, grownKeys];
      }
      seqs[n] = row.seq;
      row.key.copy(keys, n * ENTRY_KEY_BYTES);
      n++;
    }
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort(newest ? (a, b) => seqs[b]! - seqs[a]! : (a, b) => seqs[a]! - seqs[b]!);
    const after = cursor === undefined ? undefined : Number(cursor);
    for (const i of order) {
      const seq = seqs[i]!;
      if (after !== undefined && (newest ? seq >= after : seq <= after)) continue;
      const row = this.row(keys.subarray(i * ENTRY_KEY_BYTES, (i + 1) * ENTRY_KEY_BYTES));
      if (row !== undefined && row.seq === seq && this.matches(row.entry)) yield row;
    }
  }

  private *candidates(): Iterable<EntryRow> {
    if (this.contactId !== undefined) {
      if (this.contactId < 0) return;
      for (const stored of this.list.store.entriesOfContact(this.contactId)) {
        const entry = fromBinary(EntrySchema, stored.entry);
        if (this.prefix !== "" && !entry.contact.startsWith(this.prefix)) continue;
        yield { seq: stored.seq, key: stored.key, entry, contactCursor: contactCursor(entry.contact, stored.key) };
      }
      return;
    }
    for (const entryKey of this.list.entryKeysByContact(this.prefix)) {
      const row = this.row(entryKey);
      if (row !== undefined) yield row;
    }
  }

  private row(key: Buffer): EntryRow | undefined {
    const stored = this.list.store.getEntry(key);
    if (stored === undefined) return undefined;
    const entry = fromBinary(EntrySchema, stored.entry);
    const owned = Buffer.from(key);
    return { seq: stored.seq, key: owned, entry, contactCursor: contactCursor(entry.contact, owned) };
  }
}

function contactCursor(contact: string, key: Buffer): string {
  return Buffer.concat([Buffer.from(contact, "utf8"), Buffer.from([0]), key]).toString("hex");
}

/** A contact-order cursor's position, [contact UTF-8][0][entry key], as written: a forged one is refused before it is read. */
function contactPosition(cursor: string): Buffer {
  const bytes = Buffer.from(cursor, "hex");
  if (cursor.length !== 2 * bytes.length || bytes.length < ENTRY_KEY_BYTES + 1 || bytes[bytes.length - 1 - ENTRY_KEY_BYTES] !== 0) throw notIssued();
  return bytes;
}
