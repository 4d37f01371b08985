import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { crc32Update } from "../checksum/running-crc32.js";
import { ContactKeyFiles } from "./contact-key-files.js";
import { FilterIndex } from "./filter-index.js";
import { readSnapshot, writeSnapshot } from "./index-snapshot.js";

const CONTACTS = 400_000;

describe("index snapshot", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const path = join(dir.path, "index.snapshot");

  it("reads each section into the array the index keeps, holding no copy of the file besides", () => {
    // Built with room for every contact, as a rebuild is, so no slot growth runs in the background.
    const index = new FilterIndex(undefined, CONTACTS);
    const key = new Uint8Array(8);
    const view = new DataView(key.buffer);
    for (let id = 0; id < CONTACTS; id++) {
      view.setUint32(0, 0x01000000 + id);
      view.setUint32(4, Math.imul(id, 2654435761));
      index.contacts.insert(key, 0, key.length, id);
      index.add(id, 1 + (id % 7), 0, 0);
    }
    writeSnapshot(path, "store-a", 7, CONTACTS, index);
    const fileBytes = statSync(path).size;

    const before = process.memoryUsage().arrayBuffers;
    const snapshot = readSnapshot(path, "store-a");
    const held = process.memoryUsage().arrayBuffers - before;

    expect(snapshot).toBeDefined();
    expect(snapshot!.index.contacts.count).toBe(CONTACTS);
    for (const id of [0, 1, CONTACTS / 2, CONTACTS - 1]) {
      view.setUint32(0, 0x01000000 + id);
      view.setUint32(4, Math.imul(id, 2654435761));
      expect(snapshot!.index.contacts.lookup(key, 0, key.length)).toBe(id);
      expect(snapshot!.index.match(id, 1 + (id % 7), 0, 0, { channel: 0, senderId: 0, accountId: 0 })).toBe(true);
    }
    // The arrays are most of the file (the bitmaps live in roaring's own memory): a whole-file buffer
    // alongside them held twice that until the collector's next major pass.
    expect(held).toBeGreaterThan(0.8 * fileBytes);
    expect(held).toBeLessThan(1.2 * fileBytes);
  });

  describe("a file whose checksum holds but whose header lies", () => {
    const small = join(dir.path, "small.snapshot");
    const crafted = join(dir.path, "crafted.snapshot");
    const key = new TextEncoder().encode("+447700900123");

    const writeSmall = (): void => {
      const index = new FilterIndex();
      index.contacts.insert(key, 0, key.length, 0);
      index.add(0, 1, 0, 0);
      writeSnapshot(small, "store-a", 3, 1, index);
    };

    /** Rewrites the small snapshot with an edited header and sections, and a checksum the edit chooses. */
    const craft = (edit: (header: Record<string, unknown>, sections: Buffer[]) => ((crc: number) => Buffer) | void): void => {
      const file = readFileSync(small);
      const jsonLength = file.readUInt32LE(0);
      const header = JSON.parse(file.subarray(4, 4 + jsonLength).toString("utf8")) as Record<string, unknown>;
      const lengths = header["sections"] as number[];
      const sections: Buffer[] = [];
      let at = 4 + jsonLength;
      for (const n of lengths) {
        sections.push(file.subarray(at, at + n));
        at += n;
      }
      const tail = edit(header, sections);
      const json = Buffer.from(JSON.stringify(header));
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(json.length);
      let crc = crc32Update(crc32Update(0, prefix), json);
      for (const s of sections) crc = crc32Update(crc, s);
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32LE(crc);
      writeFileSync(crafted, Buffer.concat([prefix, json, ...sections, tail === undefined ? trailer : tail(crc)]));
    };

    it("reads the unedited file back", () => {
      writeSmall();
      craft(() => undefined);
      const snapshot = readSnapshot(crafted, "store-a");
      expect(snapshot?.index.contacts.lookup(key, 0, key.length)).toBe(0);
    });

    it("refuses a checksum that is not the file's last four bytes", () => {
      writeSmall();
      // The header names one more section than the index has; it opens with the checksum of what
      // came before it, and the bytes after it are covered by nothing.
      craft((header) => {
        (header["sections"] as number[]).push(8);
        return (crc) => {
          const extra = Buffer.alloc(12);
          extra.writeUInt32LE(crc, 0);
          extra.writeUInt32LE(0xdeadbeef, 4);
          return extra;
        };
      });
      expect(readSnapshot(crafted, "store-a")).toBeUndefined();
    });

    it("takes a table's arrays from its sections, never from the header", () => {
      writeSmall();
      craft((header) => {
        const tables = header["tables"] as Record<string, Record<string, unknown>>;
        tables["contacts"]!["arena"] = [];
      });
      const snapshot = readSnapshot(crafted, "store-a");
      expect(snapshot?.index.contacts.lookup(key, 0, key.length)).toBe(0);
    });

    it("refuses a header whose table counts are missing", () => {
      writeSmall();
      craft((header) => {
        (header["tables"] as Record<string, unknown>)["senders"] = null;
      });
      expect(readSnapshot(crafted, "store-a")).toBeUndefined();
    });

    /** Puts `bytes` in place of section `n`, the header's length with it. */
    const replaceSection = (header: Record<string, unknown>, sections: Buffer[], n: number, bytes: Uint8Array | Uint32Array): void => {
      sections[n] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      (header["sections"] as number[])[n] = bytes.byteLength;
    };
    // The sections in order: each table's arena, offsets, slots and Bloom words (contacts, senders, accounts), then the scoped set's table.
    const CONTACT_ARENA = 0;
    const CONTACT_SLOTS = 2;
    const SCOPED_TABLE = 12;

    it("refuses a table whose keys lie outside its arena, which would find none of them", () => {
      writeSmall();
      craft((header, sections) => replaceSection(header, sections, CONTACT_ARENA, new Uint8Array(0)));
      expect(readSnapshot(crafted, "store-a")).toBeUndefined();
    });

    it("refuses a table with no empty slot, where a lookup of a key not held never ends", () => {
      writeSmall();
      // Every slot names id 0 (id + 1 in the low bits).
      craft((header, sections) => replaceSection(header, sections, CONTACT_SLOTS, new Uint32Array(16).fill(1)));
      expect(readSnapshot(crafted, "store-a")).toBeUndefined();
    });

    it("refuses a key count the slots do not hold", () => {
      writeSmall();
      craft((header) => {
        const tables = header["tables"] as Record<string, Record<string, unknown>>;
        tables["contacts"]!["size"] = 0;
      });
      expect(readSnapshot(crafted, "store-a")).toBeUndefined();
    });

    it("refuses a scoped set with no empty slot", () => {
      writeSmall();
      craft((header, sections) => {
        const table = new Uint32Array(16 * 3);
        for (let k = 0; k < table.length; k += 3) table.set([k + 1, 1, 0], k);
        replaceSection(header, sections, SCOPED_TABLE, table);
        header["scoped"] = { used: 16, live: 16 };
      });
      expect(readSnapshot(crafted, "store-a")).toBeUndefined();
    });
  });

  describe("with the contacts' keys in the key files", () => {
    const keysDir = tempDir();
    afterAll(() => keysDir.remove());
    const snap = join(keysDir.path, "index.snapshot");
    const phone = (id: number) => new TextEncoder().encode(`+4477009${String(id).padStart(5, "0")}`);
    const open = () => ContactKeyFiles.open(keysDir.path);

    /** A snapshot of 5,000 contacts whose keys are in new key files; the files are closed, as a list's close leaves them. */
    const writeWithFiles = (): void => {
      const files = ContactKeyFiles.create(keysDir.path)!;
      const index = new FilterIndex(undefined, 16, files);
      for (let id = 0; id < 5_000; id++) {
        const key = phone(id);
        index.contacts.insert(key, 0, key.length, id);
        index.add(id, 1, 0, 0);
      }
      writeSnapshot(snap, "store-a", 9, 5_000, index);
      files.close();
    };

    const findsAll = (snapshot: ReturnType<typeof readSnapshot>): boolean => {
      if (snapshot === undefined) return false;
      for (let id = 0; id < 5_000; id++) {
        const key = phone(id);
        if (snapshot.index.contacts.lookup(key, 0, key.length) !== id) return false;
      }
      return true;
    };

    it("holds no key in the snapshot, and reads them from the files it names", () => {
      writeWithFiles();
      const header = JSON.parse(readFileSync(snap).subarray(4, 4 + readFileSync(snap).readUInt32LE(0)).toString("utf8")) as { sections: number[] };
      expect(header.sections.slice(0, 2)).toEqual([0, 0]);
      const snapshot = readSnapshot(snap, "store-a", open);
      expect(findsAll(snapshot)).toBe(true);
      expect(snapshot!.index.contacts.keyFiles).toBeDefined();
      expect(snapshot!.index.byteSize).toBeLessThan(snapshot!.index.fileBytes);
      snapshot!.index.contacts.keyFiles!.close();
    });

    /** Whether the snapshot loads, its key files closed again: a refused one is never handed to expect, which would print its arrays. */
    const loads = (openFiles: () => ContactKeyFiles | undefined): boolean => {
      const snapshot = readSnapshot(snap, "store-a", openFiles);
      snapshot?.index.contacts.keyFiles?.close();
      return snapshot !== undefined;
    };

    it("refuses key files whose bytes are not those it was written with", () => {
      writeWithFiles();
      const arena = join(keysDir.path, "contact-keys.arena");
      const bytes = readFileSync(arena);
      // One digit of the first key: the checksum is all that tells this file from the one the snapshot was made with.
      bytes[5] = bytes[5] === 0x31 ? 0x32 : 0x31;
      writeFileSync(arena, bytes);
      expect(loads(open)).toBe(false);
    });

    it("refuses key files shorter than it names", () => {
      writeWithFiles();
      expect(loads(open)).toBe(true);
      const arenaBytes = statSync(join(keysDir.path, "contact-keys.arena")).size;
      truncateSync(join(keysDir.path, "contact-keys.offsets"), 4 * 4_999);
      expect(loads(open)).toBe(false);
      writeWithFiles();
      // The arena's used part ends where its last key does: the last key's offset says how far.
      const lastKeyEnds = Buffer.from(readFileSync(join(keysDir.path, "contact-keys.offsets"))).readUInt32LE(4 * 4_999) + 1 + phone(4_999).length;
      truncateSync(join(keysDir.path, "contact-keys.arena"), lastKeyEnds - 1);
      expect(loads(open)).toBe(false);
      expect(arenaBytes).toBeGreaterThanOrEqual(lastKeyEnds);
    });

    it("refuses to load without the key files", () => {
      writeWithFiles();
      expect(loads(() => undefined)).toBe(false);
      rmSync(join(keysDir.path, "contact-keys.arena"));
      expect(loads(open)).toBe(false);
      writeWithFiles();
      expect(readSnapshot(snap, "store-a")).toBeUndefined();
      expect(loads(open)).toBe(true);
    });
  });
});
