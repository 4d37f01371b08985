// The durable side of the list: one LMDB environment holding the entries,
// the interned contact and name ids, an index by add order, the append-only
// history and metadata. A write resolves only after LMDB has committed it to
// disk.

import { open, type Database, type RootDatabase, type RootDatabaseOptions } from "lmdb";
import { randomUUID } from "node:crypto";
import { mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { errnoName } from "../native/errno-name.js";
import { releaseFilePages } from "../native/file-pages.js";
import { DataDirLock } from "./data-dir-lock.js";
import { DeferredWrites, type WriteSink } from "./deferred-writes.js";
import { ENTRY_KEY_BYTES, readEntryKeyIds } from "./entry-key.js";
import { guardOrphanCommitFailures } from "./orphan-commit-guard.js";

/**
 * What happened to an entry (or, for "exported", to a selection of entries;
 * for "import_finished", to an import job), as the history records it.
 */
export type HistoryAction = "added" | "repeated" | "removed" | "rejected" | "exported" | "import_finished";

export interface HistoryEvent {
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  actor: string;
  action: HistoryAction;
  /** The entry (protobuf `dnc.v1.Entry`) as it stands after the change, or as given when rejected; empty on "exported" and "import_finished". */
  entry: Uint8Array;
  /** Removal consent note, the rejection reason, or what an export selected and wrote. */
  note?: string;
  /** The entry's store key, on "added" and "removed": what a replay of the index needs. */
  key?: Uint8Array;
  /** The job as it ended (protobuf `dnc.v1.ImportJob`), on "import_finished". */
  importJob?: Uint8Array;
}

export type NameTable = "senders" | "accounts";

/** Write operations, valid inside `EntryStore.write` and `EntryStore.writeBatch`. */
export interface StoreWriter {
  putContact(id: number, key: Uint8Array): void;
  putName(table: NameTable, id: number, name: string): void;
  /** Stores an entry added at history sequence `seq`. */
  putEntry(key: Buffer, seq: number, entry: Uint8Array): void;
  deleteEntry(key: Buffer, seq: number): void;
  /** Sets a counter; zero removes it. */
  putCounter(name: string, value: number): void;
  /** Writes to a database from `openDb`, in the same transaction. */
  put<V>(db: Database<V, string>, key: string, value: V): void;
  remove(db: Database<unknown, string>, key: string): void;
  /**
   * Appends an event. It is filed under its contact in the history's contact
   * index: the contact of `key` when it has one, else `contactId` when given.
   */
  appendHistory(event: Omit<HistoryEvent, "seq">, contactId?: number): number;
}

/** A writer that also reads, seeing its own writes: inside `EntryStore.write` only. */
export interface StoreTxnWriter extends StoreWriter {
  getEntry(key: Buffer): StoredEntry | undefined;
}

export interface StoredEntry {
  /** The history sequence number of the add. */
  seq: number;
  /** Protobuf `dnc.v1.Entry`. */
  entry: Uint8Array;
}

const EMPTY = Buffer.alloc(0);
/** The store's id, in its "meta" database. */
const STORE_ID_KEY = "store-id";

/** A stored entry value: the history sequence number of the add in bytes 2..8 (0..2 are zero), then the encoded entry. */
export const STORED_ENTRY_OFFSET = 8;

/** A value where LMDB put it, `bytes[0, length)`: valid until the read moves on. */
export interface InPlaceValue {
  bytes: Uint8Array;
  length: number;
}

/** A read-only value encoder for a view of `what` that hands every value over in place, in one reused object. */
function inPlaceValues(what: string): { encode: () => never; decode: (bytes: Uint8Array, length: number) => InPlaceValue } {
  const value: InPlaceValue = { bytes: new Uint8Array(0), length: 0 };
  return {
    encode: (): never => {
      throw new Error(`a read-only view of the ${what}`);
    },
    decode: (bytes: Uint8Array, length: number) => {
      value.bytes = bytes;
      value.length = length;
      return value;
    },
  };
}

/**
 * Where a walk of a byteKeys view starts: the default first key is in
 * lmdb-js's own key encoding, and no entry key sorts before this byte.
 */
const FIRST_BYTE_KEY = new Uint8Array(1);

/**
 * A key encoder for byte keys that reads each key with `readKey`, where LMDB
 * put it. Such a view's iterations start from a byte key; `readKey` gives no
 * key back, and lmdb-js would write the last one read to move a cursor on
 * after its read transaction renewed, which it does only for an iteration
 * begun inside a write transaction's callback. None is, and if one were, it
 * throws here rather than skipping or repeating entries.
 */
function byteKeys(readKey: (b: Uint8Array, start: number) => number): { writeKey: (key: unknown, target: Uint8Array, start: number) => number; readKey: typeof readKey } {
  return {
    writeKey: (key, target, start) => {
      if (!(key instanceof Uint8Array)) throw new Error("a view of byte keys cannot move a cursor on from a key it did not read");
      target.set(key, start);
      return start + key.length;
    },
    readKey,
  };
}

function storedEntry(value: Buffer): StoredEntry {
  return { seq: value.readUIntBE(2, 6), entry: value.subarray(STORED_ENTRY_OFFSET) };
}

/** The entry-key range of one contact's entries: its id, then the next. */
function contactRange(contactId: number): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(ENTRY_KEY_BYTES);
  start.writeUInt32BE(contactId, 0);
  const end = Buffer.alloc(ENTRY_KEY_BYTES);
  end.writeUInt32BE(contactId + 1, 0);
  return { start, end };
}

/** [contact id u32 BE][seq u64 BE]: one contact's history in sequence order. */
function historyContactKey(contactId: number, seq: number): Buffer {
  const out = Buffer.allocUnsafe(12);
  out.writeUInt32BE(contactId, 0);
  out.writeUInt16BE(0, 4);
  out.writeUIntBE(seq, 6, 6);
  return out;
}

/**
 * An event as the history stores it. Its fields always come in this order,
 * so that it takes one of the shapes primeHistoryStructures stores.
 */
function storedEvent(seq: number, event: Omit<HistoryEvent, "seq">): HistoryEvent {
  const stored: HistoryEvent = { seq, at: event.at, actor: event.actor, action: event.action, entry: event.entry };
  if (event.note !== undefined) stored.note = event.note;
  if (event.key !== undefined) stored.key = event.key;
  if (event.importJob !== undefined) stored.importJob = event.importJob;
  return stored;
}

/** Every shape storedEvent gives: with or without each optional field. */
const EVENT_SHAPES: Omit<HistoryEvent, "seq">[] = Array.from({ length: 8 }, (_, shape) => ({
  at: 0,
  actor: "",
  action: "added",
  entry: EMPTY,
  ...(shape & 1 ? { note: "" } : {}),
  ...(shape & 2 ? { key: EMPTY } : {}),
  ...(shape & 4 ? { importJob: EMPTY } : {}),
}));

/**
 * Releases of the data file's pages come at most this often: a bulk write
 * asks after every batch, and each release reads /proc/self/maps; the pages
 * mapped meanwhile are a few megabytes at most.
 */
const RELEASE_INTERVAL_MS = 100;

/** No contact gets this id; its row says the history's contact index is complete. */
const HISTORY_INDEXED_MARK = historyContactKey(0xffffffff, 0);
const HISTORY_SEQ_OFFSET = 4;

export class EntryStore {
  private readonly root: RootDatabase;
  private readonly entries: Database<Buffer, Buffer>;
  /** The entries' values in place, keys unread: for exports. */
  private readonly entriesInPlace: Database<InPlaceValue, Uint8Array>;
  private readonly byAddOrder: Database<Buffer, number>;
  private readonly contacts: Database<Buffer, number>;
  private readonly names: Record<NameTable, Database<string, number>>;
  private readonly history: Database<HistoryEvent, number>;
  /** Counters: entries per channel, source, sender…; opt-outs per campaign and day; filter traffic per hour. */
  private readonly counters: Database<number, string>;
  /** The history by contact: [contact id][seq] → empty (history-by-contact). */
  private readonly historyByContact: Database<Buffer, Buffer>;
  private seq: number;
  /**
   * The newest history event whose transaction's `committed` callback has
   * run: LMDB shows a commit to readers a few milliseconds before lmdb-js
   * reports it, and so before the filter index takes it in. History reads
   * stop here, so the history (GetHistory, CheckAt, the change feed) never
   * shows a change the filter does not yet apply.
   */
  private visibleSeq: number;
  /** Made when the store is created: what ties an index snapshot to this store and no other. */
  readonly id: string;
  /** The data file as the kernel names its mapping. */
  private readonly dataFile: string;
  private lastRelease = -Infinity;
  private readonly releasedAlongside: { what: string; release: () => boolean; failed: boolean }[] = [];
  private readonly syncedAlongside: (() => Promise<void>)[] = [];
  private releaseFailed = false;

  /** Undefined for a second opening by a thread of the process that holds the directory. */
  private readonly lock: DataDirLock | undefined;

  private constructor(
    readonly path: string,
    takeLock: boolean,
  ) {
    mkdirSync(path, { recursive: true });
    this.lock = takeLock ? DataDirLock.take(path) : undefined;
    guardOrphanCommitFailures();
    // A directory whatever its name: lmdb-js takes a path with an extension ("dnc.data") for a single file.
    this.root = open({ path, noSubdir: false, maxDbs: 32, mapSize: 64 * 1024 ** 3, noSync: false });
    this.entries = this.root.openDB({ name: "entries", keyEncoding: "binary", encoding: "binary" });
    // One view for every export: lmdb-js keeps a finished iteration's cursor on its database for the next one, and
    // never closes it, so a view opened per export would leave a cursor behind each time.
    this.entriesInPlace = this.root.openDB<InPlaceValue, Uint8Array>({ name: "entries", keyEncoder: byteKeys(() => 0), encoder: inPlaceValues("entries") } as RootDatabaseOptions & { name: string });
    this.byAddOrder = this.root.openDB({ name: "by-add-order", keyEncoding: "uint32", encoding: "binary" });
    this.contacts = this.root.openDB({ name: "contacts", keyEncoding: "uint32", encoding: "binary" });
    this.names = {
      senders: this.root.openDB({ name: "senders", keyEncoding: "uint32", encoding: "string" }),
      accounts: this.root.openDB({ name: "accounts", keyEncoding: "uint32", encoding: "string" }),
    };
    // Shared structures: an event's field names are stored once in the database, not in every event (they were a
    // quarter of its bytes), and packing one no longer builds a record definition. Events written before still decode.
    // lmdb-js keeps the structures under a symbol key, which ranges without a start or end never reach.
    this.history = this.root.openDB({ name: "history", sharedStructuresKey: Symbol.for("structures") });
    this.primeHistoryStructures();
    this.counters = this.root.openDB({ name: "counters", encoding: "msgpack" });
    this.historyByContact = this.root.openDB({ name: "history-by-contact", keyEncoding: "binary", encoding: "binary" });
    let last = 0;
    for (const key of this.history.getKeys({ reverse: true, limit: 1 })) last = key;
    this.seq = last;
    this.visibleSeq = last;
    const meta = this.openDb<string>("meta");
    let id = meta.get(STORE_ID_KEY);
    if (id === undefined) {
      id = randomUUID();
      meta.putSync(STORE_ID_KEY, id);
    }
    this.id = id;
    this.dataFile = realpathSync(join(path, "data.mdb"));
  }

  /**
   * Has `release` run each time the map's pages are released: for other
   * mappings that the same reads and writes fill, `what` naming their pages.
   * It returns whether it released them, and must not throw: it runs in a
   * write's commit path, after the commit. A first failure is said once.
   */
  releaseAlongside(what: string, release: () => boolean): void {
    this.releasedAlongside.push({ what, release, failed: false });
  }

  /**
   * Has `sync` run beside the wait for each commit's sync to disk, and the
   * write wait for it too: for files the write changed besides LMDB's. It
   * must not reject, for the same reason.
   */
  syncAlongside(sync: () => Promise<void>): void {
    this.syncedAlongside.push(sync);
  }

  /**
   * Takes the pages of the data file that LMDB's map holds out of the
   * process's RSS (native/file-pages.c): after each write, and a walk of
   * the whole store, which map in every page they read. At most once per
   * RELEASE_INTERVAL_MS unless `now`; returns whether it released.
   */
  releaseMapPages(now = false): boolean {
    const at = performance.now();
    if (!now && at - this.lastRelease < RELEASE_INTERVAL_MS) return false;
    this.lastRelease = at;
    for (const alongside of this.releasedAlongside) {
      if (alongside.release() || alongside.failed) continue;
      alongside.failed = true;
      console.error(`dnc: ${alongside.what} could not be released from memory: the RSS will hold the pages reads map in`);
    }
    const released = releaseFilePages(this.dataFile);
    if (released <= 0 && !this.releaseFailed) {
      // Memory, not data, is at stake: said once, and the store goes on.
      this.releaseFailed = true;
      const why = released < 0 ? errnoName(-released) : "no read-only mapping of it found, or no native addon";
      console.error(`dnc: LMDB's map of ${this.dataFile} could not be released from memory (${why}): the RSS will hold the pages it reads`);
    }
    return released > 0;
  }

  /**
   * Stores the structure of every event shape before any write needs it.
   * lmdb-js stores a new structure in the transaction under way, and
   * msgpackr then takes it as stored: had that transaction (a batch) failed,
   * the events after it would name a structure the history never held, and
   * could not be read back. Here each is stored in a transaction of its own;
   * on a store that has them all, nothing is written.
   */
  private primeHistoryStructures(): void {
    // lmdb-js's typings leave out a database's encoder.
    const { encoder } = this.history as unknown as { encoder: { encode(value: unknown): Uint8Array } };
    for (const shape of EVENT_SHAPES) encoder.encode(storedEvent(0, shape));
  }

  /** Opens the store at `path`, taking its directory for this process (DataDirLock). */
  static open(path: string): EntryStore {
    return new EntryStore(path, true);
  }

  /** Opens a store this process already holds, from another thread of it (a worker that reads it beside the list). */
  static openHeld(path: string): EntryStore {
    return new EntryStore(path, false);
  }

  /** The sequence number of the newest history event. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Runs `fn` in one write transaction, where reads see its writes; calls
   * `committed` once the transaction is committed, and resolves once it is
   * durable.
   */
  write<T>(fn: (w: StoreTxnWriter) => T, committed?: () => void): Promise<T> {
    return this.commit(async (queued) => {
      let result!: T;
      await this.root.transaction(() => {
        result = fn(this.txnWriter);
        queued();
      });
      return result;
    }, committed);
  }

  /**
   * Runs `fn`, whose writes commit together as one transaction on lmdb-js'
   * write thread, so the B-tree work runs beside the caller's next batch.
   * Reads inside `fn` see only what was committed before it: the caller
   * knows what its own batch holds. Calls `committed` once the transaction
   * is committed, and resolves once it is durable; when `fn` throws (or
   * rejects) nothing is written. `fn` may await: its writes are recorded and
   * queued only once it is done, so a long batch can let the event loop turn
   * while the caller keeps other writers out.
   */
  writeBatch<T>(fn: (w: StoreWriter) => T | Promise<T>, committed?: () => void): Promise<T> {
    return this.commit(async (queued) => {
      const deferred = new DeferredWrites();
      const result = await fn(this.writerTo(deferred));
      queued();
      await deferred.queue();
      return result;
    }, committed);
  }

  /**
   * Runs `run` (which starts its transaction before its first await, and
   * calls `queued` once its writes are all recorded) to its commit; a failed
   * one hands back the sequence numbers it took. Then the history shows the
   * transaction's events and `committed` runs, then the wait for the sync.
   */
  private async commit<T>(run: (queued: () => void) => Promise<T>, committed: (() => void) | undefined): Promise<T> {
    const startSeq = this.seq;
    let lastSeq = startSeq;
    let result: T;
    try {
      result = await run(() => (lastSeq = this.seq));
    } catch (err: unknown) {
      this.seq = startSeq;
      throw err;
    }
    // In the same turn as `committed`, before it: a listener it wakes reads the history with these events in.
    if (lastSeq > this.visibleSeq) this.visibleSeq = lastSeq;
    committed?.();
    // LMDB's write thread read the pages it changed through the map: without this they pile up in the RSS (an
    // import of a 148.5 MB file left 417.9 MB of them, bench run 20261129T055551Z). Done while the sync runs.
    this.releaseMapPages();
    await Promise.all([this.durable(), ...this.syncedAlongside.map((sync) => sync())]);
    return result;
  }

  /**
   * Resolves once every commit so far is on disk. lmdb-js resolves a write
   * when it is committed and visible, and syncs it to disk after that
   * (overlappingSync): an acknowledgement must wait for this too.
   */
  async durable(): Promise<void> {
    await this.root.flushed;
  }

  /** Inside `write`'s transaction: writes go straight to LMDB, and reads see them. */
  private readonly txnWriter: StoreTxnWriter = {
    ...this.writerTo({ put: (db, key, value) => void db.put(key as never, value), remove: (db, key) => void db.remove(key as never) }),
    getEntry: (key) => this.getEntry(key),
  };

  /** The write operations, each as puts and removes handed to `sink`. */
  private writerTo(sink: WriteSink): StoreWriter {
    return {
      putContact: (id, key) => sink.put(this.contacts, id, Buffer.from(key)),
      putName: (table, id, name) => sink.put(this.names[table], id, name),
      putEntry: (key, seq, entry) => {
        const value = Buffer.allocUnsafe(STORED_ENTRY_OFFSET + entry.length);
        value.writeUInt16BE(0, 0);
        value.writeUIntBE(seq, 2, 6);
        value.set(entry, STORED_ENTRY_OFFSET);
        sink.put(this.entries, key, value);
        sink.put(this.byAddOrder, seq, key);
      },
      deleteEntry: (key, seq) => {
        sink.remove(this.entries, key);
        sink.remove(this.byAddOrder, seq);
      },
      putCounter: (name, value) => (value === 0 ? sink.remove(this.counters, name) : sink.put(this.counters, name, value)),
      put: (db, key, value) => sink.put(db, key, value),
      remove: (db, key) => sink.remove(db, key),
      appendHistory: (event, contactId) => {
        const seq = ++this.seq;
        sink.put(this.history, seq, storedEvent(seq, event));
        const contact = event.key === undefined ? contactId : Buffer.from(event.key.buffer, event.key.byteOffset, 4).readUInt32BE(0);
        if (contact !== undefined) sink.put(this.historyByContact, historyContactKey(contact, seq), EMPTY);
        return seq;
      },
    };
  }

  /** The raw stored value (the sequence, then the entry from STORED_ENTRY_OFFSET); a view valid until the next read. */
  getEntryRaw(key: Buffer): Buffer | undefined {
    return this.entries.getBinaryFast(key);
  }

  getEntry(key: Buffer): StoredEntry | undefined {
    const raw = this.entries.getBinary(key);
    return raw === undefined ? undefined : storedEntry(raw);
  }

  /** Every entry of one contact, in key order. */
  *entriesOfContact(contactId: number): Iterable<{ key: Buffer } & StoredEntry> {
    for (const { key, value } of this.entries.getRange(contactRange(contactId))) yield { key, ...storedEntry(value) };
  }

  /** The keys of one contact's entries, in key order. */
  *entryKeysOfContact(contactId: number): Iterable<Buffer> {
    yield* this.entries.getKeys(contactRange(contactId));
  }

  /**
   * Every stored value (the sequence, then the entry from STORED_ENTRY_OFFSET)
   * in key order, for exports: one sequential read. The view hands each value
   * over where LMDB put it, `bytes[0, length)`, valid until the iteration
   * steps on, and reads no key, so ten million entries cost no Buffer each.
   */
  *entryValueViews(): Iterable<InPlaceValue> {
    for (const { value } of this.entriesInPlace.getRange({ start: FIRST_BYTE_KEY })) yield value;
  }

  /** Entry keys newest first, starting below `beforeSeq`. */
  *keysNewestFirst(beforeSeq?: number): Iterable<{ seq: number; key: Buffer }> {
    const range = beforeSeq === undefined ? { reverse: true } : { reverse: true, start: beforeSeq - 1 };
    for (const { key, value } of this.byAddOrder.getRange(range)) {
      if (beforeSeq !== undefined && key >= beforeSeq) continue;
      yield { seq: key, key: value };
    }
  }

  /** Every counter whose name starts with `prefix`. */
  *countersWithPrefix(prefix: string): Iterable<{ name: string; value: number }> {
    for (const { key, value } of this.counters.getRange({ start: prefix })) {
      if (!key.startsWith(prefix)) break;
      yield { name: key, value };
    }
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  /** Adds to counters outside any entry write (filter traffic). */
  async addToCounters(deltas: Map<string, number>): Promise<void> {
    await this.root.transaction(() => {
      for (const [name, d] of deltas) this.counters.put(name, (this.counters.get(name) ?? 0) + d);
    });
  }

  /** Entry keys oldest first, starting above `afterSeq`. */
  *keysOldestFirst(afterSeq?: number): Iterable<{ seq: number; key: Buffer }> {
    const range = afterSeq === undefined ? {} : { start: afterSeq + 1 };
    for (const { key, value } of this.byAddOrder.getRange(range)) yield { seq: key, key: value };
  }

  /** From LMDB's own page statistics: constant time (getCount would walk every entry). */
  entryCount(): number {
    return (this.entries.getStats() as { entryCount: number }).entryCount;
  }

  /**
   * For rebuilding the index: the ids in every entry key, in key order. A
   * view of the entries with a key reader of its own hands each key over
   * where LMDB put it, so ten million keys cost no Buffer each.
   */
  forEachEntryIds(fn: (contactId: number, channel: number, senderId: number, accountId: number) => void): void {
    // lmdb-js takes keyEncoder and encoder on a database too, though its typings declare them on the root's options only.
    const options: RootDatabaseOptions & { name: string } = {
      name: "entries",
      keyEncoder: byteKeys((b, start) => {
        readEntryKeyIds(b, start, fn);
        return 0;
      }),
    };
    const view = this.root.openDB(options);
    for (const _ of view.getKeys({ start: FIRST_BYTE_KEY }));
  }

  /** How many contacts are interned: from LMDB's page statistics. */
  contactCount(): number {
    return (this.contacts.getStats() as { entryCount: number }).entryCount;
  }

  /**
   * Interned contacts with an id of at least `fromId`, each key's bytes read
   * where LMDB put them: `fn` must copy what it keeps.
   */
  forEachContactFrom(fromId: number, fn: (id: number, bytes: Uint8Array, length: number) => void): void {
    const options: RootDatabaseOptions & { name: string } = { name: "contacts", keyEncoding: "uint32", encoder: inPlaceValues("contacts") };
    const view = this.root.openDB<InPlaceValue, number>(options);
    for (const { key, value: v } of view.getRange({ start: fromId })) fn(key, v.bytes, v.length);
  }

  namesFrom(table: NameTable, fromId = 0): Iterable<{ key: number; value: string }> {
    return this.names[table].getRange({ start: fromId });
  }

  /** History events with a sequence number above `seq`, oldest first (those the list has taken in: visibleSeq). */
  *historyAfter(seq: number): Iterable<HistoryEvent> {
    if (seq >= this.visibleSeq) return;
    for (const { value } of this.history.getRange({ start: seq + 1, end: this.visibleSeq + 1 })) yield value;
  }

  /** History events with a sequence number below `beforeSeq` (all without it), newest first (from visibleSeq). */
  *historyBefore(beforeSeq?: number): Iterable<HistoryEvent> {
    const start = Math.min(beforeSeq === undefined ? Infinity : beforeSeq - 1, this.visibleSeq);
    if (start < 1) return;
    for (const { value } of this.history.getRange({ reverse: true, start })) yield value;
  }

  historyEvent(seq: number): HistoryEvent | undefined {
    return seq > this.visibleSeq ? undefined : this.history.get(seq);
  }

  /**
   * The sequence numbers of one contact's history events, oldest first (or
   * newest first with `reverse`), strictly beyond `fromSeq` in that order.
   */
  *historySeqsOfContact(contactId: number, reverse: boolean, fromSeq?: number): Iterable<number> {
    const range = reverse
      ? { start: historyContactKey(contactId, fromSeq === undefined ? 2 ** 48 - 1 : fromSeq - 1), end: historyContactKey(contactId, 0), reverse: true }
      : { start: historyContactKey(contactId, (fromSeq ?? 0) + 1), end: historyContactKey(contactId + 1, 0) };
    for (const key of this.historyByContact.getKeys(range)) {
      const seq = key.readUIntBE(HISTORY_SEQ_OFFSET + 2, 6);
      if (seq <= this.visibleSeq) yield seq;
    }
  }

  /** Whether the history's contact index is complete (a store from before it existed has none). */
  historyByContactIndexed(): boolean {
    return this.historyByContact.getBinaryFast(HISTORY_INDEXED_MARK) !== undefined;
  }

  /** Files every history event under its contact, in one transaction, and marks the index complete. */
  indexHistoryByContact(contactIdOf: (event: HistoryEvent) => number | undefined): void {
    this.root.transactionSync(() => {
      for (const { value } of this.history.getRange({})) {
        const contactId = contactIdOf(value);
        if (contactId !== undefined) this.historyByContact.put(historyContactKey(contactId, value.seq), EMPTY);
      }
      this.historyByContact.put(HISTORY_INDEXED_MARK, EMPTY);
    });
  }

  /** A named database of its own in this environment (string keys, msgpack values), for state kept beside the list. */
  openDb<V>(name: string): Database<V, string> {
    return this.root.openDB<V, string>({ name });
  }

  async close(): Promise<void> {
    await this.root.close();
    this.lock?.release();
  }
}
