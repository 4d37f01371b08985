// Phone numbers to E.164 digits. Canonical international digits are checked
// against libphonenumber's possible lengths per country calling code without
// leaving the bytes; everything else (formatting, national numbers, numbers
// the table cannot vouch for) goes through libphonenumber-js itself.

import {
  Metadata,
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from "libphonenumber-js";
import { KeyScratch, writePhoneKey } from "./contact-key.js";
import { InvalidReason } from "./invalid-reason.js";

/** E.164 allows at most 15 digits. */
const MAX_E164_DIGITS = 15;

/**
 * Per calling code (0..999): which national numbers are possible (bit n set
 * for n digits), and which leading digits libphonenumber would strip as a
 * national or carrier prefix. A number whose national part starts with such a
 * prefix is not canonical, so it goes to libphonenumber.
 */
interface CallingCodeRules {
  lengths: number;
  /** Literal digit prefixes (a trunk prefix such as "0" or "8"). */
  prefixes: Uint8Array[];
  /** Anchored patterns; a non-empty match means libphonenumber strips something. */
  patterns: RegExp[];
}

/** NumberingPlan methods that libphonenumber-js has but does not declare in its typings. */
interface NumberingPlanPrefixes {
  possibleLengths(): number[];
  nationalPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
}

const rules = buildRules();

function buildRules(): (CallingCodeRules | undefined)[] {
  const table: (CallingCodeRules | undefined)[] = new Array(1000);
  const sources: Set<string>[] = [];
  const metadata = new Metadata();
  for (const country of getCountries()) {
    const cc = Number(getCountryCallingCode(country));
    metadata.selectNumberingPlan(country);
    const plan = metadata.numberingPlan as NumberingPlanPrefixes | undefined;
    if (plan === undefined) continue;
    const r = (table[cc] ??= { lengths: 0, prefixes: [], patterns: [] });
    for (const n of plan.possibleLengths()) r.lengths |= 1 << n;
    const prefix = plan.nationalPrefixForParsing() ?? plan.nationalPrefix();
    if (prefix) (sources[cc] ??= new Set()).add(prefix);
  }
  sources.forEach((set, cc) => {
    const r = table[cc]!;
    const literal = new Set<string>();
    const nonEmpty: string[] = [];
    for (const source of set) {
      if (/^\d+(\|\d+)*$/.test(source)) {
        for (const p of source.split("|")) literal.add(p);
      } else if (new RegExp(`^(?:${source})`).exec("")?.[0] === "") {
        r.patterns.push(new RegExp(`^(?:${source})`));
      } else {
        nonEmpty.push(`(?:${source})`);
      }
    }
    if (nonEmpty.length > 0) r.patterns.unshift(new RegExp(`^(?:${nonEmpty.join("|")})`));
    r.prefixes = [...literal].map((p) => Buffer.from(p, "latin1"));
  });
  return table;
}

function startsWithPrefix(src: Uint8Array, start: number, end: number, r: CallingCodeRules): boolean {
  for (const p of r.prefixes) {
    if (p.length > end - start) continue;
    let i = 0;
    while (i < p.length && src[start + i] === p[i]) i++;
    if (i === p.length) return true;
  }
  if (r.patterns.length === 0) return false;
  const nsn = Buffer.from(src.buffer, src.byteOffset, src.byteLength).toString("latin1", start, end);
  for (const pattern of r.patterns) {
    const m = pattern.exec(nsn);
    if (m !== null && m[0] !== "") return true;
  }
  return false;
}

export function isKnownCountry(country: string): country is CountryCode {
  return isSupportedCountry(country);
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const PLUS = 43;

function allDigits(src: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = src[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

/**
 * Whether international digits (no prefix) are certainly canonical and
 * possible: a known calling code, a possible length, and a national number
 * that does not start with a prefix libphonenumber would strip. `false` means "ask libphonenumber",
 * not "invalid".
 */
export function isCanonicalPossible(src: Uint8Array, start: number, end: number): boolean {
  const total = end - start;
  if (total > MAX_E164_DIGITS || total < 4) return false;
  let cc = 0;
  for (let ccLen = 1; ccLen <= 3; ccLen++) {
    cc = cc * 10 + (src[start + ccLen - 1]! - DIGIT_0);
    const r = rules[cc];
    if (r !== undefined) {
      const nsn = total - ccLen;
      return nsn < 32 && (r.lengths & (1 << nsn)) !== 0 && !startsWithPrefix(src, start + ccLen, end, r);
    }
  }
  return false;
}

/**
 * Normalises a phone number in `src[start..end)` into `out`.
 * Returns 0, or an InvalidReason code.
 */
export function normalisePhone(
  src: Uint8Array,
  start: number,
  end: number,
  defaultCountry: CountryCode | undefined,
  out: KeyScratch,
): number {
  if (end - start > 0 && src[start] === PLUS && allDigits(src, start + 1, end)) {
    if (isCanonicalPossible(src, start + 1, end)) {
      writePhoneKey(src, start + 1, end, out);
      return 0;
    }
  } else if (defaultCountry === undefined && allDigits(src, start, end)) {
    const from = end - start > 2 && src[start] === DIGIT_0 && src[start + 1] === DIGIT_0 ? start + 2 : start;
    if (isCanonicalPossible(src, from, end)) {
      writePhoneKey(src, from, end, out);
      return 0;
    }
  }
  return normalisePhoneSlow(Buffer.from(src.buffer, src.byteOffset + start, end - start).toString("latin1"), defaultCountry, out);
}

const FORMATTING = /[\s\-.()/\u00a0]/g;

function normalisePhoneSlow(input: string, defaultCountry: CountryCode | undefined, out: KeyScratch): number {
  let s = input.replace(FORMATTING, "");
  if (s.length === 0) return InvalidReason.EMPTY;
  let international = false;
  if (s.startsWith("+")) {
    s = s.slice(1);
    international = true;
  } else if (s.startsWith("00")) {
    s = s.slice(2);
    international = true;
  }
  if (s.length === 0 || !/^[0-9]+$/.test(s)) return InvalidReason.PHONE_CHARACTERS;
  let digits: string | undefined;
  if (international) {
    digits = possibleE164("+" + s);
  } else if (defaultCountry !== undefined) {
    // A national reading first; digits that are no possible national number
    // but a possible international one are the MSISDN form gateways send.
    digits = possibleE164(s, defaultCountry) ?? possibleE164("+" + s);
  } else {
    digits = possibleE164("+" + s);
    if (digits === undefined && s.startsWith("0")) return InvalidReason.NATIONAL_WITHOUT_COUNTRY;
  }
  if (digits === undefined) return InvalidReason.PHONE_NOT_POSSIBLE;
  const bytes = Buffer.from(digits, "latin1");
  writePhoneKey(bytes, 0, bytes.length, out);
  return 0;
}

function possibleE164(text: string, country?: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed === undefined || !parsed.isPossible()) return undefined;
  const e164 = parsed.number.slice(1);
  return e164.length <= MAX_E164_DIGITS ? e164 : undefined;
}
