// A FilterBatchRequest read from its bytes: unknown fields are skipped, and
// a field the decoder knows sent with a wire type its type never has is
// INVALID_ARGUMENT. Skipping a recipient would shift the index of every
// recipient after it, and the gateway would read one's verdict as another's.

import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../errors.js";
import { FilterBatchRequestSchema } from "../gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../gen/dnc/v1/types_pb.js";
import { BatchScan } from "../native/batch-scan.js";
import { BatchDecoder, DecodedBatch, DecodedSendRequest, type Span } from "./batch-decoder.js";

const str = (field: number, text: string) => [(field << 3) | 2, text.length, ...Buffer.from(text)];

function decode(bytes: number[] | Uint8Array): DecodedBatch {
  const out = new DecodedBatch();
  new BatchDecoder().decode(Uint8Array.from(bytes), 1000, out);
  return out;
}

/** What a decode into `out` read (the channel, the scope spans sent, the recipients' and requests' spans), or its error. */
function outcome(decodeInto: (out: DecodedBatch) => void, out = new DecodedBatch()) {
  try {
    decodeInto(out);
    const spans = (s: Span) => (s.present ? [s.start, s.end] : []);
    return {
      channel: out.channel,
      scope: [out.sender, out.account, out.campaign, out.country].map(spans),
      recipients: Array.from(out.spans.subarray(0, 2 * out.recipientCount)),
      requests: Array.from(out.spans.subarray(0, 2 * out.requestCount)),
    };
  } catch (err: unknown) {
    return { error: (err as Error).message };
  }
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("BatchDecoder", () => {
  it("skips fields it does not know, wherever they come", () => {
    const known = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients: ["+447700900001", "+447700900002"] }));
    const out = decode([...str(10, "later"), (9 << 3) | 0, 7, ...known, (11 << 3) | 5, 1, 2, 3, 4]);
    expect([out.channel, out.recipientCount]).toEqual([Channel.SMS, 2]);
  });

  it("refuses a known field with the wrong wire type rather than skip it", () => {
    const cases: [string, number[], string][] = [
      ["a recipient as a varint", [0x08, 0x01, ...str(6, "+447700900999"), 0x30, 0x05, ...str(6, "+442079460000")], "field 6 has wire type 0"],
      ["a recipient as fixed32", [0x08, 0x01, ...str(6, "+447700900999"), 0x35, 1, 2, 3, 4, ...str(6, "+442079460000")], "field 6 has wire type 5"],
      ["a request as a varint", [0x08, 0x01, 0x38, 0x05], "field 7 has wire type 0"],
      ["the channel as bytes", [...str(1, "\x01"), ...str(6, "+442079460000")], "field 1 has wire type 2"],
      ["the sender as a varint", [0x10, 0x01], "field 2 has wire type 0"],
    ];
    for (const [what, bytes, message] of cases) {
      expect(refusal(() => decode(bytes)), what).toBe(`request: not a valid dnc.v1.FilterBatchRequest: ${message}`);
    }
  });

  it("refuses bytes that are no protobuf: field number 0, a tag or a length over 32 bits", () => {
    const cases: [string, number[], string][] = [
      ["field number 0", [0x00, 0x01, 0x08, 0x01], "field number 0"],
      // 2^32 + (6 << 3 | 2): read as field 6 when the high bits were dropped.
      ["a tag over 32 bits", [0x08, 0x01, 0xb2, 0x80, 0x80, 0x80, 0x10, 1, 0x31], "a tag or a length over 32 bits"],
      // 13 + 2^56: read as 13 when the bits past 2^56 were dropped.
      ["a length over 32 bits", [0x08, 0x01, 0x32, 0x8d, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, ...Buffer.from("+447700900999")], "a tag or a length over 32 bits"],
    ];
    for (const [what, bytes, message] of cases) {
      expect(refusal(() => decode(bytes)), what).toBe(`request: not a valid dnc.v1.FilterBatchRequest: ${message}`);
    }
    const request = Uint8Array.from([0x00, 0x00]);
    expect(refusal(() => new DecodedSendRequest().decode(request, 0, request.length, 0))).toBe("requests[0]: not a valid dnc.v1.SendRequest: field number 0");
  });

  it("reads recipients of one-byte and longer lengths alike, and refuses one cut short", () => {
    const long = `+44${"7".repeat(200)}`;
    const recipients = ["+447700900001", long, "", "a".repeat(127), "b".repeat(128), "+447700900002"];
    const bytes = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients }));
    const out = decode(bytes);
    expect(out.recipientCount).toBe(recipients.length);
    const read = Array.from({ length: out.recipientCount }, (_, i) => Buffer.from(bytes.subarray(out.spans[2 * i]!, out.spans[2 * i + 1]!)).toString());
    expect(read).toEqual(recipients);
    // The last recipient's length says 13 bytes; 12 follow.
    expect(refusal(() => decode(bytes.subarray(0, bytes.length - 1)))).toBe(
      "request: not a valid dnc.v1.FilterBatchRequest: length-delimited field runs past the end",
    );
    const many = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { recipients: Array.from({ length: 1001 }, () => "+447700900001") }));
    expect(() => decode(many)).toThrow("a batch holds at most 1000 recipients");
  });

  it("reads natively what the JavaScript reads, and leaves the JavaScript every message it does not take", () => {
    // Seeded random messages from pieces: the fast form's fields, and what the native scan must leave alone.
    let seed = 11;
    const rand = (n: number) => (seed = (Math.imul(seed, 48271) + 7) >>> 0) % n;
    const pieces: (() => number[])[] = [
      () => str(6, `+4477009${String(rand(100_000)).padStart(5, "0")}`),
      () => str(6, ""),
      () => [0x32, 0x81, 0x01, ...Array.from({ length: 129 }, () => 0x37)],
      () => [0x08, rand(8)],
      () => [0x08, 0xff, 0xff, 0xff, 0xff, 0x0f],
      () => [0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      () => str(2 + rand(4), ["ACME", "", "acct-1", "GB"][rand(4)]!),
      () => [0x3a, 0x02, 0x08, 0x01],
      () => str(9, "unknown"),
      () => [0x48, 0x05],
      () => [0x30, 0x01],
      () => [0x00, 0x01],
      // A length written in two bytes where one would do, which both read alike, and one that swallows what follows.
      () => [0x32, 0x81, 0x00, 0x37],
      () => [0x32, 0x7f],
    ];
    const plain = new Set([0, 1, 2, 3, 4, 6, 12]);
    const neverTaken = new Set([5, 7, 8, 9, 10, 11]);
    const decoder = new BatchDecoder();
    const scan = new BatchScan();
    let native = 0;
    for (let m = 0; m < 3000; m++) {
      const kinds = Array.from({ length: rand(12) }, () => (rand(4) === 0 ? rand(pieces.length) : rand(3)));
      const bytes = Uint8Array.from(kinds.flatMap((k) => pieces[k]!()));
      const maxBatch = 1 + rand(12);
      const bothWays = outcome((out) => decoder.decode(bytes, maxBatch, out));
      const jsAlone = outcome((out) => decoder.decodeInJs(bytes, maxBatch, out));
      expect(bothWays, `message ${m}: ${Buffer.from(bytes).toString("hex")}`).toEqual(jsAlone);
      const taken = scan.run(bytes, new Int32Array(2 * 16), maxBatch) >= 0;
      const recipients = kinds.filter((k) => k <= 2 || k === 12).length;
      if (kinds.every((k) => plain.has(k))) expect(taken, `message ${m}`).toBe(recipients <= maxBatch);
      if (kinds.some((k) => neverTaken.has(k))) expect(taken, `message ${m}`).toBe(false);
      if (taken) native++;
    }
    expect(native).toBeGreaterThan(1000);
  });

  it("holds the scan to the batch bound as given and to the room it has, one DecodedBatch reused throughout", () => {
    const decoder = new BatchDecoder();
    const out = new DecodedBatch();
    const alone = new DecodedBatch();
    const recipients = Array.from({ length: 1500 }, (_, i) => `+4477009${String(i).padStart(5, "0")}`);
    const big = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, sender: "ACME", recipients }));
    const small = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.EMAIL, recipients: ["ann@example.com"] }));
    const scan = new BatchScan();
    // More recipients than the spans have room for: the JavaScript reads it and grows them, and the scan takes it from then on.
    expect(scan.run(big, out.spans, 10_000)).toBe(-1);
    for (const [bytes, maxBatch] of [[big, 10_000], [small, 10_000], [big, 10_000], [small, 1.5], [small, -1], [small, Number.NaN], [big, 1_500]] as const) {
      const got = outcome((b) => decoder.decode(bytes, maxBatch, b), out);
      const want = outcome((b) => decoder.decodeInJs(bytes, maxBatch, b), alone);
      expect(got, `maxBatch ${maxBatch}`).toEqual(want);
    }
    expect(scan.run(big, out.spans, 10_000)).toBe(1500);
    expect(scan.run(small, out.spans, -1)).toBe(-1);
    expect(() => decoder.decode(small, -1, out)).toThrow("a batch holds at most -1 recipients");
  });

  it("names the request whose own field has the wrong wire type", () => {
    const request = Uint8Array.from([0x08, 0x05]);
    expect(refusal(() => new DecodedSendRequest().decode(request, 0, request.length, 3))).toBe("requests[3]: not a valid dnc.v1.SendRequest: field 1 has wire type 0");
  });
});
