// Export rows as CSV (RFC 4180): comma-separated, CRLF line ends, fields
// with a quote, comma or line break quoted. A UTF-8 byte order mark leads,
// so that spreadsheets read non-ASCII notes as UTF-8; the import accepts it.
//
// A row is written straight from the stored entry's protobuf bytes into the
// chunk, with the cells export-columns.ts defines: no Entry object, no
// string per cell, no re-encoding. Every byte the quoting and the formula
// guard look at is ASCII, which valid UTF-8 (all the sidecar stores) never
// uses inside a multi-byte character, so working on the bytes gives what
// working on the text would. The test beside this holds the bytes to
// entryCells.

import { CHUNK_BYTES, type ChunkQueue } from "./chunk-queue.js";
import type { ExportEncoder } from "./export-encoder.js";
import { CHANNEL_NAMES, EXPORT_COLUMNS, KIND_NAMES, REASON_NAMES, SOURCE_NAMES, isoTime } from "./export-columns.js";
import { startsFormula } from "./formula-guard.js";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { EntryScan, type Span } from "../wire/entry-scan.js";

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const PLUS = 0x2b;
const APOSTROPHE = 0x27;
/** Fields up to this long are copied byte by byte: cheaper than a call into native code. */
const SHORT_FIELD = 32;

const HEADER = Buffer.from(`\uFEFF${EXPORT_COLUMNS.join(",")}\r\n`, "utf8");

const longestName = (names: readonly (string | undefined)[]): number => names.reduce((n: number, s) => Math.max(n, s?.length ?? 0), 0);
/**
 * What a row can add to twice its entry's bytes (each text byte at most
 * doubled by quoting): per cell two quotes, a '+' or a guard's apostrophe
 * and a comma; the enum names (or an int32's digits, "-2147483648" at most);
 * the ISO time of any year; CRLF.
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
  private readonly scan = new EntryScan();

  constructor(private readonly out: ChunkQueue) {}

  header(): void {
    this.room(HEADER.length);
    HEADER.copy(this.buf, this.pos);
    this.pos += HEADER.length;
  }

  /** The row of the entry encoded in `bytes[start, end)`; throws MalformedMessageError on bytes that are not one. */
  entry(bytes: Uint8Array, start: number, end: number): void {
    const e = this.scan.scan(bytes, start, end);
    this.room(2 * (end - start) + ROW_EXTRA);
    // '+' and digits alone are a number to a spreadsheet, never a formula: no guard, which would show.
    this.cell(bytes, e.contact, e.kind === ContactKind.PHONE);
    this.nameCell(KIND_NAMES, e.kind);
    this.nameCell(CHANNEL_NAMES, e.channel);
    this.textCell(bytes, e.sender);
    this.textCell(bytes, e.account);
    this.nameCell(SOURCE_NAMES, e.source);
    this.nameCell(REASON_NAMES, e.reason);
    this.textCell(bytes, e.campaignRef);
    this.buf[this.pos++] = COMMA;
    if (e.hasAddedAt) this.ascii(isoTime(e.addedAtMs()));
    this.textCell(bytes, e.addedBy);
    this.textCell(bytes, e.note);
    this.buf[this.pos++] = CR;
    this.buf[this.pos++] = LF;
    if (this.pos >= CHUNK_BYTES) this.flush(CAPACITY);
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  end(): Promise<void> {
    this.flush(0);
    return Promise.resolve();
  }

  private textCell(src: Uint8Array, span: Span): void {
    this.buf[this.pos++] = COMMA;
    this.cell(src, span, false);
  }

  /** A text cell, after a '+' or else guarded against formulas; quoted when it holds a quote, comma or line break. */
  private cell(src: Uint8Array, span: Span, plus: boolean): void {
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
    else if (startsFormula(src, start, end)) buf[pos++] = APOSTROPHE;
    if (quoted) {
      for (let i = start; i < end; i++) {
        const c = src[i]!;
        buf[pos++] = c;
        if (c === QUOTE) buf[pos++] = QUOTE;
      }
      buf[pos++] = QUOTE;
    } else if (end - start > SHORT_FIELD) {
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

  /** Makes room for a row of up to `bytes`: a row larger than a chunk gets a buffer of its own size. */
  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    this.flush(Math.max(CAPACITY, bytes));
  }

  /** Queues what the buffer holds and writes on in a new one, so that nothing queued is written over. */
  private flush(capacity: number): void {
    if (this.pos > 0) this.out.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(capacity);
    this.pos = 0;
  }
}
