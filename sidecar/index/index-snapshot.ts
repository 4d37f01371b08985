// Saves the filter index to one file and loads it back, so a restart maps
// arrays in instead of rebuilding millions of entries from LMDB. The file
// names the history sequence it reflects; the list replays what came after.
// It holds the contact order too, when one was built. It names the store
// it was made from and ends with a CRC-32 of all it holds (since version 5
// its header too, which names the sequence the replay starts after): a
// snapshot copied from another data directory, or with a flipped bit, would
// have answered from another list (a contact on this one "allowed").

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { crc32Update } from "../checksum/running-crc32.js";
import { ByteInternTable, type InternTableState } from "./byte-intern-table.js";
import type { ContactOrderState } from "./contact-order.js";
import { CHANNEL_SLOTS, FilterIndex, RoaringBitmap32 } from "./filter-index.js";
import { ScopedEntrySet } from "./scoped-entry-set.js";

const MAGIC = "dnc-index";
/** Versions before it are not read (the index is rebuilt once): 4 left its header out of the checksum, earlier ones had none. */
const VERSION = 5;

interface Header {
  magic: string;
  version: number;
  /** The history sequence number the index reflects. */
  seq: number;
  /** Entries in the store at `seq`, checked after replay. */
  entryCount: number;
  tables: Record<"contacts" | "senders" | "accounts", { size: number; nextId: number }>;
  scoped: { used: number; live: number };
  /** The contact order's `upTo`; its ids are the last section. Absent when no order was built. */
  order?: { upTo: number };
  /** Byte lengths of the sections that follow the header, in order. */
  sections: number[];
  /** EntryStore.id of the store the index was made from. */
  storeId: string;
}

export interface Snapshot {
  seq: number;
  entryCount: number;
  index: FilterIndex;
  order?: ContactOrderState;
}

/** Writes the snapshot atomically: a temp file, fsync, then rename. */
export function writeSnapshot(path: string, storeId: string, seq: number, entryCount: number, index: FilterIndex, order?: ContactOrderState): void {
  const parts = index.parts();
  const tables = { contacts: parts.contacts.exportState(), senders: parts.senders.exportState(), accounts: parts.accounts.exportState() };
  const scoped = parts.scoped.exportState();
  const sections: Uint8Array[] = [];
  for (const t of Object.values(tables)) sections.push(t.arena, bytesOf(t.offsets), bytesOf(t.slots), bytesOf(t.bloom));
  sections.push(bytesOf(scoped.table));
  for (const b of [...parts.unscoped, parts.scopedContacts]) sections.push(b.serialize("portable"));
  if (order !== undefined) sections.push(bytesOf(order.sorted));
  const header: Header = {
    magic: MAGIC,
    version: VERSION,
    seq,
    entryCount,
    tables: {
      contacts: { size: tables.contacts.size, nextId: tables.contacts.nextId },
      senders: { size: tables.senders.size, nextId: tables.senders.nextId },
      accounts: { size: tables.accounts.size, nextId: tables.accounts.nextId },
    },
    scoped: { used: scoped.used, live: scoped.live },
    ...(order === undefined ? {} : { order: { upTo: order.upTo } }),
    sections: sections.map((s) => s.byteLength),
    storeId,
  };
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(json.length);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, prefix);
    writeSync(fd, json);
    // The checksum is of the bytes as they are written, in a trailer after them.
    let crc = crc32Update(crc32Update(0, prefix), json);
    for (const s of sections) {
      const bytes = Buffer.from(s.buffer, s.byteOffset, s.byteLength);
      crc = crc32Update(crc, bytes);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    }
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(crc);
    writeSync(fd, trailer);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Loads a snapshot of the store `storeId`, or returns undefined when there
 * is none, it is another store's, its bytes do not match its checksum, or
 * it is not one this version reads.
 */
export function readSnapshot(path: string, storeId: string): Snapshot | undefined {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return undefined;
  }
  try {
    const jsonLength = file.readUInt32LE(0);
    const header = JSON.parse(file.toString("utf8", 4, 4 + jsonLength)) as Header;
    if (header.magic !== MAGIC || header.version !== VERSION || header.storeId !== storeId) return undefined;
    let off = 4 + jsonLength;
    const bodyLength = header.sections.reduce((a, b) => a + b, 0);
    const end = off + bodyLength;
    if (end + 4 !== file.length || crc32(file.subarray(0, end)) !== file.readUInt32LE(end)) return undefined;
    const next = (): Buffer => {
      const length = header.sections.shift();
      if (length === undefined || off + length > file.length) throw new RangeError("snapshot is truncated");
      const s = file.subarray(off, off + length);
      off += length;
      return s;
    };
    const table = (meta: { size: number; nextId: number }): ByteInternTable => {
      const state: InternTableState = { arena: copy(next()), offsets: u32(next()), slots: u32(next()), bloom: u32(next()), size: meta.size, nextId: meta.nextId };
      return ByteInternTable.fromState(state);
    };
    const contacts = table(header.tables.contacts);
    const senders = table(header.tables.senders);
    const accounts = table(header.tables.accounts);
    const scoped = ScopedEntrySet.fromState({ table: u32(next()), ...header.scoped });
    const unscoped = Array.from({ length: CHANNEL_SLOTS }, () => RoaringBitmap32.deserialize(next(), "portable"));
    const scopedContacts = RoaringBitmap32.deserialize(next(), "portable");
    const index = new FilterIndex({ contacts, senders, accounts, unscoped, scopedContacts, scoped });
    const order = header.order === undefined ? undefined : { upTo: header.order.upTo, sorted: u32(next()) };
    return { seq: header.seq, entryCount: header.entryCount, index, ...(order === undefined ? {} : { order }) };
  } catch {
    return undefined;
  }
}

export function removeSnapshot(path: string): void {
  rmSync(path, { force: true });
}

function bytesOf(a: Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function copy(b: Buffer): Uint8Array {
  return new Uint8Array(b);
}

function u32(b: Buffer): Uint32Array {
  const out = new Uint32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
