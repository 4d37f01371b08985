// Reads a stored dnc.v1.Entry's wire bytes in place: where each text field
// lies, the enum values and added_at's parts, into one reused object, with
// no string or object made. The export's readers build on it: the CSV
// encoder copies the text fields' bytes, decodeEntry makes strings of them.
// As protobuf reads a message, the last of a repeated field wins and unknown
// fields are skipped; bytes that are no message throw MalformedMessageError.

import { ProtoReader } from "./proto-reader.js";

/** The tags (field number << 3 | wire type) of dnc.v1.Entry's fields. */
const enum EntryTag {
  Contact = 0x0a,
  Kind = 0x10,
  Channel = 0x18,
  Sender = 0x22,
  Account = 0x2a,
  Source = 0x30,
  Reason = 0x38,
  CampaignRef = 0x42,
  AddedAt = 0x4a,
  AddedBy = 0x52,
  Note = 0x5a,
}

/** google.protobuf.Timestamp's. */
const enum TimestampTag {
  Seconds = 0x08,
  Nanos = 0x10,
}

/** A text field's UTF-8 bytes, [start, end) of the scanned buffer; empty when the field is not there. */
export class Span {
  start = 0;
  end = 0;
}

export class EntryScan {
  bytes: Uint8Array = new Uint8Array(0);
  readonly contact = new Span();
  readonly sender = new Span();
  readonly account = new Span();
  readonly campaignRef = new Span();
  readonly addedBy = new Span();
  readonly note = new Span();
  kind = 0;
  channel = 0;
  source = 0;
  reason = 0;
  hasAddedAt = false;
  /** The sidecar sets added_at: never before 1970, so seconds is a small positive varint. */
  addedAtSeconds = 0;
  addedAtNanos = 0;
  /** The text fields, cleared before each scan. */
  private readonly spans: readonly Span[] = [this.contact, this.sender, this.account, this.campaignRef, this.addedBy, this.note];
  private readonly reader = new ProtoReader();
  private readonly timeReader = new ProtoReader();

  /** Reads the entry in `bytes[start, end)`; the spans point into `bytes`. */
  scan(bytes: Uint8Array, start: number, end: number): this {
    this.bytes = bytes;
    for (const span of this.spans) span.start = span.end = 0;
    this.kind = this.channel = this.source = this.reason = 0;
    this.hasAddedAt = false;
    const r = this.reader.reset(bytes, start, end);
    while (!r.done) {
      const tag = r.tag();
      switch (tag) {
        case EntryTag.Contact:
          r.span(this.contact);
          break;
        case EntryTag.Kind:
          this.kind = r.int32();
          break;
        case EntryTag.Channel:
          this.channel = r.int32();
          break;
        case EntryTag.Sender:
          r.span(this.sender);
          break;
        case EntryTag.Account:
          r.span(this.account);
          break;
        case EntryTag.Source:
          this.source = r.int32();
          break;
        case EntryTag.Reason:
          this.reason = r.int32();
          break;
        case EntryTag.CampaignRef:
          r.span(this.campaignRef);
          break;
        case EntryTag.AddedAt: {
          const stop = r.lengthDelimited();
          this.timestamp(r.pos, stop);
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
    return this;
  }

  /** protobuf-es's timestampMs of added_at, for an entry that has one (hasAddedAt). */
  addedAtMs(): number {
    return this.addedAtSeconds * 1000 + Math.round(this.addedAtNanos / 1_000_000);
  }

  /** A second added_at replaces the first, as the sidecar's readers always took it; the sidecar writes one. */
  private timestamp(start: number, end: number): void {
    const r = this.timeReader.reset(this.bytes, start, end);
    this.hasAddedAt = true;
    this.addedAtSeconds = this.addedAtNanos = 0;
    while (!r.done) {
      const tag = r.tag();
      if (tag === TimestampTag.Seconds) this.addedAtSeconds = r.varint();
      else if (tag === TimestampTag.Nanos) this.addedAtNanos = r.int32();
      else r.skip(tag & 7);
    }
  }
}
