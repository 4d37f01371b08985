// The scoped-entry set through its growths: a large one grows in the
// background, answering for every tuple from its old table and its new one
// meanwhile; deletes, re-adds and a snapshot taken mid-growth keep it exact.

import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ScopedEntrySet } from "./scoped-entry-set.js";

const tuple = (i: number): [number, number, number, number] => [i, (i % 7) + 1, i % 3 === 0 ? 0 : (i % 1000) + 1, i % 3 === 0 ? (i % 500) + 1 : 0];

describe("ScopedEntrySet", () => {
  it("a small set grows at once and holds every tuple once", () => {
    const set = new ScopedEntrySet();
    for (let i = 0; i < 5_000; i++) expect(set.add(...tuple(i))).toBe(true);
    expect(set.growing).toBe(false);
    for (let i = 0; i < 5_000; i++) expect(set.add(...tuple(i))).toBe(false);
    expect(set.count).toBe(5_000);
    expect(set.has(...tuple(5_000))).toBe(false);
  });

  it("a large set grows in the background, exact throughout, and ends with one table", async () => {
    const set = new ScopedEntrySet();
    let n = 0;
    while (!set.growing) set.add(...tuple(n++));
    // The growth has just started: most tuples are still in the old table.
    for (let i = 0; i < n; i++) expect(set.has(...tuple(i))).toBe(true);
    expect(set.has(...tuple(n))).toBe(false);
    for (let i = 0; i < n; i += 2) expect(set.delete(...tuple(i))).toBe(true);
    for (let i = 0; i < n; i += 2) expect(set.delete(...tuple(i))).toBe(false);
    for (let i = n; i < n + 1_000; i++) expect(set.add(...tuple(i))).toBe(true);
    for (let i = 1; i < n; i += 2) expect(set.add(...tuple(i))).toBe(false);
    expect(set.growing).toBe(true);
    while (set.growing) await sleep(5);
    const held = (i: number) => (i < n ? i % 2 === 1 : i < n + 1_000);
    for (let i = 0; i < n + 2_000; i++) expect(set.has(...tuple(i)), `tuple ${i}`).toBe(held(i));
    expect(set.count).toBe(Math.floor(n / 2) + 1_000);
  });

  it("a snapshot taken mid-growth finishes it first and restores exactly", () => {
    const set = new ScopedEntrySet();
    let n = 0;
    while (!set.growing) set.add(...tuple(n++));
    const copy = ScopedEntrySet.fromState(set.exportState());
    expect(set.growing).toBe(false);
    for (let i = 0; i < n + 100; i++) expect(copy.has(...tuple(i))).toBe(i < n);
    expect(copy.count).toBe(n);
  });
});
