// Phone numbers to E.164 digits. Canonical international digits are checked
// against libphonenumber's possible lengths per country calling code without
// leaving the bytes; everything else (formatting, national numbers, numbers
// the table cannot vouch for) goes through libphonenumber-js itself. Bare
// digits with a default country may be two numbers, and keep both readings.

import {
  Metadata,
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber,
} from "libphonenumber-js";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import { KeyScratch, packPhoneKey, writePhoneKey } from "./contact-key.js";
import { InvalidReason } from "./invalid-reason.js";

/** E.164 allows at most 15 digits. */
const MAX_E164_DIGITS = 15;

/**
 * Per calling code (0..999): which national numbers are possible (bit n set
 * for n digits) in every country that shares it, and which leading digits libphonenumber would strip as a
 * national or carrier prefix. A number whose national part may start with such
 * a prefix is not vouched for here: it goes to libphonenumber.
 */
interface CallingCodeRules {
  lengths: number;
  /** Literal digit prefixes (a trunk prefix such as "0" or "8"). */
  prefixes: Uint8Array[];
  /** Bit d set when some literal prefix starts with digit d: most numbers need no prefix compare. */
  prefixFirstDigits: number;
  /** Union of the patterns' length masks: most numbers need no pattern. */
  patternLengths: number;
  /** Anchored patterns, each run only for national numbers of a length in its mask. */
  patterns: StripPattern[];
}

interface StripPattern {
  regex: RegExp;
  /** Bit n set when the pattern can match n digits; all bits for "any length". */
  lengths: number;
}

const ANY_LENGTH = -1;
const MAX_LENGTH_BIT = 31;

/** NumberingPlan methods that libphonenumber-js has but does not declare in its typings. */
interface NumberingPlanPrefixes {
  possibleLengths(): number[];
  nationalPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
}

const rules = buildRules();

function buildRules(): (CallingCodeRules | undefined)[] {
  const table: (CallingCodeRules | undefined)[] = new Array(1000);
  const metadata = new Metadata();
  for (const country of getCountries()) {
    const cc = Number(getCountryCallingCode(country));
    metadata.selectNumberingPlan(country);
    const plan = metadata.numberingPlan as NumberingPlanPrefixes | undefined;
    if (plan === undefined) continue;
    let lengths = 0;
    for (const n of plan.possibleLengths()) lengths |= 1 << n;
    // Countries share a calling code (+1, +7, +44…) and libphonenumber judges a number by the one it picks:
    // only a length possible in all of them is vouched for here.
    const known = table[cc];
    const r = (table[cc] ??= { lengths, prefixes: [], prefixFirstDigits: 0, patternLengths: 0, patterns: [] });
    if (known !== undefined) r.lengths &= lengths;
    const source = plan.nationalPrefixForParsing() ?? plan.nationalPrefix();
    if (source) addStripRule(r, source);
  }
  for (const r of table) {
    if (r === undefined) continue;
    for (const p of r.prefixes) r.prefixFirstDigits |= 1 << (p[0]! - 48);
    for (const p of r.patterns) r.patternLengths |= p.lengths;
  }
  return table;
}

/**
 * Splits a national-prefix-for-parsing pattern into its top-level
 * alternatives: literal digits become byte prefixes, and an alternative
 * anchored with '$' only runs for the lengths it can match. A pattern with an
 * alternative that matches the empty string is kept whole, since alternation
 * order then decides what libphonenumber sees.
 */
function addStripRule(r: CallingCodeRules, source: string): void {
  const alternatives = topLevelAlternatives(source);
  if (alternatives.some((alt) => new RegExp(`^(?:${alt})`).exec("")?.[0] === "")) {
    r.patterns.push({ regex: new RegExp(`^(?:${source})`), lengths: ANY_LENGTH });
    return;
  }
  for (const alt of alternatives) {
    if (/^\d+$/.test(alt)) {
      if (!r.prefixes.some((p) => Buffer.from(p).toString("latin1") === alt)) r.prefixes.push(Buffer.from(alt, "latin1"));
    } else if (!r.patterns.some((p) => p.regex.source === `^(?:${alt})`)) {
      r.patterns.push({ regex: new RegExp(`^(?:${alt})`), lengths: alt.endsWith("$") && !alt.endsWith("\\$") ? lengthsOf(alt) : ANY_LENGTH });
    }
  }
}

function topLevelAlternatives(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push(source.slice(from, i));
      from = i + 1;
    }
  }
  out.push(source.slice(from));
  return out;
}

/**
 * The lengths an end-anchored alternative can match: with every digit, class
 * and \d made "any digit", a match depends on the length alone.
 */
function lengthsOf(alt: string): number {
  let blind = "";
  let braces = false;
  for (let i = 0; i < alt.length; i++) {
    const c = alt[i]!;
    if (c === "\\") {
      blind += alt[i + 1] === "d" ? "\\d" : c + alt[i + 1];
      i++;
    } else if (c === "[") {
      i = alt.indexOf("]", i);
      blind += "\\d";
    } else {
      if (c === "{") braces = true;
      if (c === "}") braces = false;
      blind += !braces && c >= "0" && c <= "9" ? "\\d" : c;
    }
  }
  const regex = new RegExp(`^(?:${blind})`);
  let mask = 0;
  for (let n = 1; n <= MAX_LENGTH_BIT; n++) if (regex.test("5".repeat(n))) mask |= 1 << n;
  return mask;
}

function startsWithPrefix(src: Uint8Array, start: number, end: number, r: CallingCodeRules): boolean {
  const bit = 1 << (end - start);
  if ((r.prefixFirstDigits & (1 << (src[start]! - 48))) === 0 && (r.patternLengths & bit) === 0) return false;
  for (const p of r.prefixes) {
    if (p.length > end - start) continue;
    let i = 0;
    while (i < p.length && src[start + i] === p[i]) i++;
    if (i === p.length) return true;
  }
  let nsn: string | undefined;
  for (const pattern of r.patterns) {
    if ((pattern.lengths & bit) === 0) continue;
    nsn ??= Buffer.from(src.buffer, src.byteOffset, src.byteLength).toString("latin1", start, end);
    const m = pattern.regex.exec(nsn);
    if (m !== null && m[0] !== "") return true;
  }
  return false;
}

/**
 * isCanonicalPossible's table in the form native/recipient-probe.c reads: per
 * calling code, [known, possible lengths, first digits of a literal prefix,
 * lengths a prefix pattern can match]. A number that might start with a
 * prefix is left to the JS here, which alone runs the patterns.
 */
export function canonicalRuleTable(): Int32Array {
  const table = new Int32Array(rules.length * 4);
  rules.forEach((r, cc) => {
    if (r === undefined) return;
    table.set([1, r.lengths, r.prefixFirstDigits, r.patternLengths], cc * 4);
  });
  return table;
}

/** Whether E.164 `digits` (no '+') are a valid number by libphonenumber's patterns, not only a possible length. Only adds ask, never the filter. */
export function isValidE164(digits: string): boolean {
  return parsePhoneNumberFromString(`+${digits}`)?.isValid() ?? false;
}

const trunkZero = new Map<CountryCode, boolean>();

/** Whether the country's national numbers are written with a trunk prefix of 0 (020 7946 0000 in GB), as most countries' are. */
export function writesTrunkZero(country: CountryCode): boolean {
  let zero = trunkZero.get(country);
  if (zero === undefined) {
    const metadata = new Metadata();
    metadata.selectNumberingPlan(country);
    zero = (metadata.numberingPlan as NumberingPlanPrefixes | undefined)?.nationalPrefix() === "0";
    trunkZero.set(country, zero);
  }
  return zero;
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
  // No calling code starts with 0: digits that do are a national number (or nothing), and summing the code's
  // digits would otherwise read "0612…" as calling code 61.
  if (total > MAX_E164_DIGITS || total < 4 || src[start] === DIGIT_0) return false;
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
  if (normaliseCanonical(src, start, end, defaultCountry, out)) return 0;
  const compact = stripFormatting(src, start, end);
  if (compact > 0 && normaliseCanonical(COMPACT, 0, compact, defaultCountry, out)) return 0;
  return normalisePhoneSlow(Buffer.from(src.buffer, src.byteOffset + start, end - start).toString("utf8"), defaultCountry, out);
}

/**
 * When `src[start..end)` is '+' and digits that are certainly canonical and
 * possible, packs the digits as a phone key into `dst` from `at`, checking
 * them in the same pass, and returns where the key ends (whatever the default
 * country); otherwise -1, with `dst` from `at` written over.
 */
export function packCanonicalE164(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  if (end - start < 2 || src[start] !== PLUS || !isCanonicalPossible(src, start + 1, end)) return -1;
  return packPhoneKey(src, start + 1, end, dst, at);
}

/** Digits (after an optional '+') the bytes can vouch for without libphonenumber: written to `out`, or false. */
function normaliseCanonical(src: Uint8Array, start: number, end: number, defaultCountry: CountryCode | undefined, out: KeyScratch): boolean {
  const keyEnd = packCanonicalE164(src, start, end, out.bytes, 0);
  if (keyEnd >= 0) {
    out.length = keyEnd;
    out.kind = ContactKind.PHONE;
    return true;
  }
  // Past here a '+' fails allDigits: "+digits" the table cannot vouch for go to libphonenumber.
  if (defaultCountry !== undefined || !allDigits(src, start, end)) return false;
  const from = end - start > 2 && src[start] === DIGIT_0 && src[start + 1] === DIGIT_0 ? start + 2 : start;
  if (!isCanonicalPossible(src, from, end)) return false;
  writePhoneKey(src, from, end, out);
  return true;
}

const COMPACT = new Uint8Array(64);

/**
 * Copies the number without the ASCII formatting the slow path removes too
 * (space, tab, - . ( ) /) into COMPACT; returns its length, or 0 when
 * anything else is there or nothing was removed (the slow path decides).
 */
function stripFormatting(src: Uint8Array, start: number, end: number): number {
  let o = 0;
  for (let i = start; i < end; i++) {
    const c = src[i]!;
    if ((c >= DIGIT_0 && c <= DIGIT_9) || (c === PLUS && o === 0)) {
      if (o === COMPACT.length) return 0;
      COMPACT[o++] = c;
    } else if (c !== 32 && c !== 9 && c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 47) {
      return 0;
    }
  }
  return o < end - start ? o : 0;
}

/** Spaces (the no-break and thin ones a spreadsheet or a word processor puts in too), dashes, dots, brackets, slashes. */
const FORMATTING = /[\s\-.()/\u2010-\u2015\u2212]/g;

/** What a spreadsheet shows, and some save, for a number too long for its column: 4.47712E+11. */
const SCIENTIFIC = /^\s*\+?\d(?:[.,]\d+)?E\+?\d+\s*$/i;

function normalisePhoneSlow(input: string, defaultCountry: CountryCode | undefined, out: KeyScratch): number {
  if (SCIENTIFIC.test(input)) return InvalidReason.SCIENTIFIC_NOTATION;
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
    // Gateways send MSISDNs as bare digits (447700900123), and spreadsheets national numbers without a trunk
    // prefix (2015550123 in the US): when bare digits are a possible number both ways, both readings are kept.
    // Formatting such as "(201) 555-0123" is a national number's, but for the filter (KeyScratch.forFilter).
    const national = possibleNumber(s, defaultCountry);
    const inter = national === undefined || s === input.trim() || out.forFilter ? possibleNumber("+" + s) : undefined;
    if (national !== undefined && inter !== undefined && national.number !== inter.number) {
      writeDigits(national.number.slice(1), out);
      const alt = Buffer.from(inter.number.slice(1), "latin1");
      out.altLength = packPhoneKey(alt, 0, alt.length, out.alt, 0);
      return 0;
    }
    digits = (national ?? inter)?.number.slice(1);
  } else {
    digits = possibleE164("+" + s);
    if (digits === undefined && s.startsWith("0")) return InvalidReason.NATIONAL_WITHOUT_COUNTRY;
  }
  if (digits === undefined) return InvalidReason.PHONE_NOT_POSSIBLE;
  writeDigits(digits, out);
  return 0;
}

function writeDigits(digits: string, out: KeyScratch): void {
  const bytes = Buffer.from(digits, "latin1");
  writePhoneKey(bytes, 0, bytes.length, out);
}

function possibleE164(text: string): string | undefined {
  return possibleNumber(text)?.number.slice(1);
}

function possibleNumber(text: string, country?: CountryCode): PhoneNumber | undefined {
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed === undefined || !parsed.isPossible()) return undefined;
  return parsed.number.length - 1 <= MAX_E164_DIGITS ? parsed : undefined;
}
