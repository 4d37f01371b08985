// The binary key a normalised contact is interned and stored under:
// one kind byte, then the payload. Phones are packed two digits a byte, so
// the hot path and the indexes never hold a contact as a JS string.

import { ContactKind } from "../gen/dnc/v1/types_pb.js";

export const MAX_CUSTOMER_ID_CHARS = 128;

/** Longest key: an email of 254 bytes, or a customer id of 128 characters of up to four bytes each. */
export const MAX_KEY_BYTES = 1 + 4 * MAX_CUSTOMER_ID_CHARS;

/**
 * Longest input accepted before any parsing: the longest customer id with
 * some white space around it (SPEC §3 bounds it in characters, not bytes).
 */
export const MAX_CONTACT_INPUT_BYTES = MAX_KEY_BYTES + 63;

/** Longest phone key: the kind byte and 15 digits, two a byte. */
export const MAX_PHONE_KEY_BYTES = 9;

/** A reusable buffer that normalisers write one key into. */
export class KeyScratch {
  readonly bytes = new Uint8Array(MAX_KEY_BYTES);
  length = 0;
  kind: ContactKind = ContactKind.UNSPECIFIED;
  /**
   * Digits without a prefix, given with a default country, can be two
   * numbers: `bytes` holds the national reading and `alt` the international
   * one (length 0 when the digits are one number). The filter blocks on
   * either; what adds and lookups make of them is ContactUse's to say.
   */
  readonly alt = new Uint8Array(MAX_PHONE_KEY_BYTES);
  altLength = 0;

  /**
   * `forFilter`: the digits keep both readings when formatted too
   * ("44 7700 900123"). Elsewhere formatting reads as a national number's,
   * but the filter blocks on either reading, and a send must not be allowed
   * for its spaces where the same digits written together are blocked.
   */
  constructor(readonly forFilter = false) {}
}

/** Packs ASCII digits `src[start..end)` as a phone key: nibble = digit + 1, 0 pads. */
export function writePhoneKey(src: Uint8Array, start: number, end: number, out: KeyScratch): void {
  out.length = packPhoneKey(src, start, end, out.bytes, 0);
  out.kind = ContactKind.PHONE;
}

/**
 * writePhoneKey's bytes, written into `dst` from `at`; returns where they
 * end, or -1 at the first byte that is not an ASCII digit (what was written
 * up to it is garbage).
 */
export function packPhoneKey(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  dst[at] = ContactKind.PHONE;
  let o = at + 1;
  let i = start;
  for (; i + 1 < end; i += 2) {
    const hi = src[i]! - 47;
    const lo = src[i + 1]! - 47;
    // A digit's nibble is 1..10: anything else is not a digit.
    if (hi < 1 || hi > 10 || lo < 1 || lo > 10) return -1;
    dst[o++] = (hi << 4) | lo;
  }
  if (i < end) {
    const hi = src[i]! - 47;
    if (hi < 1 || hi > 10) return -1;
    dst[o++] = hi << 4;
  }
  return o;
}

/** Writes a key whose payload is `src[start..end)` as is. */
export function writeRawKey(kind: ContactKind, src: Uint8Array, start: number, end: number, out: KeyScratch): void {
  out.bytes[0] = kind;
  out.bytes.set(src.subarray(start, end), 1);
  out.length = 1 + end - start;
  out.kind = kind;
}

/** A phone key's digits, unpacked: the string is then made in one step, not a character at a time. */
const DIGITS = Buffer.alloc(2 * MAX_KEY_BYTES);

/** The kind and the canonical contact string of a key. */
export function decodeKey(key: Uint8Array, start = 0, length = key.length): { kind: ContactKind; contact: string } {
  const kind = key[start] as ContactKind;
  if (kind === ContactKind.PHONE) {
    let n = 0;
    for (let i = start + 1; i < start + length; i++) {
      const hi = key[i]! >> 4;
      const lo = key[i]! & 15;
      DIGITS[n++] = hi + 47;
      if (lo !== 0) DIGITS[n++] = lo + 47;
    }
    return { kind, contact: DIGITS.toString("latin1", 0, n) };
  }
  return { kind, contact: Buffer.from(key.buffer, key.byteOffset + start + 1, length - 1).toString("utf8") };
}

/** FNV-1a over `bytes[start..end)`, finished with a multiply so low bits mix. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}
