// Saves the filter index to one file and loads it back, so a restart maps
// arrays in instead of rebuilding millions of entries from LMDB. The file
// names the history sequence it reflects; the list replays what came after.
// It holds the contact order too, when one was built. It names the store
// it was made from and ends with a CRC-32 of all it holds (since version 5
// its header too, which names the sequence the replay starts after): a
// snapshot copied from another data directory, or with a flipped bit, would
// have answered from another list (a contact on this one "allowed").
// Since version 6 the contacts' keys may be in their own files
// (contact-key-files.ts): the snapshot then names the arena's length (the
// offsets' is the contact count) and the CRC-32 of what the two hold,
// synced to disk before it is written.

import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { crc32Update } from "../checksum/running-crc32.js";
import { ByteInternTable, type InternTableState } from "./byte-intern-table.js";
import type { ContactKeyFiles } from "./contact-key-files.js";
import type { ContactOrderState } from "./contact-order.js";
import { CHANNEL_SLOTS, FilterIndex, RoaringBitmap32 } from "./filter-index.js";
import { ScopedEntrySet } from "./scoped-entry-set.js";

const MAGIC = "dnc-index";
/**
 * Versions before it are not read (the index is rebuilt once): 5 held the
 * contacts' keys in its sections always, 4 left its header out of the
 * checksum, earlier ones had none.
 */
const VERSION = 6;

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
  /** When the contacts' keys are in the key files: the arena's length, and the CRC-32 of the arena and then the offsets. */
  contactKeys?: { arenaBytes: number; crc: number };
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
  const keyFiles = parts.contacts.keyFiles;
  const sections: Uint8Array[] = [];
  for (const t of Object.values(tables)) {
    const inFiles = t === tables.contacts && keyFiles !== undefined;
    sections.push(inFiles ? NONE : t.arena, inFiles ? NONE : bytesOf(t.offsets), bytesOf(t.slots), bytesOf(t.bloom));
  }
  let contactKeys: Header["contactKeys"];
  if (keyFiles !== undefined) {
    keyFiles.flushNow();
    contactKeys = { arenaBytes: tables.contacts.arena.length, crc: keyFilesCrc(tables.contacts) };
  }
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
    ...(contactKeys === undefined ? {} : { contactKeys }),
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
 * is none, it is another store's, its bytes do not match its checksum, it
 * is not one this version reads, or its arrays break the tables' own rules
 * (the `fromState`s check them). A snapshot whose contacts' keys are in
 * the key files takes them from `openKeyFiles`, and only when they are
 * long enough and match the CRC-32 it names. Each section is read
 * straight into the array the index keeps: a whole-file buffer, dead once
 * the arrays were copied out of it, stayed in the process (hundreds of
 * megabytes at ten million entries) until the collector's next major
 * pass, which a sidecar that only filters may not run for hours.
 */
export function readSnapshot(path: string, storeId: string, openKeyFiles?: () => ContactKeyFiles | undefined): Snapshot | undefined {
  let fd: number;
  let keyFiles: ContactKeyFiles | undefined;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const file = new SectionReader(fd, fstatSync(fd).size);
    const jsonLength = Buffer.from(file.bytes(4)).readUInt32LE(0);
    if (jsonLength > file.size) return undefined;
    const header = JSON.parse(Buffer.from(file.bytes(jsonLength)).toString("utf8")) as Header;
    if (header.magic !== MAGIC || header.version !== VERSION || header.storeId !== storeId) return undefined;
    if (!isCount(header.seq) || !isCount(header.entryCount)) return undefined;
    if (header.order !== undefined && (header.order === null || !isCount(header.order.upTo))) return undefined;
    const contactKeys = header.contactKeys;
    if (contactKeys !== undefined && (contactKeys === null || !isCount(contactKeys.arenaBytes) || !isCount(contactKeys.crc))) return undefined;
    const sections = header.sections;
    if (!Array.isArray(sections) || !sections.every(isCount)) return undefined;
    if (4 + jsonLength + sections.reduce((a, b) => a + b, 0) + 4 !== file.size) return undefined;
    let next = 0;
    // Each length is checked against what is left before an array of it is made: lengths that
    // cancel out in the sum above could otherwise ask for gigabytes.
    const length = (): number => {
      const n = sections[next++];
      if (n === undefined || file.position + n > file.size - 4) throw new RangeError("snapshot sections do not fit the file");
      return n;
    };
    // The counts are taken by name, never spread over the arrays; fromState holds them to the arrays.
    const table = (meta: { size: number; nextId: number }): InternTableState => ({
      arena: file.bytes(length()),
      offsets: file.words(length()),
      slots: file.words(length()),
      bloom: file.words(length()),
      size: meta.size,
      nextId: meta.nextId,
    });
    const contacts = table(header.tables.contacts);
    const senders = table(header.tables.senders);
    const accounts = table(header.tables.accounts);
    const scoped = header.scoped;
    const scopedTable = file.words(length());
    const bitmaps = Array.from({ length: CHANNEL_SLOTS + 1 }, () => file.bytes(length()));
    const sorted = header.order === undefined ? undefined : file.words(length());
    // The trailer is the file's last four bytes, and every section the header names comes before
    // it: a checksum met anywhere else proves nothing about the bytes after it.
    if (next !== sections.length || file.position !== file.size - 4) return undefined;
    const crc = file.crc;
    if (crc !== Buffer.from(file.bytes(4)).readUInt32LE(0)) return undefined;
    if (contactKeys !== undefined) {
      // The sections had no room for the keys: they are the files'.
      if (contacts.arena.length !== 0 || contacts.offsets.length !== 0) return undefined;
      keyFiles = openKeyFiles?.();
      const nextId = header.tables.contacts.nextId;
      if (keyFiles === undefined || !isCount(nextId) || keyFiles.arena.length < contactKeys.arenaBytes || keyFiles.offsets.length < nextId * 4) return undefined;
      contacts.arena = keyFiles.arena.bytes(contactKeys.arenaBytes);
      contacts.offsets = keyFiles.offsets.words(nextId);
      if (keyFilesCrc(contacts) !== contactKeys.crc) return undefined;
    }
    const bitmap = (bytes: Uint8Array) => RoaringBitmap32.deserialize(bytes, "portable");
    const index = new FilterIndex({
      contacts: ByteInternTable.fromState(contacts, keyFiles),
      senders: ByteInternTable.fromState(senders),
      accounts: ByteInternTable.fromState(accounts),
      unscoped: bitmaps.slice(0, CHANNEL_SLOTS).map(bitmap),
      scopedContacts: bitmap(bitmaps[CHANNEL_SLOTS]!),
      scoped: ScopedEntrySet.fromState({ table: scopedTable, used: scoped.used, live: scoped.live }),
    });
    const order = header.order === undefined || sorted === undefined ? undefined : { upTo: header.order.upTo, sorted };
    const snapshot = { seq: header.seq, entryCount: header.entryCount, index, ...(order === undefined ? {} : { order }) };
    keyFiles = undefined;
    return snapshot;
  } catch {
    return undefined;
  } finally {
    // Files opened for a snapshot that was then refused are closed here; a taken snapshot's index keeps its own.
    keyFiles?.close();
    try {
      closeSync(fd);
    } catch {
      // A descriptor that will not close leaks; the snapshot's verdict stands either way.
    }
  }
}

function isCount(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

/** Reads a snapshot file front to back into new arrays, keeping the CRC-32 of what it read. */
class SectionReader {
  private at = 0;
  crc = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Bytes read so far. */
  get position(): number {
    return this.at;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.fill(out);
    return out;
  }

  /** A section of 32-bit words, in the byte order the snapshot was written in (this machine's). */
  words(length: number): Uint32Array {
    if (length % 4 !== 0) throw new RangeError("snapshot section is not whole 32-bit words");
    const out = new Uint32Array(length / 4);
    this.fill(new Uint8Array(out.buffer));
    return out;
  }

  private fill(out: Uint8Array): void {
    if (this.at + out.length > this.size) throw new RangeError("snapshot is truncated");
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, Math.min(out.length - done, READ_CHUNK), this.at + done);
      if (n === 0) throw new RangeError("snapshot is truncated");
      done += n;
    }
    this.at += out.length;
    this.crc = crc32Update(this.crc, out);
  }
}

/** Largest single read: one read call takes at most 2 GiB. */
const READ_CHUNK = 1 << 30;

export function removeSnapshot(path: string): void {
  rmSync(path, { force: true });
}

const NONE = new Uint8Array(0);

function keyFilesCrc(table: Pick<InternTableState, "arena" | "offsets">): number {
  return crc32Update(crc32Update(0, table.arena), bytesOf(table.offsets));
}

function bytesOf(a: Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
