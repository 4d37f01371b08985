// Decodes a stored dnc.v1.Entry straight from its bytes into a plain
// message object. An XLSX export, and a filtered one's test of each entry,
// decode millions of entries, and protobuf-es's reflective decoder would be
// most of the time they take; the test beside this holds it to protobuf-es.

import type { Entry } from "../gen/dnc/v1/types_pb.js";
import { EntryScan, type Span } from "../wire/entry-scan.js";

const scan = new EntryScan();

/** The entry encoded in `bytes[start, end)`; throws MalformedMessageError on bytes that are not one. */
export function decodeEntry(bytes: Uint8Array, start = 0, end = bytes.length): Entry {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const s = scan.scan(buf, start, end);
  const text = (span: Span): string => (span.end === span.start ? "" : buf.toString("utf8", span.start, span.end));
  return {
    $typeName: "dnc.v1.Entry",
    contact: text(s.contact),
    kind: s.kind,
    channel: s.channel,
    sender: text(s.sender),
    account: text(s.account),
    source: s.source,
    reason: s.reason,
    campaignRef: text(s.campaignRef),
    addedAt: s.hasAddedAt ? { $typeName: "google.protobuf.Timestamp", seconds: BigInt(s.addedAtSeconds), nanos: s.addedAtNanos } : undefined,
    addedBy: text(s.addedBy),
    note: text(s.note),
  };
}
