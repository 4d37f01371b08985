import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { type Channel, ContactKind, EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { encodeEntry } from "../store/entry-codec.js";
import { randomEntryFields } from "../../test/support/random-entry-fields.js";
import { CHUNK_BYTES, ChunkQueue } from "./chunk-queue.js";
import { CsvEncoder } from "./csv-encoder.js";
import { EXPORT_COLUMNS, entryCells } from "./export-columns.js";

/** RFC 4180 as a spreadsheet reads it, from the cells entryCells gives. */
function csvLine(cells: readonly string[]): string {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",") + "\r\n";
}

/** The file CsvEncoder writes for `entries` (each behind an 8-byte stored header), and its chunks. */
async function encode(entries: Uint8Array[]): Promise<{ text: string; chunks: Buffer[] }> {
  const out = new ChunkQueue();
  const encoder = new CsvEncoder(out);
  const chunks: Buffer[] = [];
  encoder.header();
  for (const bytes of entries) {
    const stored = Buffer.concat([Buffer.alloc(8, 0xff), bytes, Buffer.alloc(5, 0xee)]);
    encoder.entry(stored, 8, 8 + bytes.length);
    for (let c = out.take(); c !== undefined; c = out.take()) chunks.push(c);
  }
  await encoder.end();
  for (let c = out.take(true); c !== undefined; c = out.take(true)) chunks.push(c);
  return { text: Buffer.concat(chunks).toString("utf8"), chunks };
}

const expected = (entries: Uint8Array[]): string =>
  "\uFEFF" + csvLine(EXPORT_COLUMNS) + entries.map((b) => csvLine(entryCells(fromBinary(EntrySchema, b)))).join("");

describe("CsvEncoder", () => {
  it("writes from the stored bytes exactly the rows entryCells gives, quoted as RFC 4180 asks", async () => {
    const entries = randomEntryFields(11, 3000).map(encodeEntry);
    expect((await encode(entries)).text).toBe(expected(entries));
  });

  it("quotes, doubles quotes and guards formulas in every text cell, on the bytes of non-ASCII text too", async () => {
    const tricky = ['a,b', 'say "hi"', "two\r\nlines", "lf\nonly", "=SUM(A1)", "'=quoted", "''+x", "-1", "@me", "\tx", "\rx", "'", "é=", "✓,\"", ""];
    const entries = tricky.flatMap((t, i) => [
      toBinary(EntrySchema, create(EntrySchema, { contact: t || "c", kind: ContactKind.CUSTOMER_ID, sender: t, account: t, campaignRef: t, addedBy: t, note: t })),
      toBinary(EntrySchema, create(EntrySchema, { contact: `4477009${String(i).padStart(5, "0")}`, kind: ContactKind.PHONE, note: t })),
    ]);
    const { text } = await encode(entries);
    expect(text).toBe(expected(entries));
    expect(text).toContain(",'=SUM(A1),");
    expect(text).toContain(`"say ""hi"""`);
  });

  it("writes enum values it has no name for as numbers, skips unknown fields and leaves an unset time empty", async () => {
    const known = toBinary(EntrySchema, create(EntrySchema, { contact: "x", kind: ContactKind.EMAIL, channel: 99 as Channel, source: 1 }));
    const unknown = Buffer.from([0xa0, 0x01, 0x05, 0xaa, 0x01, 0x02, 0x68, 0x69, 0x38, 0xfe, 0xff, 0xff, 0xff, 0x0f]); // fields 20 and 21, then reason -2
    const entries = [Buffer.concat([unknown, known]), toBinary(EntrySchema, create(EntrySchema, { contact: "y", addedAt: timestampFromMs(0) }))];
    const { text } = await encode(entries);
    expect(text).toBe(expected(entries));
    expect(text.split("\r\n").slice(1, 3)).toEqual(["x,email,99,,,manual,-2,,,,", "y,,all,,,,,,1970-01-01T00:00:00.000Z,,"]);
  });

  it("cuts chunks of at least CHUNK_BYTES at row ends, and gives a row larger than a chunk a chunk of its own", async () => {
    const big = toBinary(EntrySchema, create(EntrySchema, { contact: "big", note: '"'.repeat(3 * CHUNK_BYTES) }));
    const entries = [...randomEntryFields(5, 1500).map(encodeEntry), big, ...randomEntryFields(6, 1500).map(encodeEntry)];
    const { text, chunks } = await encode(entries);
    expect(text).toBe(expected(entries));
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(CHUNK_BYTES);
      expect(chunk.subarray(-2).toString()).toBe("\r\n");
    }
    expect(chunks.some((c) => c.length > 6 * CHUNK_BYTES)).toBe(true);
  });

  it("refuses bytes that are no entry", async () => {
    const encoder = new CsvEncoder(new ChunkQueue());
    expect(() => encoder.entry(Buffer.from([0x0a, 0x05, 0x61]), 0, 3)).toThrow(/runs past the end/);
  });
});
