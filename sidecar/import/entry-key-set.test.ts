// The dry run's set of entry keys: every key once, however many, through
// growth, and keys that differ in any part told apart.

import { describe, expect, it } from "vitest";
import { EntryKeySet } from "./entry-key-set.js";

describe("EntryKeySet", () => {
  it("adds each key once, through growth", () => {
    const set = new EntryKeySet();
    const key = (i: number) => Buffer.from(`44770090${String(i).padStart(4, "0")}`);
    for (let i = 0; i < 50_000; i++) expect(set.add(key(i), i % 8, i % 3 === 0 ? "" : "ACME", i % 5 === 0 ? "" : `t${i % 7}`)).toBe(true);
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i++) expect(set.add(key(i), i % 8, i % 3 === 0 ? "" : "ACME", i % 5 === 0 ? "" : `t${i % 7}`)).toBe(false);
    expect(set.size).toBe(50_000);
  });

  it("tells apart keys that differ only in channel, sender or account", () => {
    const set = new EntryKeySet();
    const contact = Buffer.from("447700900123");
    expect([set.add(contact, 1, "", ""), set.add(contact, 2, "", ""), set.add(contact, 1, "A", ""), set.add(contact, 1, "", "A"), set.add(contact, 1, "", "")]).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
  });
});
