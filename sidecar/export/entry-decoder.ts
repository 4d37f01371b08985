// Decodes a stored dnc.v1.Entry straight from its bytes into a plain
// message object. An export decodes millions of entries, and protobuf-es's
// reflective decoder would be most of the time it takes; the test beside
// this holds it to protobuf-es.

import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Entry } from "../gen/dnc/v1/types_pb.js";
import { ProtoReader } from "../wire/proto-reader.js";

const reader = new ProtoReader();
const timestampReader = new ProtoReader();

/** Tags (field number << 3 | wire type) of the fields of dnc.v1.Entry and google.protobuf.Timestamp. */
const enum Tag {
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
  Seconds = 0x08,
  Nanos = 0x10,
}

function timestamp(buf: Buffer, start: number, end: number): Timestamp {
  const r = timestampReader.reset(buf, start, end);
  const ts: Timestamp = { $typeName: "google.protobuf.Timestamp", seconds: 0n, nanos: 0 };
  while (!r.done) {
    const tag = r.tag();
    // The sidecar sets added_at: never before 1970, so seconds is a small positive varint.
    if (tag === Tag.Seconds) ts.seconds = BigInt(r.varint());
    else if (tag === Tag.Nanos) ts.nanos = r.int32();
    else r.skip(tag & 7);
  }
  return ts;
}

/** The entry encoded in `buf[start, end)`; throws MalformedMessageError on bytes that are not one. */
export function decodeEntry(bytes: Uint8Array, start = 0, end = bytes.length): Entry {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const e: Entry = {
    $typeName: "dnc.v1.Entry",
    contact: "",
    kind: 0,
    channel: 0,
    sender: "",
    account: "",
    source: 0,
    reason: 0,
    campaignRef: "",
    addedAt: undefined,
    addedBy: "",
    note: "",
  };
  const r = reader.reset(buf, start, end);
  const text = (): string => {
    const stop = r.lengthDelimited();
    const s = buf.toString("utf8", r.pos, stop);
    r.pos = stop;
    return s;
  };
  while (!r.done) {
    const tag = r.tag();
    switch (tag) {
      case Tag.Contact:
        e.contact = text();
        break;
      case Tag.Kind:
        e.kind = r.int32();
        break;
      case Tag.Channel:
        e.channel = r.int32();
        break;
      case Tag.Sender:
        e.sender = text();
        break;
      case Tag.Account:
        e.account = text();
        break;
      case Tag.Source:
        e.source = r.int32();
        break;
      case Tag.Reason:
        e.reason = r.int32();
        break;
      case Tag.CampaignRef:
        e.campaignRef = text();
        break;
      case Tag.AddedAt: {
        const stop = r.lengthDelimited();
        e.addedAt = timestamp(buf, r.pos, stop);
        r.pos = stop;
        break;
      }
      case Tag.AddedBy:
        e.addedBy = text();
        break;
      case Tag.Note:
        e.note = text();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return e;
}
