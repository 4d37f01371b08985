// String.prototype.trim on UTF-8 bytes, without decoding them: where a
// sender or account name starts and ends once the white space around it is
// left out, as an add trims the names it stores (entry-rules.ts). The filter
// reads names straight from a request's bytes and must compare them the same
// way, or a gateway's padded "ACME " would pass an opt-out from "ACME".

/** The UTF-8 length of the white space or line terminator that starts at `i` (before `end`), or 0. */
function spaceAt(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i]!;
  if (b === 0x20 || (b >= 0x09 && b <= 0x0d)) return 1;
  if (b === 0xc2) return i + 1 < end && buf[i + 1] === 0xa0 ? 2 : 0;
  if (b < 0xe1 || b > 0xef || i + 2 >= end) return 0;
  const b1 = buf[i + 1]!;
  const b2 = buf[i + 2]!;
  switch (b) {
    case 0xe1: // U+1680
      return b1 === 0x9a && b2 === 0x80 ? 3 : 0;
    case 0xe2: // U+2000–U+200A, U+2028, U+2029, U+202F, U+205F
      return (b1 === 0x80 && ((b2 >= 0x80 && b2 <= 0x8a) || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf)) || (b1 === 0x81 && b2 === 0x9f) ? 3 : 0;
    case 0xe3: // U+3000
      return b1 === 0x80 && b2 === 0x80 ? 3 : 0;
    case 0xef: // U+FEFF
      return b1 === 0xbb && b2 === 0xbf ? 3 : 0;
    default:
      return 0;
  }
}

/** Where `buf[start..end)` starts without its leading white space. */
export function trimmedStart(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  for (let n = 0; i < end && (n = spaceAt(buf, i, end)) > 0; ) i += n;
  return i;
}

/** Where `buf[start..end)` ends without its trailing white space. */
export function trimmedEnd(buf: Uint8Array, start: number, end: number): number {
  let e = end;
  while (e > start) {
    const last = buf[e - 1]!;
    if (last === 0x20 || (last >= 0x09 && last <= 0x0d)) e--;
    else if (last === 0xa0 && e - 2 >= start && spaceAt(buf, e - 2, e) === 2) e -= 2;
    else if (last >= 0x80 && e - 3 >= start && spaceAt(buf, e - 3, e) === 3) e -= 3;
    else break;
  }
  return e;
}
