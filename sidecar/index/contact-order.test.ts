import { describe, expect, it } from "vitest";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { normaliseContact } from "../normalise/contact-normaliser.js";
import { ByteInternTable } from "./byte-intern-table.js";
import { ContactOrder } from "./contact-order.js";
import { UnavailableError } from "../errors.js";

/** A seeded mix: phones of 8 to 15 digits sharing prefixes, emails, customer ids that look like numbers, long ids. */
function contacts(count: number, seed: number): { input: string; kind: ContactKind }[] {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const out: { input: string; kind: ContactKind }[] = [];
  for (let i = 0; i < count; i++) {
    const r = next() % 10;
    if (r < 6) {
      const digits = String(next()).padStart(10, "0") + String(next());
      out.push({ input: `+${["1", "44", "447", "4477", "49"][next() % 5]}${digits.slice(0, 6 + (next() % 8))}`, kind: ContactKind.PHONE });
    } else if (r < 8) {
      out.push({ input: `user${next() % 5000}@example${next() % 7}.com`, kind: ContactKind.EMAIL });
    } else if (r < 9) {
      out.push({ input: `44${next() % 100000}`, kind: ContactKind.CUSTOMER_ID });
    } else {
      out.push({ input: `c-${"z".repeat(next() % 300)}${next()}`, kind: ContactKind.CUSTOMER_ID });
    }
  }
  return out;
}

/** Interns the contacts that are valid (random digits often are not a possible number); records each id's text as entries store it. */
function intern(table: ByteInternTable, list: { input: string; kind: ContactKind }[], texts: Map<number, string>): void {
  for (const c of list) {
    const n = normaliseContact(c.input, c.kind, undefined, "add");
    if (n.ok) texts.set(table.intern(n.key, 0, n.key.length), n.contact);
  }
}

/** The order the store's contact index kept: UTF-8 bytes of the text, then id. */
function expected(texts: Map<number, string>, prefix = ""): number[] {
  return [...texts]
    .filter(([, t]) => t.startsWith(prefix))
    .sort(([a, ta], [b, tb]) => Buffer.compare(Buffer.from(ta), Buffer.from(tb)) || a - b)
    .map(([id]) => id);
}

function walk(order: ContactOrder, prefix: string): number[] {
  const text = Buffer.from(prefix);
  const ids: number[] = [];
  for (const id of order.idsFrom(text)) {
    if (!order.startsWith(id, text)) break;
    ids.push(id);
  }
  return ids;
}

describe("ContactOrder", () => {
  it("walks contacts by their text, phones packed as digits among raw keys", () => {
    const table = new ByteInternTable(0, 16);
    const texts = new Map<number, string>();
    intern(table, contacts(5_000, 7), texts);
    const phoneLengths = new Set([...texts.values()].filter((t) => /^[0-9]+$/.test(t)).map((t) => t.length % 2));
    expect(phoneLengths).toEqual(new Set([0, 1]));
    const order = new ContactOrder(table);
    expect(walk(order, "")).toEqual(expected(texts));
    for (const prefix of ["4477", "447", "1", "user1", "44", "c-zz", "9"]) expect(walk(order, prefix)).toEqual(expected(texts, prefix));
  });

  it("takes in contacts interned after its first use, a few or many at a time", () => {
    const table = new ByteInternTable(0, 16);
    const texts = new Map<number, string>();
    const order = new ContactOrder(table);
    intern(table, contacts(2_000, 11), texts);
    expect(walk(order, "")).toEqual(expected(texts));
    intern(table, contacts(3, 12), texts);
    expect(walk(order, "44")).toEqual(expected(texts, "44"));
    intern(table, contacts(4_000, 13), texts);
    expect(walk(order, "")).toEqual(expected(texts));
  });

  it("sorts many new contacts in the background, refusing walks until it has caught up", async () => {
    const table = new ByteInternTable(0, 16);
    const texts = new Map<number, string>();
    const order = new ContactOrder(table, 100);
    intern(table, contacts(9_000, 21), texts);
    expect(() => walk(order, "")).toThrow(UnavailableError);
    await order.caughtUp();
    expect(walk(order, "")).toEqual(expected(texts));
    intern(table, contacts(50, 22), texts);
    expect(walk(order, "44")).toEqual(expected(texts, "44"));
    intern(table, contacts(7_000, 23), texts);
    order.catchUpIfBehind();
    expect(() => walk(order, "1")).toThrow(/being brought up to date/);
    await order.caughtUp();
    expect(walk(order, "")).toEqual(expected(texts));
  });

  it("compares a contact's text with a bound", () => {
    const table = new ByteInternTable(0, 16);
    const texts = new Map<number, string>();
    intern(table, [{ input: "+12125550123", kind: ContactKind.PHONE }], texts);
    expect([...texts.values()]).toEqual(["12125550123"]);
    const order = new ContactOrder(table);
    expect(order.compareText(0, Buffer.from("12125550123"))).toBe(0);
    expect(order.compareText(0, Buffer.from("121255501230"))).toBeLessThan(0);
    expect(order.compareText(0, Buffer.from("1212556"))).toBeLessThan(0);
    expect(order.compareText(0, Buffer.from("1212555012"))).toBeGreaterThan(0);
    expect(order.startsWith(0, Buffer.from("1212"))).toBe(true);
    expect(order.startsWith(0, Buffer.from("1213"))).toBe(false);
  });
});
