// The native probe must answer exactly as the JS path it stands in for: for
// every recipient it does not defer, the JS normaliser keys it as a phone
// number with one reading, and the JS lookup finds the same contact (or none).
// A key or hash that differed by a bit would be a wrong "allowed".

import { createRequire } from "node:module";
import { getCountries, getExampleNumber, type CountryCode } from "libphonenumber-js";
import examples from "libphonenumber-js/examples.mobile.json" with { type: "json" };
import { describe, expect, it, vi } from "vitest";
import { Mulberry32 } from "../../bench/data-set.js";
import { recipientBytes } from "../../test/support/recipient-bytes.js";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { ByteInternTable } from "../index/byte-intern-table.js";
import { KeyScratch } from "../normalise/contact-key.js";
import { normaliseContactBytes } from "../normalise/contact-normaliser.js";
import { DEFERRED, RecipientProbe } from "./recipient-probe.js";

function exampleNumbers(): string[] {
  const out: string[] = [];
  for (const country of getCountries()) {
    const n = getExampleNumber(country as CountryCode, examples);
    if (n !== undefined) out.push(n.number);
  }
  return out;
}

/** Example numbers, each with digits changed, added and taken away, and strings that only look like numbers. */
function corpus(): string[] {
  const rng = new Mulberry32(7);
  const next = () => rng.next() / 2 ** 32;
  const digit = () => String(rng.below(10));
  const out = exampleNumbers();
  for (const n of exampleNumbers()) {
    for (let k = 0; k < 20; k++) {
      const digits = n.slice(1).split("");
      const at = 1 + Math.floor(next() * (digits.length - 1));
      const change = Math.floor(next() * 4);
      if (change === 0) digits[at] = digit();
      else if (change === 1) digits.splice(at, 0, digit());
      else if (change === 2) digits.splice(at, 1);
      else digits.push(digit(), digit());
      out.push(`+${digits.join("")}`);
    }
  }
  for (let k = 0; k < 5000; k++) {
    const length = Math.floor(next() * 19);
    let s = next() < 0.9 ? "+" : "";
    for (let i = 0; i < length; i++) s += next() < 0.03 ? " -x0+".charAt(Math.floor(next() * 5)) : digit();
    out.push(s);
  }
  out.push("", "+", "+1", "+12", "+123", "+1234", "+0447700900123", "+44 7700 900123", " +447700900123", "+447700900123 ", "+7 800 555 35 35");
  out.push("+78005553535", "+79123456789", "+4407700900123", "+" + "9".repeat(15), "+" + "9".repeat(16), "alice@example.com");
  return out;
}

/** A table holding every other recipient's key, as the JS interns it. */
function tableOf(recipients: string[], src: Buffer, spans: Int32Array, table = new ByteInternTable()): ByteInternTable {
  const scratch = new KeyScratch(true);
  recipients.forEach((_, i) => {
    if (i % 2 !== 0) return;
    if (normaliseContactBytes(src, spans[2 * i]!, spans[2 * i + 1]!, ContactKind.UNSPECIFIED, undefined, scratch) !== 0) return;
    table.intern(scratch.bytes, 0, scratch.length);
  });
  return table;
}

function expectSameAsJs(recipients: string[], src: Buffer, spans: Int32Array, table: ByteInternTable, probe: RecipientProbe): number {
  const scratch = new KeyScratch(true);
  const differ: string[] = [];
  let handled = 0;
  recipients.forEach((recipient, i) => {
    const id = probe.ids[i]!;
    if (id === DEFERRED) return;
    handled++;
    const code = normaliseContactBytes(src, spans[2 * i]!, spans[2 * i + 1]!, ContactKind.UNSPECIFIED, undefined, scratch);
    if (code !== 0 || scratch.kind !== ContactKind.PHONE || scratch.altLength !== 0) differ.push(`${recipient}: the JS reads it as code ${code}, kind ${scratch.kind}`);
    else if (id !== table.lookup(scratch.bytes, 0, scratch.length)) differ.push(`${recipient}: native ${id}, JS ${table.lookup(scratch.bytes, 0, scratch.length)}`);
  });
  expect(differ).toEqual([]);
  return handled;
}

describe("RecipientProbe", () => {
  it("finds or misses each recipient it takes exactly as the JS normaliser and lookup do", () => {
    const recipients = corpus();
    const { src, spans } = recipientBytes(recipients);
    const table = tableOf(recipients, src, spans);
    const probe = new RecipientProbe();
    const hits = probe.run(src, spans, recipients.length, table);
    const handled = expectSameAsJs(recipients, src, spans, table, probe);
    const ids = Array.from(probe.ids.subarray(0, recipients.length));
    expect(handled + ids.filter((id) => id === DEFERRED).length).toBe(recipients.length);
    // The hits are the recipients found or deferred, in order; the absent ones are left out.
    expect(Array.from(probe.hits.subarray(0, hits))).toEqual(ids.flatMap((id, i) => (id === -1 ? [] : [i])));
    expect(probe.run(src, spans, recipients.length, table, true)).toBe(recipients.length);
    expect(Array.from(probe.hits.subarray(0, recipients.length))).toEqual(ids.map((_, i) => i));
    expect(Array.from(probe.ids.subarray(0, recipients.length))).toEqual(ids);
    const found = Array.from(probe.ids.subarray(0, recipients.length)).filter((id) => id >= 0).length;
    expect(found).toBeGreaterThan(1000);
    expect(handled).toBeGreaterThan(2000);
    // The corpus opens with one example number per country: most are canonical enough to take.
    const examples = exampleNumbers();
    expect(examples.filter((_, i) => probe.ids[i] !== DEFERRED).length).toBeGreaterThan(0.85 * examples.length);
  });

  it("takes the common canonical numbers itself and leaves the rest to the JS", () => {
    const taken = ["+447700900123", "+14155550123", "+4915123456789", "+33612345678", "+919876543210"];
    const left = ["+44 7700 900123", "07700900123", "447700900123", "+0447700900123", "+78005553535", "alice@example.com", "+1", ""];
    const recipients = [...taken, ...left];
    const { src, spans } = recipientBytes(recipients);
    const probe = new RecipientProbe();
    expect(probe.run(src, spans, recipients.length, new ByteInternTable())).toBe(left.length);
    recipients.forEach((r, i) => expect(probe.ids[i], r).toBe(i < taken.length ? -1 : DEFERRED));
  });

  it("answers from the current slots while a large table grows them in the background, and after", async () => {
    // 170,000 keys leave 262,144 slots between the load that starts a background growth and the one that ends it at once.
    const many = Array.from({ length: 340_000 }, (_, i) => `+4477${String((i * 7919) % 1e8).padStart(8, "0")}`);
    const { src, spans } = recipientBytes(many);
    const table = tableOf(many, src, spans, new ByteInternTable(0, 16));
    expect((table as unknown as { growing?: object }).growing).toBeDefined();
    const probe = new RecipientProbe();
    const hits = probe.run(src, spans, many.length, table);
    expectSameAsJs(many, src, spans, table, probe);
    expect(hits).toBe(Array.from(probe.ids.subarray(0, many.length)).filter((id) => id >= 0).length);
    await vi.waitFor(() => expect((table as unknown as { growing?: object }).growing).toBeUndefined(), { timeout: 5000 });
    probe.run(src, spans, many.length, table);
    expectSameAsJs(many, src, spans, table, probe);
    expect(Array.from(probe.ids.subarray(0, many.length)).filter((id) => id >= 0)).toHaveLength(many.length / 2);
  });

  it("reads spans outside the request as a recipient to defer, never past the bytes", () => {
    const { src } = recipientBytes(["+447700900123"]);
    const probe = new RecipientProbe();
    expect(probe.run(src, new Int32Array([0, 13, 5, 400, -1, 4, 6, 2]), 4, new ByteInternTable())).toBe(3);
    expect(Array.from(probe.ids.subarray(0, 4))).toEqual([-1, DEFERRED, DEFERRED, DEFERRED]);
  });

  it("refuses arguments of the wrong type or too short for the count", () => {
    const native = createRequire(import.meta.url)("../../build/Release/recipient_probe.node") as { probe: (...args: unknown[]) => number };
    const table = new ByteInternTable().lookupArrays;
    const args = (over: Record<number, unknown>) => {
      const a: unknown[] = [new Uint8Array(4), new Int32Array(2), 1, new Int32Array(4000), new Uint8Array(9), new Uint32Array(1), new Int32Array(1), table.arena, table.offsets, table.slots, table.bloom, 0, new Int32Array(1), 0];
      for (const [k, v] of Object.entries(over)) a[Number(k)] = v;
      return a;
    };
    expect(native.probe(...args({}))).toBe(1);
    expect(() => native.probe(...args({ 0: [1, 2] }))).toThrow("src: a Uint8Array");
    expect(() => native.probe(...args({ 6: new Uint32Array(1) }))).toThrow("ids: an Int32Array");
    expect(() => native.probe(...args({ 2: -1 }))).toThrow(RangeError);
    expect(() => native.probe(...args({ 2: 2 }))).toThrow("shorter than count needs");
    expect(() => native.probe(...args({ 3: new Int32Array(10) }))).toThrow(RangeError);
    expect(() => native.probe(...args({ 9: new Uint32Array(3) }))).toThrow("power of two");
    expect(() => native.probe(...args({ 12: new Int32Array(0) }))).toThrow("shorter than count needs");
    expect(() => native.probe(...args({ 12: new Uint32Array(1) }))).toThrow("hits: an Int32Array");
    expect(() => native.probe(...args({ 2: "1" }))).toThrow("count, idBase and every");
    expect(() => native.probe(...args({ 13: "1" }))).toThrow("count, idBase and every");
    expect(() => native.probe(1)).toThrow("14 arguments");
  });
});
