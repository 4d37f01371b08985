import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { encodeEntry } from "../store/entry-codec.js";
import { decodeEntry } from "./entry-decoder.js";

describe("decodeEntry", () => {
  it("reads exactly what protobuf-es reads", () => {
    let seed = 7;
    const rand = (n: number) => (seed = (Math.imul(seed, 48271) + 11) >>> 0) % n;
    const text = () => ["", "a", "ACME", "Ünïcödé ✓", "=1+1", "x".repeat(100 + rand(400))][rand(6)]!;
    for (let i = 0; i < 2000; i++) {
      const bytes = encodeEntry({
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
      });
      const stored = Buffer.concat([Buffer.alloc(8), bytes]);
      expect(decodeEntry(stored, 8)).toEqual(fromBinary(EntrySchema, bytes));
    }
  });

  it("skips fields it does not know and leaves unset ones at their defaults", () => {
    const known = toBinary(EntrySchema, create(EntrySchema, { contact: "447700900123", addedAt: timestampFromMs(1_764_000_000_123) }));
    const unknown = Buffer.from([0xa0, 0x01, 0x05, 0xaa, 0x01, 0x02, 0x68, 0x69]); // field 20 varint, field 21 bytes "hi"
    const bytes = Buffer.concat([unknown, known]);
    const expected = create(EntrySchema, { contact: "447700900123", addedAt: timestampFromMs(1_764_000_000_123) });
    expect(decodeEntry(bytes)).toEqual(expected);
  });
});
