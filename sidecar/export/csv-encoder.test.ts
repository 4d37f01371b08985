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

/** A ChunkQueue that also keeps each part the encoder pushes, to see where it cuts. */
class RecordingQueue extends ChunkQueue {
  readonly pushed: Buffer[] = [];
  override push(part: Buffer): void {
    this.pushed.push(Buffer.from(part));
    super.push(part);
  }
}

/** The file CsvEncoder writes for `entries` (each between other bytes, as in a stored value), and the parts it pushed. */
async function encode(entries: Uint8Array[]): Promise<{ text: string; parts: Buffer[] }> {
  const out = new RecordingQueue();
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
  return { text: Buffer.concat(chunks).toString("utf8"), parts: out.pushed };
}

/**
 * Seeded entries as any protobuf writer might lay them out: text with every
 * character the quoting and the guard look at, enum values with and without
 * names (negative too), fields left out, repeated (the last wins) or in any
 * order, and unknown fields of every wire type.
 */
function randomWireEntries(seed: number, count: number): Uint8Array[] {
  let s = seed;
  // The high bits: an LCG's low bits repeat with a short period.
  const rand = (n: number) => Math.floor(((s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32) * n);
  const alphabet = ['"', ",", "\r", "\n", "'", "=", "+", "-", "@", "\t", "a", "7", " ", "é", "✓", "😀"];
  const text = () => Array.from({ length: rand(4) === 0 ? 40 + rand(60) : rand(8) }, () => alphabet[rand(alphabet.length)]).join("");
  const enumValue = () => [0, 1, 2, 3, 7, 8, 99, -1, -2147483648][rand(9)]!;
  const unknown = [
    [0xa0, 0x01, 0x05],
    [0xa1, 0x01, 1, 2, 3, 4, 5, 6, 7, 8],
    [0xaa, 0x01, 0x02, 0x68, 0x69],
    [0xad, 0x01, 1, 2, 3, 4],
  ];
  return Array.from({ length: count }, () => {
    const fields = () =>
      create(EntrySchema, {
        contact: rand(5) === 0 ? "" : text() || "x",
        kind: rand(3) === 0 ? ContactKind.PHONE : enumValue(),
        channel: enumValue(),
        sender: text(),
        account: text(),
        source: enumValue(),
        reason: enumValue(),
        campaignRef: text(),
        addedAt: rand(4) === 0 ? undefined : timestampFromMs(rand(2) * 1_764_000_000_000 + rand(1_000_000)),
        addedBy: text(),
        note: text(),
      });
    const parts: Uint8Array[] = [toBinary(EntrySchema, fields())];
    if (rand(4) === 0) parts.push(toBinary(EntrySchema, fields()));
    if (rand(3) === 0) parts.splice(rand(parts.length + 1), 0, Uint8Array.from(unknown[rand(unknown.length)]!));
    return Buffer.concat(parts);
  });
}

const expected = (entries: Uint8Array[]): string =>
  "\uFEFF" + csvLine(EXPORT_COLUMNS) + entries.map((b) => csvLine(entryCells(fromBinary(EntrySchema, b)))).join("");

describe("CsvEncoder", () => {
  it("writes from the stored bytes exactly the rows entryCells gives, quoted as RFC 4180 asks", async () => {
    const stored = randomEntryFields(11, 2000).map(encodeEntry);
    expect((await encode(stored)).text).toBe(expected(stored));
    const written = randomWireEntries(12, 5000);
    const { text } = await encode(written);
    expect(text).toBe(expected(written));
    expect(text).toMatch(/"[^"\r\n]*""/);
    expect(text).toMatch(/,'[=+\-@\t]/);
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
    // Fields 20 (varint), 21 (bytes "hi"), 22 (fixed64) and 23 (fixed32), then reason -2.
    const unknown = Buffer.from([0xa0, 0x01, 0x05, 0xaa, 0x01, 0x02, 0x68, 0x69, 0xb1, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0xbd, 0x01, 1, 2, 3, 4, 0x38, 0xfe, 0xff, 0xff, 0xff, 0x0f]);
    const entries = [Buffer.concat([unknown, known]), toBinary(EntrySchema, create(EntrySchema, { contact: "y", addedAt: timestampFromMs(0) }))];
    const { text } = await encode(entries);
    expect(text).toBe(expected(entries));
    expect(text.split("\r\n").slice(1, 3)).toEqual(["x,email,99,,,manual,-2,,,,", "y,,all,,,,,,1970-01-01T00:00:00.000Z,,"]);
  });

  it("cuts its output at row ends once it holds a chunk, and writes a row larger than a chunk into a buffer of its own", async () => {
    const big = toBinary(EntrySchema, create(EntrySchema, { contact: "big", note: '"'.repeat(3 * CHUNK_BYTES) }));
    const entries = [...randomEntryFields(5, 1500).map(encodeEntry), big, ...randomEntryFields(6, 1500).map(encodeEntry)];
    const { text, parts } = await encode(entries);
    expect(text).toBe(expected(entries));
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(part.subarray(-2).toString()).toBe("\r\n");
    const bigPart = parts.findIndex((p) => p.subarray(0, 4).toString() === "big,");
    expect(parts[bigPart]!.toString()).toBe(csvLine(entryCells(fromBinary(EntrySchema, big))));
    expect(parts[bigPart]!.length).toBeGreaterThan(6 * CHUNK_BYTES);
    // Parts are cut at CHUNK_BYTES, but for the one before the big row, cut early to make room for it, and the last.
    for (const [i, part] of parts.entries()) {
      if (i !== bigPart - 1 && i !== parts.length - 1) expect(part.length, `part ${i}`).toBeGreaterThanOrEqual(CHUNK_BYTES);
    }
  });

  it("refuses bytes that are no entry", async () => {
    const encoder = new CsvEncoder(new ChunkQueue());
    expect(() => encoder.entry(Buffer.from([0x0a, 0x05, 0x61]), 0, 3)).toThrow(/runs past the end/);
  });
});
