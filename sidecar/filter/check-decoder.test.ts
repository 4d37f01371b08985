// A CheckRequest read from its bytes must read as protobuf-es reads it (a
// request given twice merges, unknown fields are skipped), and bytes that
// are not a CheckRequest must be INVALID_ARGUMENT naming the field.

import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../errors.js";
import { CheckRequestSchema } from "../gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../gen/dnc/v1/types_pb.js";
import type { Span } from "./batch-decoder.js";
import { CheckDecoder, DecodedCheck } from "./check-decoder.js";

const text = (buf: Uint8Array, span: Span) => (span.present ? Buffer.from(buf).toString("utf8", span.start, span.end) : "");

function decode(buf: Uint8Array) {
  const out = new DecodedCheck();
  new CheckDecoder().decode(buf, out);
  const r = out.request;
  return {
    hasRequest: out.hasRequest,
    recipient: text(buf, r.recipient),
    channel: r.channel,
    sender: text(buf, r.sender),
    account: text(buf, r.account),
    customerId: text(buf, r.customerId),
    campaign: text(buf, out.campaign),
    country: text(buf, out.country),
  };
}

const encode = (init: Parameters<typeof create<typeof CheckRequestSchema>>[1]) => toBinary(CheckRequestSchema, create(CheckRequestSchema, init));

describe("CheckDecoder", () => {
  it("reads every field", () => {
    const buf = encode({
      request: { recipient: "+44 7700 900123", channel: Channel.WHATSAPP, sender: "ACME", account: "tenant-a", customerId: "CRM-1" },
      campaignRef: "spring",
      defaultCountry: "GB",
    });
    expect(decode(buf)).toEqual({
      hasRequest: true,
      recipient: "+44 7700 900123",
      channel: Channel.WHATSAPP,
      sender: "ACME",
      account: "tenant-a",
      customerId: "CRM-1",
      campaign: "spring",
      country: "GB",
    });
  });

  it("merges a request given twice, as protobuf does, and tells an empty request from none", () => {
    const first = encode({ request: { recipient: "+447700900123", sender: "ACME" } });
    const second = encode({ request: { channel: Channel.SMS, sender: "Shop" }, defaultCountry: "GB" });
    const both = Buffer.concat([first, second]);
    expect(decode(both)).toMatchObject({ hasRequest: true, recipient: "+447700900123", channel: Channel.SMS, sender: "Shop", country: "GB" });
    expect(decode(encode({ request: {} })).hasRequest).toBe(true);
    expect(decode(encode({ campaignRef: "x" })).hasRequest).toBe(false);
  });

  it("skips fields it does not know", () => {
    // Field 9 as a varint and field 10 as a length-delimited string, then the request.
    const unknown = Buffer.from([9 << 3, 0x96, 0x01, (10 << 3) | 2, 2, 0x68, 0x69]);
    expect(decode(Buffer.concat([unknown, encode({ request: { recipient: "a@b.example", channel: Channel.EMAIL } })]))).toMatchObject({
      recipient: "a@b.example",
      channel: Channel.EMAIL,
    });
  });

  it("refuses bytes that are not a CheckRequest, naming the field", () => {
    const valid = encode({ request: { recipient: "+447700900123", channel: Channel.SMS } });
    const cases: [Uint8Array, string][] = [
      [valid.subarray(0, valid.length - 3), "request: not a valid dnc.v1.CheckRequest"],
      [Buffer.from([0x08, 0xff]), "request: not a valid dnc.v1.CheckRequest"],
      // The request's own bytes are cut short inside it: a length that runs past its end.
      [Buffer.from([0x0a, 0x03, 0x0a, 0x05, 0x41]), "request: not a valid dnc.v1.SendRequest"],
    ];
    for (const [buf, message] of cases) {
      let caught: unknown;
      try {
        decode(buf);
      } catch (err: unknown) {
        caught = err;
      }
      expect(caught, message).toBeInstanceOf(InvalidArgumentError);
      expect(String((caught as Error).message)).toContain(message);
    }
  });
});

describe("CheckDecoder on wire types", () => {
  it("refuses a known field with the wrong wire type", () => {
    for (const [bytes, message] of [
      [[0x08, 0x01], "request: not a valid dnc.v1.CheckRequest: field 1 has wire type 0"],
      [[0x1d, 1, 2, 3, 4], "request: not a valid dnc.v1.CheckRequest: field 3 has wire type 5"],
      [[0x0a, 0x02, 0x10, 0x80], "request: not a valid dnc.v1.SendRequest: truncated varint"],
      [[0x0a, 0x02, 0x20, 0x01], "request: not a valid dnc.v1.SendRequest: field 4 has wire type 0"],
    ] as const) {
      expect(() => decode(Uint8Array.from(bytes))).toThrow(message);
    }
  });
});
