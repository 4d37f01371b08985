// Export rows as CSV (RFC 4180): comma-separated, CRLF line ends, fields
// with a quote, comma or line break quoted. A UTF-8 byte order mark leads,
// so that spreadsheets read non-ASCII notes as UTF-8; the import accepts it.
//
// A row is written straight from the stored entry's protobuf bytes into the
// chunk, with the cells export-columns.ts defines: no Entry object, no
// string per cell, no re-encoding. Every byte the quoting and the formula
// guard look at is ASCII, which UTF-8 never uses inside a multi-byte
// character, so working on the bytes gives what working on the text would.
// The test beside this holds the bytes to entryCells.

import { CHUNK_BYTES, type ChunkQueue } from "./chunk-queue.js";
import type { ExportEncoder } from "./export-encoder.js";
import { CHANNEL_NAMES, EXPORT_COLUMNS, KIND_NAMES, REASON_NAMES, SOURCE_NAMES, isoTime } from "./export-columns.js";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { EntryTag, TimestampTag } from "../wire/entry-tags.js";
import { ProtoReader } from "../wire/proto-reader.js";

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const APOSTROPHE = 0x27;
const PLUS = 0x2b;

/** A string field's bytes in the entry being written; [0, 0) when it is not there. */
class Span {
  start = 0;
  end = 0;
}

const longestName = (names: readonly (string | undefined)[]): number => names.reduce((n: number, s) => Math.max(n, s?.length ?? 0), 0);
/**
 * What a row can add to twice its entry's bytes (each string byte at most
 * doubled by quoting): per cell two quotes, a '+' or a guard's apostrophe
 * and a comma; the enum names (or an int32's digits); the ISO time of any
 * year; CRLF.
 */
const ROW_EXTRA =
  EXPORT_COLUMNS.length * 4 +
  [KIND_NAMES, CHANNEL_NAMES, SOURCE_NAMES, REASON_NAMES].reduce((n, names) => n + Math.max(longestName(names), 11), 0) +
  32 +
  2;

/** A chunk's room: a chunk is cut once it holds CHUNK_BYTES, so a row of up to CHUNK_BYTES always fits. */
const CAPACITY = 2 * CHUNK_BYTES;

export class CsvEncoder implements ExportEncoder {
  private buf = Buffer.allocUnsafe(CAPACITY);
  private pos = 0;
  private readonly reader = new ProtoReader();
  private readonly timeReader = new ProtoReader();
  private readonly contact = new Span();
  private readonly sender = new Span();
  private readonly account = new Span();
  private readonly campaignRef = new Span();
  private readonly addedBy = new Span();
  private readonly note = new Span();

  constructor(private readonly out: ChunkQueue) {}

  header(): void {
    this.room(ROW_EXTRA * 2);
    this.buf[this.pos++] = 0xef;
    this.buf[this.pos++] = 0xbb;
    this.buf[this.pos++] = 0xbf;
    EXPORT_COLUMNS.forEach((name, i) => {
      if (i > 0) this.buf[this.pos++] = COMMA;
      this.ascii(name);
    });
    this.endRow();
  }

  /** The row of the entry encoded in `bytes[start, end)`; throws MalformedMessageError on bytes that are not one. */
  entry(bytes: Uint8Array, start: number, end: number): void {
    let kind = 0;
    let channel = 0;
    let source = 0;
    let reason = 0;
    let addedAtMs = NaN;
    this.contact.start = this.contact.end = 0;
    this.sender.start = this.sender.end = 0;
    this.account.start = this.account.end = 0;
    this.campaignRef.start = this.campaignRef.end = 0;
    this.addedBy.start = this.addedBy.end = 0;
    this.note.start = this.note.end = 0;
    const r = this.reader.reset(bytes, start, end);
    while (!r.done) {
      const tag = r.tag();
      switch (tag) {
        case EntryTag.Contact:
          r.span(this.contact);
          break;
        case EntryTag.Kind:
          kind = r.int32();
          break;
        case EntryTag.Channel:
          channel = r.int32();
          break;
        case EntryTag.Sender:
          r.span(this.sender);
          break;
        case EntryTag.Account:
          r.span(this.account);
          break;
        case EntryTag.Source:
          source = r.int32();
          break;
        case EntryTag.Reason:
          reason = r.int32();
          break;
        case EntryTag.CampaignRef:
          r.span(this.campaignRef);
          break;
        case EntryTag.AddedAt: {
          const stop = r.lengthDelimited();
          addedAtMs = this.timestampMs(bytes, r.pos, stop);
          r.pos = stop;
          break;
        }
        case EntryTag.AddedBy:
          r.span(this.addedBy);
          break;
        case EntryTag.Note:
          r.span(this.note);
          break;
        default:
          r.skip(tag & 7);
      }
    }
    this.room(2 * (end - start) + ROW_EXTRA);
    // '+' and digits alone are a number to a spreadsheet, never a formula: no guard, which would show.
    if (kind === ContactKind.PHONE) this.cell(bytes, this.contact, true, false);
    else this.cell(bytes, this.contact, false, true);
    this.nameCell(KIND_NAMES, kind);
    this.nameCell(CHANNEL_NAMES, channel);
    this.textCell(bytes, this.sender);
    this.textCell(bytes, this.account);
    this.nameCell(SOURCE_NAMES, source);
    this.nameCell(REASON_NAMES, reason);
    this.textCell(bytes, this.campaignRef);
    this.buf[this.pos++] = COMMA;
    if (!Number.isNaN(addedAtMs)) this.ascii(isoTime(addedAtMs));
    this.textCell(bytes, this.addedBy);
    this.textCell(bytes, this.note);
    this.endRow();
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  end(): Promise<void> {
    if (this.pos > 0) this.out.push(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return Promise.resolve();
  }

  /** protobuf-es's timestampMs of the google.protobuf.Timestamp in `bytes[start, end)`. */
  private timestampMs(bytes: Uint8Array, start: number, end: number): number {
    const r = this.timeReader.reset(bytes, start, end);
    let seconds = 0;
    let nanos = 0;
    while (!r.done) {
      const tag = r.tag();
      if (tag === TimestampTag.Seconds) seconds = r.varint();
      else if (tag === TimestampTag.Nanos) nanos = r.int32();
      else r.skip(tag & 7);
    }
    return seconds * 1000 + Math.round(nanos / 1_000_000);
  }

  /** A comma, then a text cell after the first, guarded against formulas. */
  private textCell(src: Uint8Array, span: Span): void {
    this.buf[this.pos++] = COMMA;
    this.cell(src, span, false, true);
  }

  /** A text cell, after a '+' or guarded against formulas as asked; quoted when it holds a quote, comma or line break. */
  private cell(src: Uint8Array, span: Span, plus: boolean, guard: boolean): void {
    const { start, end } = span;
    let quoted = false;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (c === QUOTE || c === COMMA || c === LF || c === CR) {
        quoted = true;
        break;
      }
    }
    const buf = this.buf;
    let pos = this.pos;
    if (quoted) buf[pos++] = QUOTE;
    if (plus) buf[pos++] = PLUS;
    else if (guard && startsFormula(src, start, end)) buf[pos++] = APOSTROPHE;
    if (quoted) {
      for (let i = start; i < end; i++) {
        const c = src[i]!;
        buf[pos++] = c;
        if (c === QUOTE) buf[pos++] = QUOTE;
      }
      buf[pos++] = QUOTE;
    } else if (end - start > 32) {
      buf.set(src.subarray(start, end), pos);
      pos += end - start;
    } else {
      for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    }
    this.pos = pos;
  }

  /** Enum names, numbers and times hold nothing to quote or guard. */
  private nameCell(names: readonly string[], value: number): void {
    this.buf[this.pos++] = COMMA;
    this.ascii(names[value] ?? String(value));
  }

  private ascii(text: string): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  private endRow(): void {
    this.buf[this.pos++] = CR;
    this.buf[this.pos++] = LF;
    if (this.pos >= CHUNK_BYTES) this.flush(CAPACITY);
  }

  /** Makes room for a row of up to `bytes`: a row larger than a chunk gets a buffer of its own size. */
  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    this.flush(Math.max(CAPACITY, bytes));
  }

  private flush(capacity: number): void {
    if (this.pos > 0) this.out.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(capacity);
    this.pos = 0;
  }
}

/** formula-guard.ts's GUARDED, /^'*[=+\-@\t\r]/, on bytes. */
function startsFormula(src: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && src[i] === APOSTROPHE) i++;
  if (i === end) return false;
  const c = src[i];
  return c === 0x3d || c === PLUS || c === 0x2d || c === 0x40 || c === 0x09 || c === CR;
}
