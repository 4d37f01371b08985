// Decodes a stored dnc.v1.Entry straight from its bytes into a plain
// message object. An XLSX export, and a filtered one's test of each entry,
// decode millions of entries, and protobuf-es's reflective decoder would be
// most of the time they take; the test beside this holds it to protobuf-es.

import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Entry } from "../gen/dnc/v1/types_pb.js";
import { EntryTag, TimestampTag } from "../wire/entry-tags.js";
import { ProtoReader } from "../wire/proto-reader.js";

const reader = new ProtoReader();
const timestampReader = new ProtoReader();

function timestamp(buf: Buffer, start: number, end: number): Timestamp {
  const r = timestampReader.reset(buf, start, end);
  const ts: Timestamp = { $typeName: "google.protobuf.Timestamp", seconds: 0n, nanos: 0 };
  while (!r.done) {
    const tag = r.tag();
    // The sidecar sets added_at: never before 1970, so seconds is a small positive varint.
    if (tag === TimestampTag.Seconds) ts.seconds = BigInt(r.varint());
    else if (tag === TimestampTag.Nanos) ts.nanos = r.int32();
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
      case EntryTag.Contact:
        e.contact = text();
        break;
      case EntryTag.Kind:
        e.kind = r.int32();
        break;
      case EntryTag.Channel:
        e.channel = r.int32();
        break;
      case EntryTag.Sender:
        e.sender = text();
        break;
      case EntryTag.Account:
        e.account = text();
        break;
      case EntryTag.Source:
        e.source = r.int32();
        break;
      case EntryTag.Reason:
        e.reason = r.int32();
        break;
      case EntryTag.CampaignRef:
        e.campaignRef = text();
        break;
      case EntryTag.AddedAt: {
        const stop = r.lengthDelimited();
        e.addedAt = timestamp(buf, r.pos, stop);
        r.pos = stop;
        break;
      }
      case EntryTag.AddedBy:
        e.addedBy = text();
        break;
      case EntryTag.Note:
        e.note = text();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return e;
}
