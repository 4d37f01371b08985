// Seeded random Entry fields for codec tests: every enum value, empty and
// non-ASCII text (from the first character or after ASCII ones), long text,
// a formula-like string, and edge timestamps.

import type { EntryFields } from "../../sidecar/store/entry-codec.js";

export function randomEntryFields(seed: number, count: number): EntryFields[] {
  let s = seed;
  const rand = (n: number) => (s = (Math.imul(s, 48271) + 11) >>> 0) % n;
  const text = () => ["", "a", "ACME", "Ünïcödé ✓", "ACME ✓", "=1+1", "x".repeat(100 + rand(400))][rand(7)]!;
  return Array.from({ length: count }, () => ({
    contact: text() || "447700900123",
    kind: rand(4),
    channel: rand(8),
    sender: text(),
    account: text(),
    source: rand(8),
    reason: rand(8),
    campaignRef: text(),
    addedAtMs: [0, 999, 1000, 1_764_000_000_000 + rand(1_000_000)][rand(4)]!,
    addedBy: text(),
    note: text(),
  }));
}
