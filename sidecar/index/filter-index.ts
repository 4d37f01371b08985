// The in-memory index the filter answers from: interned contacts, senders and
// accounts; one roaring bitmap per channel plus one for all channels holding
// the contacts of unscoped entries; and a tuple set for scoped entries.
// Matching is SPEC §4 over ids: no strings, no store reads.

import roaring from "roaring";
import { ByteInternTable } from "./byte-intern-table.js";
import type { ContactKeyFiles } from "./contact-key-files.js";
import { MAX_SCOPE_NAME_ID, ScopedEntrySet } from "./scoped-entry-set.js";

// roaring is CommonJS: its named exports are not visible to ESM imports.
const { RoaringBitmap32 } = roaring;
type RoaringBitmap32 = InstanceType<typeof RoaringBitmap32>;

/** Channels are 1..7; slot 0 holds the all-channels bitmap. */
export const CHANNEL_SLOTS = 8;

/** A name id for "the request names a sender/account no entry mentions". */
export const UNKNOWN_NAME = -1;

/** Where a match is reported, reused across checks. */
export class MatchedScope {
  channel = 0;
  senderId = 0;
  accountId = 0;
}

export interface IndexParts {
  contacts: ByteInternTable;
  senders: ByteInternTable;
  accounts: ByteInternTable;
  unscoped: RoaringBitmap32[];
  scopedContacts: RoaringBitmap32;
  scoped: ScopedEntrySet;
}

export { RoaringBitmap32 };

export class FilterIndex {
  readonly contacts: ByteInternTable;
  /** Sender and account names; id 0 stands for "any". */
  readonly senders: ByteInternTable;
  readonly accounts: ByteInternTable;
  private readonly unscoped: RoaringBitmap32[];
  /** Contacts that have (or once had) a scoped entry: a cheap gate before probing. */
  private readonly scopedContacts: RoaringBitmap32;
  private readonly scoped: ScopedEntrySet;

  /**
   * A new index takes `contacts`, the number of contacts it will hold, as
   * the size to start at, and keeps the contacts' keys in `keyFiles` when
   * given them.
   */
  constructor(parts?: IndexParts, contacts = 1 << 16, keyFiles?: ContactKeyFiles) {
    this.contacts = parts?.contacts ?? new ByteInternTable(0, contacts, 0, keyFiles);
    this.senders = parts?.senders ?? new ByteInternTable(1);
    this.accounts = parts?.accounts ?? new ByteInternTable(1);
    this.unscoped = parts?.unscoped ?? Array.from({ length: CHANNEL_SLOTS }, () => new RoaringBitmap32());
    this.scopedContacts = parts?.scopedContacts ?? new RoaringBitmap32();
    this.scoped = parts?.scoped ?? new ScopedEntrySet();
  }

  /** The index's parts, for a snapshot (they stay live: do not change them). */
  parts(): IndexParts {
    const { contacts, senders, accounts, unscoped, scopedContacts, scoped } = this;
    return { contacts, senders, accounts, unscoped, scopedContacts, scoped };
  }

  add(contactId: number, channel: number, senderId: number, accountId: number): void {
    if (senderId === 0 && accountId === 0) {
      this.unscoped[channel]!.add(contactId);
      return;
    }
    if (senderId > MAX_SCOPE_NAME_ID) throw new RangeError("too many distinct senders");
    this.scoped.add(contactId, channel, senderId, accountId);
    this.scopedContacts.add(contactId);
  }

  delete(contactId: number, channel: number, senderId: number, accountId: number): void {
    if (senderId === 0 && accountId === 0) this.unscoped[channel]!.delete(contactId);
    else this.scoped.delete(contactId, channel, senderId, accountId);
  }

  /** Whether the index holds exactly this entry. */
  has(contactId: number, channel: number, senderId: number, accountId: number): boolean {
    if (senderId === 0 && accountId === 0) return this.unscoped[channel]!.has(contactId);
    return this.scoped.has(contactId, channel, senderId, accountId);
  }

  /** Bulk load of unscoped entries per channel slot (rebuild). */
  addUnscopedMany(channel: number, contactIds: Uint32Array): void {
    this.unscoped[channel]!.addMany(contactIds);
  }

  /**
   * Whether an entry blocks contact `contactId` for a send on `channel` from
   * `senderId` under `accountId` (0 = the request names none, UNKNOWN_NAME =
   * no entry names it). Writes the matching entry's scope into `out`.
   */
  match(contactId: number, channel: number, senderId: number, accountId: number, out: MatchedScope): boolean {
    const unscoped = this.unscoped;
    if (unscoped[0]!.has(contactId)) return this.found(out, 0, 0, 0);
    if (unscoped[channel]!.has(contactId)) return this.found(out, channel, 0, 0);
    if (!this.scopedContacts.has(contactId)) return false;
    return this.matchScoped(contactId, 0, senderId, accountId, out) || this.matchScoped(contactId, channel, senderId, accountId, out);
  }

  private matchScoped(contactId: number, channel: number, senderId: number, accountId: number, out: MatchedScope): boolean {
    const scoped = this.scoped;
    const s = senderId > 0;
    const a = accountId > 0;
    if (s && scoped.has(contactId, channel, senderId, 0)) return this.found(out, channel, senderId, 0);
    if (a && scoped.has(contactId, channel, 0, accountId)) return this.found(out, channel, 0, accountId);
    if (s && a && scoped.has(contactId, channel, senderId, accountId)) return this.found(out, channel, senderId, accountId);
    return false;
  }

  private found(out: MatchedScope, channel: number, senderId: number, accountId: number): true {
    out.channel = channel;
    out.senderId = senderId;
    out.accountId = accountId;
    return true;
  }

  /** Entries per channel slot among unscoped entries, and scoped entries in all. */
  counts(): { unscoped: number[]; scoped: number } {
    return { unscoped: this.unscoped.map((b) => b.size), scoped: this.scoped.count };
  }

  /** Bytes of memory the index holds, bitmaps included; the contact key files' pages are the page cache's (`fileBytes`). */
  get byteSize(): number {
    let bitmaps = this.scopedContacts.getSerializationSizeInBytes("croaring");
    for (const b of this.unscoped) bitmaps += b.getSerializationSizeInBytes("croaring");
    return (
      this.contacts.byteSize + this.senders.byteSize + this.accounts.byteSize + this.scoped.byteSize + bitmaps
    );
  }

  /** Bytes of the contact key files, when the contacts' keys are in files. */
  get fileBytes(): number {
    return this.contacts.fileBytes;
  }

  /** Compacts bitmaps after a bulk load. */
  optimise(): void {
    for (const b of this.unscoped) {
      b.runOptimize();
      b.shrinkToFit();
    }
    this.scopedContacts.runOptimize();
  }
}
