import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { encodeEntry } from "../store/entry-codec.js";
import { randomEntryFields } from "../../test/support/random-entry-fields.js";
import { decodeEntry } from "./entry-decoder.js";

describe("decodeEntry", () => {
  it("reads exactly what protobuf-es reads", () => {
    for (const f of randomEntryFields(7, 2000)) {
      const bytes = encodeEntry(f);
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
