import { describe, expect, it } from "vitest";
import { ByteInternTable } from "./byte-intern-table.js";
import { FilterIndex, MatchedScope, UNKNOWN_NAME } from "./filter-index.js";
import { ScopedEntrySet } from "./scoped-entry-set.js";

const bytes = (s: string) => Buffer.from(s, "utf8");

describe("ByteInternTable", () => {
  it("interns, finds and grows past its first capacity", () => {
    const t = new ByteInternTable(0, 16);
    const ids: number[] = [];
    for (let i = 0; i < 50_000; i++) ids.push(t.intern(bytes(`k${i}`), 0, bytes(`k${i}`).length));
    expect(new Set(ids).size).toBe(50_000);
    expect(t.count).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) {
      const b = bytes(`k${i}`);
      expect(t.lookup(b, 0, b.length)).toBe(ids[i]);
      expect(Buffer.from(t.keyOf(ids[i]!)).toString()).toBe(`k${i}`);
    }
    expect(t.lookup(bytes("k50000"), 0, 6)).toBe(-1);
  });

  it("keeps keys of 255 bytes and more", () => {
    const t = new ByteInternTable();
    const long = bytes("x".repeat(300));
    const id = t.intern(long, 0, long.length);
    expect(t.lookup(long, 0, long.length)).toBe(id);
    expect(t.keyOf(id).length).toBe(300);
    expect(t.lookup(long, 0, 299)).toBe(-1);
  });

  it("looks up a key inside a larger buffer", () => {
    const t = new ByteInternTable(1);
    expect(t.intern(bytes("ACME"), 0, 4)).toBe(1);
    expect(t.lookup(bytes("__ACME__"), 2, 6)).toBe(1);
  });
});

describe("ScopedEntrySet", () => {
  it("adds, finds and deletes tuples, also across rehashing", () => {
    const s = new ScopedEntrySet(4);
    for (let i = 0; i < 10_000; i++) expect(s.add(i, i % 8, (i * 7) % 100, i % 3)).toBe(true);
    expect(s.add(5, 5, 35, 2)).toBe(false);
    for (let i = 0; i < 10_000; i += 2) expect(s.delete(i, i % 8, (i * 7) % 100, i % 3)).toBe(true);
    expect(s.count).toBe(5_000);
    for (let i = 0; i < 10_000; i++) expect(s.has(i, i % 8, (i * 7) % 100, i % 3)).toBe(i % 2 === 1);
    expect(s.has(1, 2, 7, 1)).toBe(false);
  });
});

describe("FilterIndex.match", () => {
  const out = new MatchedScope();
  const index = new FilterIndex();
  // contact 1: all channels; contact 2: SMS only; contact 3: sender 5 on any
  // channel; contact 4: account 9 on VOICE; contact 5: sender 5 and account 9.
  index.add(1, 0, 0, 0);
  index.add(2, 1, 0, 0);
  index.add(3, 0, 5, 0);
  index.add(4, 7, 0, 9);
  index.add(5, 0, 5, 9);

  it.each([
    [1, 3, 0, 0, true, [0, 0, 0]],
    [2, 1, 0, 0, true, [1, 0, 0]],
    [2, 2, 0, 0, false, []],
    [3, 2, 5, 0, true, [0, 5, 0]],
    [3, 2, 6, 0, false, []],
    [3, 2, UNKNOWN_NAME, 0, false, []],
    [3, 2, 0, 0, false, []],
    [4, 7, 5, 9, true, [7, 0, 9]],
    [4, 1, 5, 9, false, []],
    [5, 4, 5, 9, true, [0, 5, 9]],
    [5, 4, 5, 0, false, []],
    [5, 4, 0, 9, false, []],
    [6, 1, 5, 9, false, []],
  ])("contact %i channel %i sender %i account %i → %s", (c, ch, s, a, blocked, scope) => {
    expect(index.match(c, ch, s, a, out)).toBe(blocked);
    if (blocked) expect([out.channel, out.senderId, out.accountId]).toEqual(scope);
  });

  it("forgets a deleted entry", () => {
    index.delete(2, 1, 0, 0);
    expect(index.match(2, 1, 0, 0, out)).toBe(false);
    index.delete(5, 0, 5, 9);
    expect(index.match(5, 4, 5, 9, out)).toBe(false);
  });
});
