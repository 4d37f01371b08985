// One entry point for every contact the sidecar sees: infers the kind,
// dispatches to the phone, email or customer-id rules, and writes the binary
// key. The byte form serves the hot path; the string form serves admin calls
// and is the same code underneath.

import type { CountryCode } from "libphonenumber-js";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { InvalidArgumentError } from "../errors.js";
import { longerThan } from "./char-count.js";
import { KeyScratch, MAX_CONTACT_INPUT_BYTES, MAX_CUSTOMER_ID_CHARS, decodeKey } from "./contact-key.js";
import { normaliseEmail } from "./email-normaliser.js";
import { InvalidReason, invalidReasonText } from "./invalid-reason.js";
import { isKnownCountry, isValidE164, normalisePhone, writesTrunkZero } from "./phone-normaliser.js";


const AT = 64;

/** Infers the kind of `src[start..end)`: '@' means email, anything else phone. */
export function inferKind(src: Uint8Array, start: number, end: number): ContactKind {
  for (let i = start; i < end; i++) if (src[i] === AT) return ContactKind.EMAIL;
  return ContactKind.PHONE;
}

/**
 * Normalises `src[start..end)` as `kind` (UNSPECIFIED infers it) into `out`.
 * Returns 0, or an InvalidReason code.
 */
export function normaliseContactBytes(
  src: Uint8Array,
  start: number,
  end: number,
  kind: ContactKind,
  defaultCountry: CountryCode | undefined,
  out: KeyScratch,
): number {
  out.altLength = 0;
  if (end - start > MAX_CONTACT_INPUT_BYTES) return InvalidReason.TOO_LONG;
  if (end === start) return InvalidReason.EMPTY;
  if (kind === ContactKind.UNSPECIFIED) kind = inferKind(src, start, end);
  switch (kind) {
    case ContactKind.EMAIL:
      return normaliseEmail(src, start, end, out);
    case ContactKind.CUSTOMER_ID:
      return normaliseCustomerId(Buffer.from(src.buffer, src.byteOffset + start, end - start).toString("utf8"), out);
    default:
      return normalisePhone(src, start, end, defaultCountry, out);
  }
}

// Control characters, and unpaired surrogates that UTF-8 decoding leaves as U+FFFD.
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\uFFFD]/u;

function normaliseCustomerId(input: string, out: KeyScratch): number {
  const s = input.trim();
  if (s.length === 0 || longerThan(s, MAX_CUSTOMER_ID_CHARS) || NOT_PRINTABLE.test(s)) return InvalidReason.CUSTOMER_ID;
  out.bytes[0] = ContactKind.CUSTOMER_ID;
  out.length = 1 + Buffer.from(out.bytes.buffer, out.bytes.byteOffset + 1, out.bytes.length - 1).write(s, "utf8");
  out.kind = ContactKind.CUSTOMER_ID;
  return 0;
}

export type Normalised =
  | { ok: true; kind: ContactKind; contact: string; key: Uint8Array }
  | { ok: false; reason: string };

const scratch = new KeyScratch();
const INPUT = Buffer.alloc(1024);

/**
 * What a contact given as text is for. `add`: stored, so bare digits that
 * read as two numbers (KeyScratch.alt) become the one libphonenumber calls
 * valid, the national one when neither is or when both are in a country
 * whose national numbers are written without a trunk 0 (ten digits in the
 * US are a US number); where national numbers are written with their 0,
 * digits without it are as likely an MSISDN as a national number, and the
 * contact is refused rather than stored as a guess. `find`: looked up or
 * removed, so digits with two readings are refused, naming both: a lookup of
 * one would say "not blocked" of a recipient the filter blocks, and a
 * removal would lift someone's opt-out on a guess.
 */
export type ContactUse = "add" | "find";

/** The string form: normalises one contact for admin calls. */
export function normaliseContact(input: string, kind: ContactKind, defaultCountry: CountryCode | undefined, use: ContactUse): Normalised {
  // Most inputs fit the reused buffer (a UTF-16 unit is at most three UTF-8 bytes): a bulk add then copies no string out.
  const bytes = input.length * 3 <= INPUT.length ? INPUT.subarray(0, INPUT.write(input, "utf8")) : Buffer.from(input, "utf8");
  const code = normaliseContactBytes(bytes, 0, bytes.length, kind, defaultCountry, scratch);
  if (code !== 0) return { ok: false, reason: `contact ${invalidReasonText(code)}` };
  let key = scratch.bytes.slice(0, scratch.length);
  if (scratch.altLength > 0) {
    const alt = scratch.alt.slice(0, scratch.altLength);
    const national = decodeKey(key).contact;
    const international = decodeKey(alt).contact;
    // Validity is a pattern match the filter never needs: it is asked here, for the text form, only.
    const nationalValid = use === "add" && isValidE164(national);
    const internationalValid = use === "add" && isValidE164(international);
    if (use === "find" || (nationalValid && internationalValid && writesTrunkZero(defaultCountry!))) {
      const readings = `as a national number of ${defaultCountry} it is +${national}, as an international number +${international}`;
      return { ok: false, reason: `contact is ambiguous: ${readings}; write it with '+' and its country code` };
    }
    if (internationalValid && !nationalValid) key = alt;
  }
  const decoded = decodeKey(key);
  return { ok: true, kind: decoded.kind, contact: decoded.contact, key };
}

/** A request's contact kind: INVALID_ARGUMENT naming `field` for a number no kind has. */
export function checkedKind(kind: number, field: string): ContactKind {
  if (!Number.isInteger(kind) || kind < 0 || kind > ContactKind.CUSTOMER_ID) throw new InvalidArgumentError(field, `unknown value ${kind}`);
  return kind;
}

/**
 * Checks a request's default_country (ISO 3166 alpha-2, any case); empty
 * falls back to the server's. Throws InvalidArgumentError naming `field`.
 */
export function resolveCountry(value: string, serverDefault: CountryCode | undefined, field: string): CountryCode | undefined {
  if (value === "") return serverDefault;
  const upper = value.toUpperCase();
  if (!isKnownCountry(upper)) throw new InvalidArgumentError(field, `'${value}' is not a known ISO 3166 alpha-2 country code`);
  return upper;
}
