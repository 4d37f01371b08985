// The durable side of the list: one LMDB environment holding the entries,
// the interned contact and name ids, an index by add order, the append-only
// history and metadata. A write resolves only after LMDB has committed it to
// disk.

import { open, type Database, type RootDatabase } from "lmdb";
import { mkdirSync } from "node:fs";
import { ENTRY_KEY_BYTES } from "./entry-key.js";

/** What happened to an entry, as the history records it. */
export type HistoryAction = "added" | "repeated" | "removed" | "rejected";

export interface HistoryEvent {
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  actor: string;
  action: HistoryAction;
  /** The entry (protobuf `dnc.v1.Entry`) as it stands after the change, or as given when rejected. */
  entry: Uint8Array;
  /** Removal consent note, or the rejection reason. */
  note?: string;
  /** The entry's store key, on "added" and "removed": what a replay of the index needs. */
  key?: Uint8Array;
}

export type NameTable = "senders" | "accounts";

/** Write operations, valid inside `EntryStore.write`. */
export interface StoreWriter {
  putContact(id: number, key: Uint8Array): void;
  putName(table: NameTable, id: number, name: string): void;
  /** Stores an entry added at history sequence `seq`. */
  putEntry(key: Buffer, seq: number, entry: Uint8Array): void;
  deleteEntry(key: Buffer, seq: number): void;
  getEntry(key: Buffer): StoredEntry | undefined;
  hasEntry(key: Buffer): boolean;
  appendHistory(event: Omit<HistoryEvent, "seq">): number;
}

export interface StoredEntry {
  /** The history sequence number of the add. */
  seq: number;
  /** Protobuf `dnc.v1.Entry`. */
  entry: Uint8Array;
}

export class EntryStore {
  private readonly root: RootDatabase;
  private readonly entries: Database<Buffer, Buffer>;
  private readonly byAddOrder: Database<Buffer, number>;
  private readonly contacts: Database<Buffer, number>;
  private readonly names: Record<NameTable, Database<string, number>>;
  private readonly history: Database<HistoryEvent, number>;
  private seq: number;

  private constructor(path: string) {
    mkdirSync(path, { recursive: true });
    this.root = open({ path, maxDbs: 12, mapSize: 64 * 1024 ** 3, noSync: false });
    this.entries = this.root.openDB({ name: "entries", keyEncoding: "binary", encoding: "binary" });
    this.byAddOrder = this.root.openDB({ name: "by-add-order", keyEncoding: "uint32", encoding: "binary" });
    this.contacts = this.root.openDB({ name: "contacts", keyEncoding: "uint32", encoding: "binary" });
    this.names = {
      senders: this.root.openDB({ name: "senders", keyEncoding: "uint32", encoding: "string" }),
      accounts: this.root.openDB({ name: "accounts", keyEncoding: "uint32", encoding: "string" }),
    };
    this.history = this.root.openDB({ name: "history" });
    let last = 0;
    for (const key of this.history.getKeys({ reverse: true, limit: 1 })) last = key;
    this.seq = last;
  }

  static open(path: string): EntryStore {
    return new EntryStore(path);
  }

  /** The sequence number of the newest history event. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Runs `fn` in one write transaction; resolves once it is durable. */
  async write<T>(fn: (w: StoreWriter) => T): Promise<T> {
    let result!: T;
    const startSeq = this.seq;
    try {
      await this.root.transaction(() => {
        this.seq = startSeq;
        result = fn(this.writer);
      });
    } catch (err: unknown) {
      this.seq = startSeq;
      throw err;
    }
    return result;
  }

  private readonly writer: StoreWriter = {
    putContact: (id, key) => void this.contacts.put(id, Buffer.from(key)),
    putName: (table, id, name) => void this.names[table].put(id, name),
    putEntry: (key, seq, entry) => {
      const value = Buffer.allocUnsafe(8 + entry.length);
      value.writeUIntBE(seq, 2, 6);
      value.writeUInt16BE(0, 0);
      value.set(entry, 8);
      this.entries.put(key, value);
      this.byAddOrder.put(seq, key);
    },
    deleteEntry: (key, seq) => {
      this.entries.remove(key);
      this.byAddOrder.remove(seq);
    },
    getEntry: (key) => this.getEntry(key),
    hasEntry: (key) => this.entries.getBinaryFast(key) !== undefined,
    appendHistory: (event) => {
      const seq = ++this.seq;
      this.history.put(seq, { seq, ...event });
      return seq;
    },
  };

  /** The raw stored value (8-byte sequence, then the entry); a view valid until the next read. */
  getEntryRaw(key: Buffer): Buffer | undefined {
    return this.entries.getBinaryFast(key);
  }

  getEntry(key: Buffer): StoredEntry | undefined {
    const raw = this.entries.getBinary(key);
    if (raw === undefined) return undefined;
    return { seq: raw.readUIntBE(2, 6), entry: raw.subarray(8) };
  }

  /** Every entry of one contact, in key order. */
  *entriesOfContact(contactId: number): Iterable<{ key: Buffer } & StoredEntry> {
    const start = Buffer.alloc(ENTRY_KEY_BYTES);
    start.writeUInt32BE(contactId, 0);
    const end = Buffer.alloc(ENTRY_KEY_BYTES);
    end.writeUInt32BE(contactId + 1, 0);
    for (const { key, value } of this.entries.getRange({ start, end })) {
      yield { key, seq: value.readUIntBE(2, 6), entry: value.subarray(8) };
    }
  }

  /** Entry keys newest first, starting below `beforeSeq`. */
  *keysNewestFirst(beforeSeq?: number): Iterable<{ seq: number; key: Buffer }> {
    const range = beforeSeq === undefined ? { reverse: true } : { reverse: true, start: beforeSeq - 1 };
    for (const { key, value } of this.byAddOrder.getRange(range)) {
      if (beforeSeq !== undefined && key >= beforeSeq) continue;
      yield { seq: key, key: value };
    }
  }

  entryCount(): number {
    return this.entries.getCount();
  }

  /** For rebuilding the index. */
  allEntryKeys(): Iterable<Buffer> {
    return this.entries.getKeys();
  }

  /** Interned contacts with an id of at least `fromId`. */
  contactsFrom(fromId = 0): Iterable<{ key: number; value: Buffer }> {
    return this.contacts.getRange({ start: fromId });
  }

  namesFrom(table: NameTable, fromId = 0): Iterable<{ key: number; value: string }> {
    return this.names[table].getRange({ start: fromId });
  }

  /** History events with a sequence number above `seq`, oldest first. */
  *historyAfter(seq: number): Iterable<HistoryEvent> {
    for (const { value } of this.history.getRange({ start: seq + 1 })) yield value;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
