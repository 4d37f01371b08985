// Encodes a dnc.v1.Entry straight to bytes. Adding entries in bulk encodes
// millions of them; this skips building a message object for each. The test
// beside it holds it byte-for-byte to protobuf-es.

import type { Channel, ContactKind, Reason, Source } from "../gen/dnc/v1/types_pb.js";
import { ProtoWriter, varintSize } from "../wire/proto-writer.js";

export interface EntryFields {
  contact: string;
  kind: ContactKind;
  channel: Channel;
  sender: string;
  account: string;
  source: Source;
  reason: Reason;
  campaignRef: string;
  addedAtMs: number;
  addedBy: string;
  note: string;
}

const writer = new ProtoWriter();

export function encodeEntry(f: EntryFields): Buffer {
  const w = writer.reset();
  w.string(1, f.contact).uint(2, f.kind).uint(3, f.channel).string(4, f.sender).string(5, f.account);
  w.uint(6, f.source).uint(7, f.reason).string(8, f.campaignRef);
  const seconds = Math.floor(f.addedAtMs / 1000);
  const nanos = (f.addedAtMs - seconds * 1000) * 1_000_000;
  const tsLength = (seconds === 0 ? 0 : 1 + varintSize(seconds)) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
  w.tag(9, 2).varint(tsLength).uint(1, seconds).uint(2, nanos);
  w.string(10, f.addedBy).string(11, f.note);
  return w.finish();
}
