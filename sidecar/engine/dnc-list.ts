// The list: the LMDB store and the in-memory filter index kept in step.
// Writes run one at a time; the index changes as soon as the store has
// committed a write, while the sync to disk that the acknowledgement waits
// for is still under way: what the filter sees is what the store holds, and
// an acknowledged write is visible to the very next filter call.

import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { CountryCode } from "libphonenumber-js";
import { messageOf, UnavailableError } from "../errors.js";
import { ContactKind, EntrySchema, type Entry, type EntryKey } from "../gen/dnc/v1/types_pb.js";
import { FilterIndex, UNKNOWN_NAME } from "../index/filter-index.js";
import { ByteInternTable } from "../index/byte-intern-table.js";
import { ContactKeyFiles } from "../index/contact-key-files.js";
import { ENTRY_KEY_BYTES, entryKey, readEntryKey, writeEntryKey, type EntryIds } from "../store/entry-key.js";
import { encodeEntry, type EntryFields } from "../store/entry-codec.js";
import { CounterDeltas, EntryStats, persistCampaignDays } from "../stats/entry-stats.js";
import { EntryKeyScan } from "../store/entry-key-scan.js";
import { EntryStore, STORED_ENTRY_OFFSET, type NameTable, type StoreTxnWriter, type StoreWriter } from "../store/entry-store.js";
import { MAX_SCOPE_NAME_ID, ScopedEntrySet } from "../index/scoped-entry-set.js";
import { ContactOrder } from "../index/contact-order.js";
import { ensureHistoryByContact } from "../history/history-contact-index.js";
import { normaliseContact, type ContactUse } from "../normalise/contact-normaliser.js";
import { setTimeout as sleep } from "node:timers/promises";
import { commitErrorOf } from "../store/deferred-writes.js";
import { readSnapshot, removeSnapshot, writeSnapshot } from "../index/index-snapshot.js";
import { join } from "node:path";
import { checkEntry, checkScope, MAX_NAME_CHARS, refusedRemoval, rejectedRecord, type Checked, type ValidScope } from "./entry-rules.js";
import { nextTurn } from "../async/next-turn.js";

export interface AddResult {
  added: number;
  repeated: number;
  rejected: { index: number; reason: string }[];
}

export interface RemoveResult {
  removed: number;
  notFound: number[];
  /** Keys that are no valid key, with why: recorded in the history, and nothing removed for them. */
  rejected: { index: number; reason: string }[];
}

/**
 * Ids handed out inside a write, in tables of their own that continue the
 * index's numbering; they join the index only after the commit.
 */
class PendingIds {
  readonly contacts: ByteInternTable;
  readonly senders: ByteInternTable;
  readonly accounts: ByteInternTable;
  constructor(index: FilterIndex, expected: number) {
    this.contacts = new ByteInternTable(index.contacts.nextId, Math.max(64, expected), index.contacts.nextId);
    this.senders = new ByteInternTable(index.senders.nextId, 16, index.senders.nextId);
    this.accounts = new ByteInternTable(index.accounts.nextId, 16, index.accounts.nextId);
  }
}

/** What an add does with one entry, decided while the batch is prepared and written once its time is taken. */
type RejectedStep = { action: "rejected"; record: Uint8Array; reason: string; contactId: number | undefined };
type AddStep = RejectedStep | { action: "repeated" | "added"; fields: EntryFields; ids: EntryIds };

const SNAPSHOT_FILE = "index.snapshot";
/** How long a failed write waits for lmdb-js to say why its commit failed. */
const COMMIT_CAUSE_WAIT_MS = 1000;
/** Entries of a batch prepared in one event-loop turn: about 2 ms of work. */
const WRITE_SLICE = 256;

/** Fewer entry keys than this are read in the thread: a worker takes about a tenth of a second to start. */
const SCAN_IN_WORKER_KEYS = 1 << 17;

export class DncList {
  private readonly keyBuf = Buffer.alloc(ENTRY_KEY_BYTES);
  /**
   * The stored values of the entries a removal is taking out, by key, until
   * the index drops them: LMDB shows readers the removal before lmdb-js
   * reports its commit, and a filter call in between still blocks (the
   * removal is not acknowledged), so it must still name the whole entry.
   */
  private readonly removing = new Map<string, Buffer>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly commitListeners = new Set<() => void>();
  /** Built on the first walk in contact order. */
  private contactOrder: ContactOrder | undefined;
  /** Whether a write added keys to the key files since they were last synced. */
  private keysWritten = false;

  /** Counts of the entries by channel, source, sender… */
  readonly stats: EntryStats;

  private constructor(
    readonly store: EntryStore,
    readonly index: FilterIndex,
    private readonly snapshotPath: string,
  ) {
    this.stats = new EntryStats(store);
  }

  /**
   * Opens (or creates) the store at `dir`. The index comes from the snapshot
   * the last clean close wrote, brought up to date from the history; without
   * a usable snapshot it is rebuilt from the store, with new contact key
   * files (or, where those have no room, with the keys in memory). Either
   * way the contact table then moves onto huge pages (huge-pages.c), and
   * the key files' pages out of the RSS, before the list serves. A start
   * that fails closes the store again, leaving the directory to the next.
   */
  static open(dir: string): DncList {
    const store = EntryStore.open(dir);
    try {
      return DncList.load(store, dir);
    } catch (err: unknown) {
      void store.close().catch(() => undefined);
      throw err;
    }
  }

  private static load(store: EntryStore, dir: string): DncList {
    ensureHistoryByContact(store);
    const snapshotPath = join(dir, SNAPSHOT_FILE);
    const snapshot = readSnapshot(snapshotPath, store.id, () => ContactKeyFiles.open(dir));
    // Only the last clean close's snapshot may be read: once loaded (or refused) it goes, so that a crash
    // after more writes never leaves an older one to be taken for the store's state at the next start.
    removeSnapshot(snapshotPath);
    if (snapshot !== undefined && snapshot.seq <= store.lastSeq) {
      try {
        const list = new DncList(store, snapshot.index, snapshotPath);
        if (snapshot.order !== undefined) list.contactOrder = ContactOrder.fromState(snapshot.index.contacts, snapshot.order);
        list.catchUp(snapshot.seq);
        if (list.indexedEntries() === store.entryCount()) return list.ready();
      } catch (err: unknown) {
        // The key files had no room for the contacts written since the snapshot: a rebuild finds what there is.
        if (!(err instanceof UnavailableError)) throw err;
      }
    }
    snapshot?.index.contacts.keyFiles?.close();
    const keyFiles = ContactKeyFiles.create(dir);
    try {
      return DncList.rebuilt(store, snapshotPath, keyFiles);
    } catch (err: unknown) {
      if (keyFiles === undefined || !(err instanceof UnavailableError)) {
        keyFiles?.close();
        throw err;
      }
      // The room they took goes back to LMDB.
      keyFiles.remove();
      console.error(`dnc: the contact key files had no room for the keys (${messageOf(err)}): the index keeps them in memory`);
      return DncList.rebuilt(store, snapshotPath, undefined);
    }
  }

  private static rebuilt(store: EntryStore, snapshotPath: string, keyFiles: ContactKeyFiles | undefined): DncList {
    // Sized for every stored contact: growing slot tables while millions go in was a tenth of the rebuild.
    const list = new DncList(store, new FilterIndex(undefined, store.contactCount(), keyFiles), snapshotPath);
    list.rebuild();
    return list.ready();
  }

  /** Readies a loaded list to serve, and ties the key files to the store's writes. */
  private ready(): this {
    this.index.contacts.collapseHugePages();
    // Writes read and write the key files as they do LMDB's map: their pages go at the same times.
    this.store.releaseAlongside("the contact key files' pages", () => this.index.contacts.keyFiles?.release() ?? true);
    // A write that added keys has them on disk, as LMDB has the write, before it is acknowledged.
    this.store.syncAlongside(() => this.flushKeyFiles());
    // A rebuild's walk mapped in every contact and entry key page of LMDB's map (hundreds of megabytes of RSS at ten
    // million entries) and wrote every page of the key files; a snapshot's checksum read all of theirs.
    this.store.releaseMapPages(true);
    // The keys the load wrote (a rebuild's, or a catch-up's) go to disk with the first write's sync.
    this.keysWritten = this.index.contacts.keyFiles !== undefined;
    return this;
  }

  /**
   * Syncs the key files once a write has added keys. Should the sync fail,
   * the files may not read back what was written once the page cache lets
   * it go (a contact on the list then "allowed"): the keys move into memory
   * while the page cache still holds them, and the files are dropped.
   */
  private async flushKeyFiles(): Promise<void> {
    const keyFiles = this.index.contacts.keyFiles;
    if (keyFiles === undefined || !this.keysWritten) return;
    this.keysWritten = false;
    try {
      await keyFiles.flush();
    } catch (err: unknown) {
      this.index.contacts.moveKeysToMemory();
      keyFiles.close();
      console.error(`dnc: the contact key files could not be synced to disk (${messageOf(err)}): the index keeps the keys in memory from now on`);
    }
  }

  /** Entries the index holds: every entry is one bitmap bit or one scoped tuple. */
  indexedEntries(): number {
    const { unscoped, scoped } = this.index.counts();
    return unscoped.reduce((a, b) => a + b, scoped);
  }

  /** Applies what the store committed after the snapshot's sequence number. */
  private catchUp(seq: number): void {
    const { index, store } = this;
    this.loadInterned(index.contacts.nextId, index.senders.nextId, index.accounts.nextId);
    for (const event of store.historyAfter(seq)) {
      if (event.key === undefined) continue;
      const ids = readEntryKey(event.key);
      if (event.action === "added") index.add(ids.contactId, ids.channel, ids.senderId, ids.accountId);
      else if (event.action === "removed") index.delete(ids.contactId, ids.channel, ids.senderId, ids.accountId);
    }
  }

  /** Interns the contacts, senders and accounts the store holds from the given ids on. */
  private loadInterned(fromContact: number, fromSender: number, fromAccount: number): void {
    const { index, store } = this;
    const contacts = index.contacts;
    store.forEachContactFrom(fromContact, (id, bytes, length) => contacts.insertInRun(bytes, 0, length, id));
    contacts.flushRun();
    for (const [table, from] of [["senders", fromSender], ["accounts", fromAccount]] as const) {
      const names = this.names(table);
      for (const { key, value } of store.namesFrom(table, from)) {
        const bytes = Buffer.from(value, "utf8");
        names.insert(bytes, 0, bytes.length, key);
      }
    }
  }

  private rebuild(): void {
    const { index, store } = this;
    // The entry keys are read in a worker meanwhile, when one can run and there are enough to pay for its start.
    const entries = store.entryCount();
    const scan = entries >= SCAN_IN_WORKER_KEYS ? EntryKeyScan.start(store.path, entries) : undefined;
    try {
      this.loadInterned(0, 0, 0);
    } catch (err: unknown) {
      scan?.stop();
      throw err;
    }
    // Runs of a million ids at most, and no longer than the store's entries: a small store's rebuild allocates little.
    const runLength = Math.max(1, Math.min(1 << 20, entries));
    const perChannel = Array.from({ length: 8 }, () => ({ ids: new Uint32Array(runLength), count: 0 }));
    const add = (contactId: number, channel: number, senderId: number, accountId: number) => {
      if (senderId === 0 && accountId === 0) {
        const run = perChannel[channel]!;
        run.ids[run.count++] = contactId;
        if (run.count === run.ids.length) {
          index.addUnscopedMany(channel, run.ids);
          run.count = 0;
        }
      } else {
        index.add(contactId, channel, senderId, accountId);
      }
    };
    const columns = scan?.collect();
    if (columns === undefined) store.forEachEntryIds(add);
    else for (let i = 0; i < columns.count; i++) add(columns.contactIds[i]!, columns.channels[i]!, columns.senderIds[i]!, columns.accountIds[i]!);
    perChannel.forEach((run, channel) => index.addUnscopedMany(channel, run.ids.subarray(0, run.count)));
    index.optimise();
  }

  /** Throws UNAVAILABLE once the list is closed: the filter must never guess. */
  assertOpen(): void {
    if (this.closed) throw new UnavailableError("the store is closed");
  }

  names(table: NameTable): ByteInternTable {
    return table === "senders" ? this.index.senders : this.index.accounts;
  }

  /** The id of a sender or account name: 0 for empty, UNKNOWN_NAME when no entry names it. */
  nameId(table: NameTable, name: string): number {
    if (name === "") return 0;
    const length = nameBytes(name);
    // Longer than any name an entry can hold.
    if (length < 0) return UNKNOWN_NAME;
    const id = this.names(table).lookup(NAME_BYTES, 0, length);
    return id < 0 ? UNKNOWN_NAME : id;
  }

  /**
   * The stored value of the entry with these ids: `dnc.v1.Entry` from
   * STORED_ENTRY_OFFSET (before it the store's sequence, which an entry
   * whose removal is committing does not carry); a view.
   */
  entryRaw(contactId: number, channel: number, senderId: number, accountId: number): Buffer | undefined {
    const key = writeEntryKey(this.keyBuf, contactId, channel, senderId, accountId);
    const raw = this.store.getEntryRaw(key);
    if (raw !== undefined || this.removing.size === 0) return raw;
    return this.removing.get(key.toString("latin1"));
  }

  /** Resolves once the contact order holds every contact: a walk right after a bulk import waits here. */
  async contactOrderReady(): Promise<void> {
    await this.order().caughtUp();
  }

  /** The contact order, from the snapshot or built on first use. */
  private order(): ContactOrder {
    this.contactOrder ??= new ContactOrder(this.index.contacts);
    return this.contactOrder;
  }

  /**
   * Entry keys in contact order (the contact's text, then the entry key),
   * for contacts starting with `prefix`, strictly after `after`: a position
   * [contact UTF-8][0][entry key] taken from an earlier walk. Throws
   * UNAVAILABLE when the order is far behind: await `contactOrderReady` first.
   */
  *entryKeysByContact(prefix: string, after?: Buffer): Iterable<Buffer> {
    const order = this.order();
    const text = Buffer.from(prefix, "utf8");
    const afterText = after?.subarray(0, after.length - 1 - ENTRY_KEY_BYTES);
    const afterKey = after?.subarray(after.length - ENTRY_KEY_BYTES);
    const afterContact = afterKey?.readUInt32BE(0) ?? -1;
    const from = afterText !== undefined && afterText.compare(text) > 0 ? afterText : text;
    for (const id of order.idsFrom(from)) {
      if (!order.startsWith(id, text)) return;
      const atCursor = afterText !== undefined && order.compareText(id, afterText) === 0;
      if (atCursor && id < afterContact) continue;
      for (const key of this.store.entryKeysOfContact(id)) {
        if (atCursor && id === afterContact && key.compare(afterKey!) <= 0) continue;
        yield key;
      }
    }
  }

  /** The ids of an entry scope, or undefined when no entry can have it. */
  idsOf(scope: ValidScope): EntryIds | undefined {
    const contactId = this.index.contacts.lookup(scope.key, 0, scope.key.length);
    const senderId = this.nameId("senders", scope.sender);
    const accountId = this.nameId("accounts", scope.account);
    if (contactId < 0 || senderId === UNKNOWN_NAME || accountId === UNKNOWN_NAME) return undefined;
    return { contactId, channel: scope.channel, senderId, accountId };
  }

  /**
   * Adds entries (SPEC §2): new keys are added, known keys are repeats, the
   * rest are rejected with a reason. `alsoWrite` runs at the end of the same
   * transaction, with the result: a caller's own records (an import job's
   * progress and report) commit together with the entries, or not at all.
   * `refused` are changes the caller refused before they became entries (an
   * import's rows that did not read), recorded as rejected in the same write.
   * `checked` holds checkEntry's verdict on each entry, with the same
   * `defaultCountry`, when the caller made them beforehand: an import checks
   * a batch while the one before it commits, rather than in this write's turn.
   */
  addEntries(
    entries: Entry[],
    defaultCountry: CountryCode | undefined,
    actor: string,
    alsoWrite?: (w: StoreWriter, result: AddResult) => void,
    refused: readonly { entry: Entry; reason: string }[] = [],
    checked?: readonly Checked<ValidScope>[],
  ): Promise<AddResult> {
    if (checked !== undefined && checked.length !== entries.length) {
      throw new Error(`addEntries: ${checked.length} verdicts for ${entries.length} entries`);
    }
    return this.exclusive(async () => {
      const result: AddResult = { added: 0, repeated: 0, rejected: [] };
      const applied: EntryIds[] = [];
      const changes = new CounterDeltas();
      const inBatch = new ScopedEntrySet(entries.length);
      const steps: AddStep[] = [];
      await this.writeBatch(entries.length, async (w, pending) => {
        for (let index = 0; index < entries.length; index++) {
          // A big batch (an import's) is prepared a slice per event-loop turn, so filter calls are answered between slices.
          if (index > 0 && index % WRITE_SLICE === 0) await nextTurn();
          const input = entries[index]!;
          const c = checked?.[index] ?? checkEntry(input, defaultCountry);
          if (!c.ok) {
            result.rejected.push({ index, reason: c.reason });
            steps.push(this.rejection(w, pending, input, c.reason, defaultCountry, "add"));
            continue;
          }
          const scope = c.value;
          const full = this.noRoomFor(pending, scope.sender);
          if (full !== "") {
            result.rejected.push({ index, reason: full });
            steps.push(this.rejection(w, pending, input, full, defaultCountry, "add"));
            continue;
          }
          const ids = this.assignIds(w, pending, scope);
          const fields = {
            contact: scope.contact,
            kind: scope.kind,
            channel: scope.channel,
            sender: scope.sender,
            account: scope.account,
            source: input.source,
            reason: input.reason,
            campaignRef: input.campaignRef.trim(),
            addedAtMs: 0,
            addedBy: actor,
            note: input.note,
          };
          const known = this.index.has(ids.contactId, ids.channel, ids.senderId, ids.accountId);
          if (known || !inBatch.add(ids.contactId, ids.channel, ids.senderId, ids.accountId)) {
            result.repeated++;
            steps.push({ action: "repeated", fields, ids });
            continue;
          }
          steps.push({ action: "added", fields, ids });
          applied.push(ids);
          result.added++;
        }
        for (let k = 0; k < refused.length; k++) {
          if (k % WRITE_SLICE === 0) await nextTurn();
          const { entry, reason } = refused[k]!;
          steps.push(this.rejection(w, pending, entry, reason, defaultCountry, "add"));
        }
        // The time is taken once the batch is prepared: the filter takes the entries in when LMDB commits, after the
        // few slices that write them, and CheckAt judges by this time. Taken before the preparation, it ran ahead of
        // the filter by all of it (half a second for 10,000 entries).
        const at = Date.now();
        for (let k = 0; k < steps.length; k++) {
          if (k > 0 && k % WRITE_SLICE === 0) await nextTurn();
          const step = steps[k]!;
          if (step.action === "rejected") {
            w.appendHistory({ at, actor, action: "rejected", entry: step.record, note: step.reason }, step.contactId);
            continue;
          }
          step.fields.addedAtMs = at;
          const bytes = encodeEntry(step.fields);
          if (step.action === "repeated") {
            w.appendHistory({ at, actor, action: "repeated", entry: bytes }, step.ids.contactId);
            continue;
          }
          const key = entryKey(step.ids);
          const seq = w.appendHistory({ at, actor, action: "added", entry: bytes, key });
          w.putEntry(key, seq, bytes);
          changes.entry(step.fields, 1);
          changes.optOut(step.fields.campaignRef, at);
        }
        this.stats.persist(w, changes);
        persistCampaignDays(w, this.store, changes);
        alsoWrite?.(w, result);
        // Written; what follows is the wait for the commit and the disk, which the steps need not outlive.
        steps.length = 0;
      }, (pending) => {
        this.commitPending(pending);
        this.contactOrder?.catchUpIfBehind();
        this.stats.apply(changes);
        for (const ids of applied) this.index.add(ids.contactId, ids.channel, ids.senderId, ids.accountId);
      });
      return result;
    });
  }

  /** Removes entries by key. The caller has checked consent. */
  async removeEntries(keys: EntryKey[], note: string, defaultCountry: CountryCode | undefined, actor: string): Promise<RemoveResult> {
    const rejected: { index: number; reason: string }[] = [];
    const valid: { index: number; scope: ValidScope }[] = [];
    keys.forEach((k, index) => {
      const s = checkScope(k, defaultCountry, "find");
      if (s.ok) valid.push({ index, scope: s.value });
      else rejected.push({ index, reason: s.reason });
    });
    // The ids are looked up in the removal's turn among the writes, so a removal sent behind an add of a new
    // contact or sender finds what that add wrote.
    const storeKeys = () =>
      valid.map((v) => {
        const ids = this.idsOf(v.scope);
        return ids === undefined ? undefined : entryKey(ids);
      });
    const result = await this.removeInTurn(storeKeys, note, actor);
    if (rejected.length > 0) {
      await this.recordRejected(
        rejected.map((r) => ({ entry: refusedRemoval(keys[r.index]!, note), reason: `removal refused: ${r.reason}` })),
        actor,
        defaultCountry,
      );
    }
    return { removed: result.removed, notFound: result.notFound.map((i) => valid[i]!.index), rejected };
  }

  /**
   * Removes entries by their store keys (undefined: a key that cannot
   * exist, reported as not found). The caller has checked consent.
   * `addedSeqs`, when given, holds the sequence number each key's entry had
   * when the caller chose it: an entry removed and added again since then is
   * another opt-out, which the caller's choice (a filter) may not cover, and
   * is left, reported as not found.
   */
  removeStoredKeys(keys: (Buffer | undefined)[], note: string, actor: string, addedSeqs?: ArrayLike<number>): Promise<RemoveResult> {
    return this.removeInTurn(() => keys, note, actor, addedSeqs);
  }

  /** removeStoredKeys, with the keys taken in the removal's turn among the writes. */
  private removeInTurn(keysInTurn: () => (Buffer | undefined)[], note: string, actor: string, addedSeqs?: ArrayLike<number>): Promise<RemoveResult> {
    return this.exclusive(async () => {
      const keys = keysInTurn();
      const result: RemoveResult = { removed: 0, notFound: [], rejected: [] };
      const removed: EntryIds[] = [];
      const changes = new CounterDeltas();
      const held: string[] = [];
      await this.write((w) => {
        // Taken in the transaction, which commits at once: the filter drops the entries then.
        const at = Date.now();
        keys.forEach((key, index) => {
          const stored = key === undefined ? undefined : w.getEntry(key);
          if (key === undefined || stored === undefined || (addedSeqs !== undefined && stored.seq !== addedSeqs[index])) {
            result.notFound.push(index);
            return;
          }
          const entry = fromBinary(EntrySchema, stored.entry);
          // The filter reads a value from STORED_ENTRY_OFFSET on: the sequence before it is not needed.
          const raw = Buffer.allocUnsafe(STORED_ENTRY_OFFSET + stored.entry.length);
          raw.set(stored.entry, STORED_ENTRY_OFFSET);
          const name = key.toString("latin1");
          held.push(name);
          this.removing.set(name, raw);
          w.deleteEntry(key, stored.seq);
          w.appendHistory({ at, actor, action: "removed", entry: stored.entry, note, key });
          changes.entry(entry, -1);
          removed.push(readEntryKey(key));
          result.removed++;
        });
        this.stats.persist(w, changes);
      }, () => {
        this.stats.apply(changes);
        for (const ids of removed) this.index.delete(ids.contactId, ids.channel, ids.senderId, ids.accountId);
      }).finally(() => {
        // Committed or failed, the index and the store agree again.
        for (const name of held) this.removing.delete(name);
      });
      return result;
    });
  }

  /** Records refused changes (e.g. a removal without consent), each with why, in the history. */
  recordRejected(rejections: { entry: Entry; reason: string }[], actor: string, defaultCountry?: CountryCode): Promise<void> {
    return this.exclusive(() =>
      this.writeBatch(
        rejections.length,
        async (w, pending) => {
          // Taken in its turn among the writes, so the history's times follow its sequence.
          const at = Date.now();
          for (const { entry, reason } of rejections) {
            const r = this.rejection(w, pending, entry, reason, defaultCountry, "find");
            w.appendHistory({ at, actor, action: "rejected", entry: r.record, note: r.reason }, r.contactId);
          }
        },
        (pending) => this.commitPending(pending),
      ),
    );
  }

  /**
   * Records an export in the history: who, and `description` (the selection,
   * the format and the rows written). It belongs to no contact, so it shows
   * in GetHistory but in no contact's history, and the replays skip it.
   */
  recordExport(actor: string, description: string): Promise<void> {
    return this.exclusive(async () => {
      await this.write((w) => void w.appendHistory({ at: Date.now(), actor, action: "exported", entry: new Uint8Array(0), note: description }));
    });
  }

  /**
   * Calls `listener` after each write has committed and the index shows it
   * (the change feed and the webhooks read the history from there). Returns
   * the unsubscribe.
   */
  onCommitted(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** A refused change as the history keeps it: its fields, cut to length, filed under its contact (contactIdFor). */
  private rejection(w: StoreWriter, pending: PendingIds, entry: Entry, reason: string, country: CountryCode | undefined, use: ContactUse): RejectedStep {
    return { action: "rejected", record: toBinary(EntrySchema, rejectedRecord(entry)), reason, contactId: this.contactIdFor(w, pending, entry, country, use) };
  }

  /**
   * The id of a refused change's contact when it normalises, interned now
   * if it is new: the contact's history is its proof, and must show the
   * refusals that came before its first entry too.
   */
  private contactIdFor(w: StoreWriter, pending: PendingIds, input: Entry, country: CountryCode | undefined, use: ContactUse): number | undefined {
    // A change refused for a kind no contact has names no contact.
    if (!Number.isInteger(input.kind) || input.kind < ContactKind.UNSPECIFIED || input.kind > ContactKind.CUSTOMER_ID) return undefined;
    const n = normaliseContact(input.contact, input.kind, country, use);
    return n.ok ? this.assignContact(w, pending, n.key) : undefined;
  }

  /** Waits for queued writes, saves the index snapshot, and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    try {
      writeSnapshot(this.snapshotPath, this.store.id, this.store.lastSeq, this.store.entryCount(), this.index, this.contactOrder?.exportState());
    } catch (err: unknown) {
      // The next start rebuilds from the store instead: slower, equally right.
      removeSnapshot(this.snapshotPath);
      console.error(`dnc: could not save the index snapshot: ${messageOf(err)}`);
    }
    try {
      await this.store.close();
    } finally {
      this.index.contacts.keyFiles?.close();
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const run = this.queue.then(fn, fn).finally(() => {
      for (const listener of this.commitListeners) listener();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A batch of additions: the index, which holds every committed entry,
   * tells what is new. `committed` takes the write into memory once LMDB has
   * committed it, before the sync to disk completes: the filter shows what
   * the store holds, and the caller's acknowledgement still waits for the sync.
   */
  private async writeBatch(size: number, fn: (w: StoreWriter, pending: PendingIds) => Promise<void>, committed: (pending: PendingIds) => void): Promise<void> {
    const pending = new PendingIds(this.index, size);
    const prepare = async (w: StoreWriter) => {
      await fn(w, pending);
      this.index.contacts.makeRoomFor(pending.contacts);
    };
    await unavailableOnFailure(this.store.writeBatch(prepare, () => committed(pending)));
  }

  private write(fn: (w: StoreTxnWriter) => void, committed?: () => void): Promise<void> {
    return unavailableOnFailure(this.store.write(fn, committed));
  }

  /** The contact's id: the index's, this write's, or a new one this write stores. */
  private assignContact(w: StoreWriter, pending: PendingIds, key: Uint8Array): number {
    let contactId = this.index.contacts.lookup(key, 0, key.length);
    if (contactId < 0) contactId = pending.contacts.lookup(key, 0, key.length);
    if (contactId < 0) {
      contactId = pending.contacts.intern(key, 0, key.length);
      w.putContact(contactId, key);
    }
    return contactId;
  }

  private assignIds(w: StoreWriter, pending: PendingIds, scope: ValidScope): EntryIds {
    return {
      contactId: this.assignContact(w, pending, scope.key),
      channel: scope.channel,
      senderId: this.assignName(w, pending, "senders", scope.sender),
      accountId: this.assignName(w, pending, "accounts", scope.account),
    };
  }

  /**
   * Why a new sender name cannot be taken, or "": the scoped entry set
   * keeps a sender's id in 24 bits beside the channel. Found here, the entry
   * is refused on its own; found as the filter takes the committed write in,
   * it failed a write already stored, and every start after it.
   */
  private noRoomFor(pending: PendingIds, sender: string): string {
    if (sender === "" || pending.senders.nextId <= MAX_SCOPE_NAME_ID) return "";
    if (this.knownName(pending, "senders", nameBytes(sender)) >= 0) return "";
    return `sender: the list already names ${MAX_SCOPE_NAME_ID.toLocaleString("en")} distinct senders, the most it can hold`;
  }

  private assignName(w: StoreWriter, pending: PendingIds, table: NameTable, name: string): number {
    if (name === "") return 0;
    // The entry's checks bounded the name to MAX_NAME_CHARS, so it fits.
    const length = nameBytes(name);
    let id = this.knownName(pending, table, length);
    if (id < 0) {
      id = pending[table].intern(NAME_BYTES, 0, length);
      w.putName(table, id, name);
    }
    return id;
  }

  /** The id of the name in NAME_BYTES[0, length), in the index or among the batch's new names; -1 for neither. */
  private knownName(pending: PendingIds, table: NameTable, length: number): number {
    const known = this.names(table).lookup(NAME_BYTES, 0, length);
    return known >= 0 ? known : pending[table].lookup(NAME_BYTES, 0, length);
  }

  private commitPending(pending: PendingIds): void {
    if (pending.contacts.nextId > this.index.contacts.nextId) this.keysWritten = true;
    for (const table of ["contacts", "senders", "accounts"] as const) {
      const target = this.index[table];
      const source = pending[table];
      for (let id = target.nextId; id < source.nextId; id++) {
        const key = source.keyOf(id);
        target.insert(key, 0, key.length, id);
      }
    }
  }
}

/** The most UTF-16 units a storable name has: MAX_NAME_CHARS characters, each one or two units. */
const MAX_NAME_UNITS = 2 * MAX_NAME_CHARS;

/**
 * Where a sender or account name is encoded for a lookup: every bulk-added
 * entry names them, and a Buffer each is garbage. A UTF-16 unit takes at
 * most three bytes of UTF-8.
 */
const NAME_BYTES = Buffer.alloc(3 * MAX_NAME_UNITS);

/** Writes `name` as UTF-8 into NAME_BYTES: its length, or -1 when it is longer than any stored name can be. */
function nameBytes(name: string): number {
  return name.length > MAX_NAME_UNITS ? -1 : NAME_BYTES.write(name, 0, "utf8");
}

/** A store write that failed, as the UNAVAILABLE its caller answers with. */
async function unavailableOnFailure(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err: unknown) {
    // lmdb-js says only "Commit failed"; the cause comes a moment later, on commitError.
    const commitError = commitErrorOf(err);
    const cause = commitError === undefined ? err : await Promise.race([commitError.then(() => err, (e: unknown) => e), sleep(COMMIT_CAUSE_WAIT_MS, err)]);
    throw new UnavailableError(`the store could not commit the write: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
