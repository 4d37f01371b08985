// BatchKeys must key every recipient exactly as the one-at-a-time normaliser
// does, whichever of its two paths (E.164 packed in place, or the normaliser
// and a copy) a recipient takes: a different key would be a wrong "allowed".

import { describe, expect, it } from "vitest";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { hashBytes, KeyScratch } from "../normalise/contact-key.js";
import { normaliseContactBytes } from "../normalise/contact-normaliser.js";
import { DEFERRED } from "../native/recipient-probe.js";
import { recipientBytes } from "../../test/support/recipient-bytes.js";
import { BatchKeys } from "./batch-keys.js";

const RECIPIENTS = [
  "+447700900123",
  "+14155550123",
  "+4930123456",
  "+1",
  "+0612345678",
  "0612345678",
  "06 12 34 56 78",
  "+44\u00a020\u00a07946\u00a00000",
  "+44\u201320\u20137946\u20130000",
  "+",
  "",
  "+44 7700 900123",
  "+44-7700-900123",
  "07700 900123",
  "447700900123",
  "00447700900123",
  "+4407700900123",
  "+9991234567",
  "+12345678901234567",
  "+44770090012a",
  "Alice@Example.COM",
  "not a number",
  "+" + "1".repeat(400),
  "é@example.com",
];

describe("BatchKeys.fill", () => {
  for (const country of [undefined, "GB" as const]) {
    it(`keys each recipient as normaliseContactBytes does (default country ${country ?? "none"})`, () => {
      const { src, spans } = recipientBytes(RECIPIENTS);
      const keys = new BatchKeys();
      keys.fill(src, spans, RECIPIENTS.length, country);
      const scratch = new KeyScratch();
      let canonical = 0;
      RECIPIENTS.forEach((recipient, i) => {
        const code = normaliseContactBytes(src, spans[2 * i]!, spans[2 * i + 1]!, ContactKind.UNSPECIFIED, country, scratch);
        expect(keys.codes[i], recipient).toBe(code);
        if (code !== 0) {
          expect(keys.kinds[i], recipient).toBe(0);
          return;
        }
        if (recipient.startsWith("+") && /^\+\d+$/.test(recipient)) canonical++;
        const key = keys.arena.slice(keys.starts[i], keys.ends[i]);
        expect(Buffer.from(key).toString("hex"), recipient).toBe(Buffer.from(scratch.bytes.subarray(0, scratch.length)).toString("hex"));
        expect(keys.kinds[i], recipient).toBe(scratch.kind);
        expect(keys.hashes[i], recipient).toBe(hashBytes(scratch.bytes, 0, scratch.length));
      });
      expect(canonical).toBeGreaterThan(2);
    });
  }

  it("reuses its arrays for a later, shorter batch without keeping the earlier verdicts", () => {
    const keys = new BatchKeys();
    const first = recipientBytes(["bad", "+447700900123"]);
    keys.fill(first.src, first.spans, 2, undefined);
    expect(keys.codes[0]).not.toBe(0);
    const second = recipientBytes(["+447700900123", "bad"]);
    keys.fill(second.src, second.spans, 2, undefined);
    expect(keys.codes[0]).toBe(0);
    expect(keys.kinds[0]).toBe(ContactKind.PHONE);
    expect(keys.codes[1]).not.toBe(0);
  });

  it("with the probe's ids, keys only the recipients the probe deferred", () => {
    const { src, spans } = recipientBytes(["bad", "+447700900123", "07700 900123"]);
    const keys = new BatchKeys();
    keys.fill(src, spans, 3, "GB", new Int32Array([7, 7, DEFERRED]));
    const scratch = new KeyScratch(true);
    expect(normaliseContactBytes(src, spans[4]!, spans[5]!, ContactKind.UNSPECIFIED, "GB", scratch)).toBe(0);
    expect(keys.codes[2]).toBe(0);
    expect(Buffer.from(keys.arena.subarray(keys.starts[2], keys.ends[2])).equals(Buffer.from(scratch.bytes.subarray(0, scratch.length)))).toBe(true);
    expect(Array.from(keys.codes.subarray(0, 2))).toEqual([0, 0]);
    expect(Array.from(keys.kinds.subarray(0, 2))).toEqual([0, 0]);
  });

  it("grows past its first arena and arrays", () => {
    const many = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `user${i}.${"x".repeat(40)}@example.com` : `+4477009${String(i).padStart(5, "0")}`));
    const { src, spans } = recipientBytes(many);
    const keys = new BatchKeys();
    keys.fill(src, spans, many.length, undefined);
    const scratch = new KeyScratch();
    many.forEach((recipient, i) => {
      expect(normaliseContactBytes(src, spans[2 * i]!, spans[2 * i + 1]!, ContactKind.UNSPECIFIED, undefined, scratch)).toBe(0);
      expect(Buffer.from(keys.arena.subarray(keys.starts[i], keys.ends[i])).equals(Buffer.from(scratch.bytes.subarray(0, scratch.length))), recipient).toBe(true);
    });
  });
});
