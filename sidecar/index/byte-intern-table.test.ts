import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ByteInternTable } from "./byte-intern-table.js";

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
  it("grows a large table a slice per turn, finding every key meanwhile, new ones included", async () => {
    const table = new ByteInternTable();
    // 65,536 keys in 2^17 slots passes the background mark; 70,000 stays below the hard one.
    internRange(table, 0, 70_000);
    const before = table.byteSize;
    expectAll(table, 70_000);
    let n = 70_000;
    for (let turn = 0; turn < 100 && table.byteSize === before; turn++) {
      await nextTurn();
      internRange(table, n, n + 200);
      n += 200;
    }
    expect(table.byteSize).toBeGreaterThan(before);
    expectAll(table, n);
    internRange(table, n, n + 1_000);
    expectAll(table, n + 1_000);
  });

  it("finishes a growth at once when inserts reach the hard limit first", () => {
    const table = new ByteInternTable();
    internRange(table, 0, 90_000);
    expectAll(table, 90_000);
  });
});
