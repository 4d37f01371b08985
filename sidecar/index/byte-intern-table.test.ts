import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { ByteInternTable } from "./byte-intern-table.js";
import { ContactKeyFiles } from "./contact-key-files.js";

const key = (i: number) => Buffer.from(`contact-${i}`);

function internRange(table: ByteInternTable, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const k = key(i);
    expect(table.intern(k, 0, k.length)).toBe(i);
  }
}

function expectAll(table: ByteInternTable, n: number): void {
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (table.lookup(k, 0, k.length) !== i) throw new Error(`key ${i} not found`);
  }
  const absent = key(n + 1_000_000);
  expect(table.lookup(absent, 0, absent.length)).toBe(-1);
}

describe("ByteInternTable", () => {
  it("grows a large table in background slices, finding every key meanwhile, new ones included", async () => {
    const table = new ByteInternTable();
    // In 2^17 slots, 78,644 keys pass the background mark (0.6); 80,000 stay below the hard one (0.7, 91,750).
    internRange(table, 0, 80_000);
    const before = table.byteSize;
    expectAll(table, 80_000);
    let n = 80_000;
    // At most 10,000 more keys: the growth must finish in the background, short of the hard limit.
    for (let turn = 0; turn < 500 && table.byteSize === before; turn++) {
      await sleep(2);
      internRange(table, n, n + 20);
      n += 20;
    }
    expect(table.byteSize).toBeGreaterThan(before);
    expectAll(table, n);
    internRange(table, n, n + 1_000);
    expectAll(table, n + 1_000);
  });

  it("finishes a growth at once when inserts reach the hard limit first", () => {
    const table = new ByteInternTable();
    internRange(table, 0, 100_000);
    expectAll(table, 100_000);
  });

  it("takes keys in runs as insert takes them one by one, long keys and growth included", () => {
    const long = (i: number) => Buffer.from(`${"x".repeat(300)}-${i}`);
    const keyOf = (i: number) => (i % 97 === 0 ? long(i) : key(i));
    // Sized for all (one run after another), and unsized (the load passes the growth mark: keys go in one by one).
    for (const capacity of [20_000, 16]) {
      const table = new ByteInternTable(0, capacity);
      for (let i = 0; i < 20_000; i++) {
        const k = keyOf(i);
        table.insertInRun(k, 0, k.length, i);
      }
      table.flushRun();
      expect(table.count).toBe(20_000);
      for (let i = 0; i < 20_000; i++) {
        const k = keyOf(i);
        if (table.lookup(k, 0, k.length) !== i) throw new Error(`key ${i} not found (capacity ${capacity})`);
        if (!Buffer.from(table.keyOf(i)).equals(k)) throw new Error(`key ${i} reads back wrong (capacity ${capacity})`);
      }
      expect(table.intern(key(20_000), 0, key(20_000).length)).toBe(20_000);
    }
  });

  it("keeps the key arena and offsets of a large table within a quarter of what they hold", () => {
    const table = new ByteInternTable();
    // Short keys, as packed phone numbers are, so the offsets weigh as much as the keys.
    for (let i = 0; i < 1_500_000; i++) {
      const k = Buffer.from(`k${i + 1_000_000}`);
      table.intern(k, 0, k.length);
    }
    const state = table.exportState();
    const held = state.arena.byteLength + state.offsets.byteLength;
    const allocated = table.byteSize - state.slots.byteLength - state.bloom.byteLength;
    expect(held).toBeGreaterThan(15_000_000);
    expect(allocated).toBeLessThanOrEqual(1.25 * held);
  });

  describe("with its keys in key files", () => {
    const dir = tempDir();
    afterAll(() => dir.remove());

    it("hands out the ids a table in memory does, growing its files as keys come, and holds none of their bytes in memory", () => {
      const files = ContactKeyFiles.create(dir.path)!;
      const table = new ByteInternTable(0, 16, 0, files);
      const inMemory = new ByteInternTable(0, 16);
      const long = (i: number) => Buffer.from(`${"y".repeat(260)}-${i}`);
      for (let i = 0; i < 120_000; i++) {
        const k = i % 101 === 0 ? long(i) : key(i);
        expect(table.intern(k, 0, k.length)).toBe(inMemory.intern(k, 0, k.length));
      }
      for (let i = 0; i < 120_000; i++) {
        const k = i % 101 === 0 ? long(i) : key(i);
        if (table.lookup(k, 0, k.length) !== i || !Buffer.from(table.keyOf(i)).equals(k)) throw new Error(`key ${i} not found or read back wrong`);
      }
      const state = table.exportState();
      expect(table.byteSize).toBe(state.slots.byteLength + state.bloom.byteLength);
      expect(table.fileBytes).toBeGreaterThanOrEqual(state.arena.length + 4 * 120_000);
      const absent = key(1_000_000);
      expect(table.lookup(absent, 0, absent.length)).toBe(-1);
      expect(Buffer.from(files.arena.bytes(state.arena.length)).equals(Buffer.from(inMemory.exportState().arena))).toBe(true);
      expect(Array.from(files.offsets.words(120_000))).toEqual(Array.from(inMemory.exportState().offsets));
      files.close();
    });

    it("takes its keys back from the files' bytes, and adds on after them", () => {
      const files = ContactKeyFiles.create(dir.path)!;
      const table = new ByteInternTable(0, 1_000, 0, files);
      internRange(table, 0, 50_000);
      const { arena, offsets, slots, bloom, size, nextId } = table.exportState();
      files.flushNow();
      files.close();
      const reopened = ContactKeyFiles.open(dir.path)!;
      const state = { arena: reopened.arena.bytes(arena.length), offsets: reopened.offsets.words(offsets.length), slots, bloom, size, nextId };
      const back = ByteInternTable.fromState(state, reopened);
      expectAll(back, 50_000);
      internRange(back, 50_000, 60_000);
      expectAll(back, 60_000);
      reopened.close();
    });
  });
});
