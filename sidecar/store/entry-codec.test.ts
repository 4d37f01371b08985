import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { encodeEntry, type EntryFields } from "./entry-codec.js";

describe("encodeEntry", () => {
  it("writes exactly what protobuf-es writes", () => {
    let seed = 3;
    const rand = (n: number) => (seed = (Math.imul(seed, 48271) + 11) >>> 0) % n;
    const text = () => ["", "a", "ACME", "Ünïcödé ✓", "x".repeat(200 + rand(300))][rand(5)]!;
    for (let i = 0; i < 2000; i++) {
      const f: EntryFields = {
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
      };
      const { addedAtMs, ...rest } = f;
      const expected = toBinary(EntrySchema, create(EntrySchema, { ...rest, addedAt: timestampFromMs(addedAtMs) }));
      expect(Buffer.from(encodeEntry(f)).equals(Buffer.from(expected))).toBe(true);
    }
  });
});
