import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { randomEntryFields } from "../../test/support/random-entry-fields.js";
import { encodeEntry } from "./entry-codec.js";

describe("encodeEntry", () => {
  it("writes exactly what protobuf-es writes", () => {
    for (const f of randomEntryFields(3, 2000)) {
      const { addedAtMs, ...rest } = f;
      const expected = toBinary(EntrySchema, create(EntrySchema, { ...rest, addedAt: timestampFromMs(addedAtMs) }));
      expect(Buffer.from(encodeEntry(f)).equals(Buffer.from(expected))).toBe(true);
    }
  });
});
