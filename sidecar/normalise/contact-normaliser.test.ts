import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import { describe, expect, it } from "vitest";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { KeyScratch, decodeKey } from "./contact-key.js";
import { normaliseContact, normaliseContactBytes, resolveCountry, type ContactUse } from "./contact-normaliser.js";
import { isCanonicalPossible } from "./phone-normaliser.js";

function ok(input: string, kind = ContactKind.UNSPECIFIED, country?: string, use: ContactUse = "add") {
  const n = normaliseContact(input, kind, country === undefined ? undefined : resolveCountry(country, undefined, "c"), use);
  if (!n.ok) throw new Error(`${input}: ${n.reason}`);
  return n;
}

function reason(input: string, kind = ContactKind.UNSPECIFIED, country?: string, use: ContactUse = "add"): string {
  const n = normaliseContact(input, kind, country === undefined ? undefined : resolveCountry(country, undefined, "c"), use);
  if (n.ok) throw new Error(`${input} normalised to ${n.contact}`);
  return n.reason;
}

describe("phone numbers", () => {
  it.each([
    ["+447700900123", "447700900123"],
    ["+44 7700 900123", "447700900123"],
    ["+44 (0)7700-900.123", "447700900123"],
    ["00447700900123", "447700900123"],
    ["0044 7700 900123", "447700900123"],
    ["447700900123", "447700900123"],
    ["+1 (201) 555-0123", "12015550123"],
    ["+4407700900123", "447700900123"],
    ["  +49 1512 3456789 ", "4915123456789"],
  ])("%s → %s", (input, expected) => {
    const n = ok(input);
    expect(n.contact).toBe(expected);
    expect(n.kind).toBe(ContactKind.PHONE);
  });

  it("reads national numbers with a default country", () => {
    expect(ok("07700 900123", ContactKind.UNSPECIFIED, "GB").contact).toBe("447700900123");
    expect(ok("(201) 555-0123", ContactKind.PHONE, "us").contact).toBe("12015550123");
    expect(ok("447700900123", ContactKind.PHONE, "US").contact).toBe("447700900123");
  });

  it("keeps both readings of digits that are a number both nationally and internationally", () => {
    const scratch = new KeyScratch();
    const readings = (input: string, country: CountryCode) => {
      const bytes = Buffer.from(input, "latin1");
      expect(normaliseContactBytes(bytes, 0, bytes.length, ContactKind.UNSPECIFIED, country, scratch)).toBe(0);
      const alt = scratch.altLength > 0 ? decodeKey(scratch.alt.subarray(0, scratch.altLength)).contact : undefined;
      return [decodeKey(scratch.bytes.subarray(0, scratch.length)).contact, alt];
    };
    // An MSISDN as gateways send it, with a German default: a German national number too.
    expect(readings("447911123456", "DE")).toEqual(["49447911123456", "447911123456"]);
    expect(readings("2015550123", "US")).toEqual(["12015550123", "2015550123"]);
    // One number either way, or one reading only: no second key.
    expect(readings("447911123456", "GB")).toEqual(["447911123456", undefined]);
    expect(readings("07911 123456", "GB")).toEqual(["447911123456", undefined]);
    expect(readings("+447911123456", "DE")).toEqual(["447911123456", undefined]);
    expect(readings("4155552671", "US")).toEqual(["14155552671", undefined]);
    expect(readings("(201) 555-0123", "US")).toEqual(["12015550123", undefined]);
    // The filter's scratch keeps both readings of formatted digits too: the filter blocks on either, whatever the spaces.
    const filterScratch = new KeyScratch(true);
    const filterReadings = (input: string, country: CountryCode) => {
      const bytes = Buffer.from(input, "latin1");
      expect(normaliseContactBytes(bytes, 0, bytes.length, ContactKind.UNSPECIFIED, country, filterScratch)).toBe(0);
      const alt = filterScratch.altLength > 0 ? decodeKey(filterScratch.alt.subarray(0, filterScratch.altLength)).contact : undefined;
      return [decodeKey(filterScratch.bytes.subarray(0, filterScratch.length)).contact, alt];
    };
    expect(readings("44 7911 123456", "DE")).toEqual(["49447911123456", undefined]);
    expect(filterReadings("44 7911 123456", "DE")).toEqual(["49447911123456", "447911123456"]);
    expect(filterReadings("(201) 555-0123", "US")).toEqual(["12015550123", "2015550123"]);
    expect(filterReadings("07911 123456", "GB")).toEqual(["447911123456", undefined]);
    // The customer id normalised into the same scratch next clears the reading before.
    const id = Buffer.from("CRM-1");
    expect(normaliseContactBytes(id, 0, id.length, ContactKind.CUSTOMER_ID, undefined, scratch)).toBe(0);
    expect(scratch.altLength).toBe(0);
  });

  it("adds the valid reading of such digits; of two valid ones the national, unless the country writes a trunk 0", () => {
    // +61 2345678 is no valid Australian number; +34 612 34 56 78 is a Spanish mobile.
    expect(ok("612345678", ContactKind.UNSPECIFIED, "ES").contact).toBe("34612345678");
    // +33 447911123456 is no valid French number.
    expect(ok("447911123456", ContactKind.UNSPECIFIED, "FR").contact).toBe("447911123456");
    expect(reason("447911123456", ContactKind.UNSPECIFIED, "DE")).toBe(
      "contact is ambiguous: as a national number of DE it is +49447911123456, as an international number +447911123456; write it with '+' and its country code",
    );
    // A Marseille number without its 0, or Berlin's +49 30 12345: both valid.
    expect(reason("493012345", ContactKind.PHONE, "FR")).toMatch(/ambiguous: .* \+33493012345, .* \+493012345;/);
    // Ten digits are how a US number is written at home; +20 1555 0123 is valid in Egypt too.
    expect(ok("2015550123", ContactKind.PHONE, "US").contact).toBe("12015550123");
    expect(ok("6084006024", ContactKind.PHONE, "US").contact).toBe("16084006024");
  });

  it("refuses to look up or remove by digits that read as two numbers, naming both", () => {
    expect(reason("2015550123", ContactKind.PHONE, "US", "find")).toBe(
      "contact is ambiguous: as a national number of US it is +12015550123, as an international number +2015550123; write it with '+' and its country code",
    );
    expect(reason("612345678", ContactKind.UNSPECIFIED, "ES", "find")).toMatch(/ambiguous/);
    expect(ok("+1 201 555 0123", ContactKind.PHONE, "US", "find").contact).toBe("12015550123");
    expect(ok("(201) 555-0123", ContactKind.PHONE, "US", "find").contact).toBe("12015550123");
  });

  it("rejects with a reason", () => {
    expect(reason("07700 900123")).toMatch(/national phone number and no default country/);
    expect(reason("+44 12")).toMatch(/not a possible phone number/);
    expect(reason("+999 1234 5678")).toMatch(/not a possible phone number/);
    expect(reason("1-800-FLOWERS")).toMatch(/only digits/);
    for (const lost of ["4.47712E+11", "4,47712e+11", " 4.47712E11 ", "+4.47712E+11"]) expect(reason(lost), lost).toMatch(/scientific notation .*last digits are lost/);
    expect(reason("")).toMatch(/empty/);
    expect(reason("+".padEnd(600, "1"))).toMatch(/longer than/);
    expect(reason("+".padEnd(400, "1"))).toMatch(/not a possible phone number/);
  });

  it("never reads a leading 0 as part of a calling code", () => {
    // National numbers of France, Great Britain, Germany, Australia and India: no country, no reading.
    for (const input of ["06 12 34 56 78", "0612345678", "020 7946 0000", "01512 3456789", "0412 345 678", "091234 56789"]) {
      expect(reason(input), input).toMatch(/national phone number and no default country/);
      expect(reason(input, ContactKind.PHONE), input).toMatch(/national phone number and no default country/);
    }
    for (const input of ["+0612345678", "+06 12 34 56 78", "000612345678"]) expect(reason(input), input).toMatch(/not a possible phone number/);
    expect(ok("06 12 34 56 78", ContactKind.UNSPECIFIED, "FR").contact).toBe("33612345678");
    expect(ok("01512 3456789", ContactKind.UNSPECIFIED, "DE").contact).toBe("4915123456789");
    const bytes = Buffer.from("0612345678", "latin1");
    expect(isCanonicalPossible(bytes, 0, bytes.length)).toBe(false);
  });

  it("takes the spaces and dashes of word processors and spreadsheets as formatting", () => {
    for (const input of ["+44\u00a020\u00a07946\u00a00000", "+44\u202f20\u202f7946\u202f0000", "+44\u200920 7946 0000", "+44\u201320\u20137946\u20130000", "+44 20\u22127946 0000"]) {
      expect(ok(input).contact, JSON.stringify(input)).toBe("442079460000");
    }
    expect(ok("020\u00a07946\u00a00000", ContactKind.UNSPECIFIED, "GB").contact).toBe("442079460000");
    expect(reason("+44 20 7946 0000\u00e9")).toMatch(/only digits/);
  });

  it("normalising a normalised number changes nothing", () => {
    for (const input of ["+39 06 1234 5678", "+44 20 7946 0958", "+7 912 345-67-89", "+86 139 1234 5678", "+1 201 555 0123"]) {
      const once = ok(input).contact;
      expect(ok(once).contact).toBe(once);
      expect(ok(`+${once}`).contact).toBe(once);
    }
  });

  it("the byte fast path agrees with libphonenumber wherever it vouches for a number", () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const codes = ["1", "7", "20", "27", "31", "33", "34", "39", "44", "49", "52", "54", "55", "57", "61", "81", "82", "86", "91", "234", "241", "261", "298", "352", "353", "370", "375", "380", "423", "506", "591", "672", "378", "971"];
    let vouched = 0;
    for (let i = 0; i < 60_000; i++) {
      const cc = codes[Math.floor(rand() * codes.length)]!;
      let digits = cc;
      const len = 6 + Math.floor(rand() * 8);
      for (let d = 0; d < len; d++) digits += Math.floor(rand() * 10);
      const bytes = Buffer.from(digits, "latin1");
      if (!isCanonicalPossible(bytes, 0, bytes.length)) continue;
      vouched++;
      const parsed = parsePhoneNumberFromString(`+${digits}`);
      expect(parsed?.number, digits).toBe(`+${digits}`);
      expect(parsed?.isPossible(), digits).toBe(true);
      expect(ok(`+${digits}`).contact).toBe(digits);
    }
    expect(vouched).toBeGreaterThan(1000);
  });
});

describe("formatted phone numbers", () => {
  it("the fast path for formatted numbers reads them as libphonenumber does", () => {
    let seed = 11;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const separators = [" ", "-", ".", "(", ")", "/", "\t", "  "];
    const codes = ["1", "44", "49", "33", "61", "353", "971", "7"];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let digits = codes[Math.floor(rand() * codes.length)]!;
      const len = 6 + Math.floor(rand() * 8);
      for (let d = 0; d < len; d++) digits += Math.floor(rand() * 10);
      let formatted = "";
      for (const d of digits) formatted += d + (rand() < 0.3 ? separators[Math.floor(rand() * separators.length)]! : "");
      const input = rand() < 0.5 ? `+${formatted}` : `00${formatted}`;
      // A form feed is formatting only the libphonenumber path removes: the same number, read the slow way.
      const slow = normaliseContact(`${input.slice(0, 3)}\f${input.slice(3)}`, ContactKind.PHONE, undefined, "add");
      const fast = normaliseContact(input, ContactKind.PHONE, undefined, "add");
      expect(fast, input).toEqual(slow);
      if (fast.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

describe("email addresses", () => {
  it.each([
    ["Jane.Doe@Example.COM", "jane.doe@example.com"],
    ["  jane@example.com\t", "jane@example.com"],
    ["jane@bücher.de", "jane@xn--bcher-kva.de"],
    ["JANE+news@Bücher.DE", "jane+news@xn--bcher-kva.de"],
    ["o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk"],
  ])("%s → %s", (input, expected) => {
    const n = ok(input);
    expect(n.contact).toBe(expected);
    expect(n.kind).toBe(ContactKind.EMAIL);
  });

  it.each(["jane@", "@example.com", "jane@@example.com", "jane@example", "ja..ne@example.com", ".jane@example.com", "jane.@example.com", "jane@-example.com", "jane@example-.com", "jane@exa_mple.com", "jane@example.123", "jané@example.com", "jane doe@example.com", `${"a".repeat(65)}@example.com`])(
    "rejects %s",
    (input) => {
      expect(reason(input)).toMatch(/email/);
    },
  );

  it("an explicit EMAIL kind without '@' is rejected, not read as a phone", () => {
    expect(reason("447700900123", ContactKind.EMAIL)).toMatch(/email/);
  });
});

describe("customer ids", () => {
  it("keeps case, trims, and takes 1 to 128 printable characters", () => {
    expect(ok("  CRM-00042 ", ContactKind.CUSTOMER_ID).contact).toBe("CRM-00042");
    expect(ok("ÄÖ-Ü", ContactKind.CUSTOMER_ID).contact).toBe("ÄÖ-Ü");
    expect(ok("x".repeat(128), ContactKind.CUSTOMER_ID).contact).toHaveLength(128);
    expect(reason("x".repeat(129), ContactKind.CUSTOMER_ID)).toMatch(/1 to 128/);
    // 128 characters however many bytes each takes: three for 顧, four for 𝄞.
    expect(ok(` ${"顧".repeat(128)} `, ContactKind.CUSTOMER_ID).contact).toBe("顧".repeat(128));
    expect(ok("𝄞".repeat(128), ContactKind.CUSTOMER_ID).contact).toBe("𝄞".repeat(128));
    expect(reason("顧".repeat(129), ContactKind.CUSTOMER_ID)).toMatch(/1 to 128/);
    expect(reason("   ", ContactKind.CUSTOMER_ID)).toMatch(/1 to 128/);
    expect(reason("a\u0000b", ContactKind.CUSTOMER_ID)).toMatch(/printable/);
  });

  it("a customer id and a phone with the same text are different keys", () => {
    const phone = ok("447700900123");
    const customer = ok("447700900123", ContactKind.CUSTOMER_ID);
    expect(Buffer.from(phone.key).equals(Buffer.from(customer.key))).toBe(false);
  });
});

describe("the byte form", () => {
  it("normalises a recipient in the middle of a buffer without touching its neighbours", () => {
    const buf = Buffer.from("xx+44 7700 900123yyJane@Example.comzz", "latin1");
    const out = new KeyScratch();
    expect(normaliseContactBytes(buf, 2, 17, ContactKind.UNSPECIFIED, undefined, out)).toBe(0);
    expect(decodeKey(out.bytes, 0, out.length)).toEqual({ kind: ContactKind.PHONE, contact: "447700900123" });
    expect(normaliseContactBytes(buf, 19, 35, ContactKind.UNSPECIFIED, undefined, out)).toBe(0);
    expect(decodeKey(out.bytes, 0, out.length)).toEqual({ kind: ContactKind.EMAIL, contact: "jane@example.com" });
  });

  it("rejects an unknown default country by field", () => {
    expect(() => resolveCountry("XX", undefined, "default_country")).toThrow(/default_country: 'XX' is not a known/);
    expect(resolveCountry("", "GB", "default_country")).toBe("GB");
  });
});
