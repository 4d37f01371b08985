// Email addresses: trimmed, lower-cased, the domain in its ASCII (punycode)
// form, syntax checked. ASCII input is validated and lower-cased straight
// from the bytes; anything else is converted first, then checked the same way.

import { domainToASCII } from "node:url";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import type { KeyScratch } from "./contact-key.js";
import { InvalidReason } from "./invalid-reason.js";

const MAX_EMAIL = 254;
const MAX_LOCAL = 64;
const MAX_LABEL = 63;
const AT = 64;
const DOT = 46;
const DASH = 45;

/** Characters allowed in a local part besides letters, digits and dots (RFC 5322 atext). */
const localChar = new Uint8Array(128);
const domainChar = new Uint8Array(128);
for (let c = 48; c <= 57; c++) localChar[c] = domainChar[c] = 1;
for (let c = 97; c <= 122; c++) localChar[c] = domainChar[c] = 1;
for (let c = 65; c <= 90; c++) localChar[c] = domainChar[c] = 1;
for (const ch of "!#$%&'*+/=?^_`{|}~-") localChar[ch.charCodeAt(0)] = 1;
domainChar[DASH] = 1;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Normalises an email in `src[start..end)` into `out`. Returns 0, or an InvalidReason code. */
export function normaliseEmail(src: Uint8Array, start: number, end: number, out: KeyScratch): number {
  if (end === start) return InvalidReason.EMPTY;
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (src[i]! >= 128) {
      ascii = false;
      break;
    }
  }
  if (ascii && !isSpace(src[start]!) && !isSpace(src[end - 1]!)) return checkAscii(src, start, end, out);
  return normaliseEmailSlow(Buffer.from(src.buffer, src.byteOffset + start, end - start).toString("utf8"), out);
}

function normaliseEmailSlow(input: string, out: KeyScratch): number {
  const s = input.trim();
  if (s.length === 0) return InvalidReason.EMPTY;
  const at = s.lastIndexOf("@");
  if (at <= 0 || at === s.length - 1) return InvalidReason.EMAIL_SYNTAX;
  const local = s.slice(0, at);
  if (/[^\x20-\x7e]/.test(local)) return InvalidReason.EMAIL_SYNTAX;
  const domain = domainToASCII(s.slice(at + 1).toLowerCase());
  if (domain === "") return InvalidReason.EMAIL_DOMAIN;
  const bytes = Buffer.from(local + "@" + domain, "latin1");
  return checkAscii(bytes, 0, bytes.length, out);
}

/** Validates ASCII `src[start..end)` while copying it lower-cased into `out`. */
function checkAscii(src: Uint8Array, start: number, end: number, out: KeyScratch): number {
  const len = end - start;
  if (len > MAX_EMAIL) return InvalidReason.EMAIL_SYNTAX;
  const b = out.bytes;
  b[0] = ContactKind.EMAIL;
  let o = 1;
  let at = -1;
  let prev = DOT;
  let labelLen = 0;
  let labels = 0;
  let lastLabelAllDigits = true;
  for (let i = start; i < end; i++) {
    let c = src[i]!;
    if (c >= 65 && c <= 90) c += 32;
    b[o++] = c;
    if (at < 0) {
      if (c === AT) {
        if (prev === DOT || i - start > MAX_LOCAL) return InvalidReason.EMAIL_SYNTAX;
        at = i;
        prev = DOT;
        continue;
      }
      if (c === DOT) {
        if (prev === DOT) return InvalidReason.EMAIL_SYNTAX;
      } else if (c >= 128 || localChar[c] !== 1) {
        return InvalidReason.EMAIL_SYNTAX;
      }
      prev = c;
      continue;
    }
    if (c === DOT) {
      if (labelLen === 0 || prev === DASH) return InvalidReason.EMAIL_SYNTAX;
      labels++;
      labelLen = 0;
      lastLabelAllDigits = true;
    } else {
      if (c >= 128 || domainChar[c] !== 1) return InvalidReason.EMAIL_SYNTAX;
      if (labelLen === 0 && c === DASH) return InvalidReason.EMAIL_SYNTAX;
      if (++labelLen > MAX_LABEL) return InvalidReason.EMAIL_SYNTAX;
      if (c < 48 || c > 57) lastLabelAllDigits = false;
    }
    prev = c;
  }
  if (at < 0 || labelLen === 0 || prev === DASH || labels === 0 || lastLabelAllDigits) {
    return InvalidReason.EMAIL_SYNTAX;
  }
  out.length = o;
  out.kind = ContactKind.EMAIL;
  return 0;
}
