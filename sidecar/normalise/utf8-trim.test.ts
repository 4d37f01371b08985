// The byte-level trim against String.prototype.trim itself: every white
// space it removes, neighbours it keeps, and random mixes.

import { describe, expect, it } from "vitest";
import { trimmedEnd, trimmedStart } from "./utf8-trim.js";

/** Every code point JavaScript's trim removes, and neighbours it keeps. */
const TRIMMED = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2000, 0x2005, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
const KEPT = [0x08, 0x0e, 0x21, 0x85, 0xa1, 0x1681, 0x200b, 0x200c, 0x2027, 0x202a, 0x2060, 0x3001, 0xfefe, 0x20ac, 0x1f600];

function trimBytes(text: string): string {
  const buf = Buffer.from(`«${text}»`, "utf8");
  const start = Buffer.byteLength("«");
  const end = buf.length - Buffer.byteLength("»");
  const s = trimmedStart(buf, start, end);
  return buf.toString("utf8", s, trimmedEnd(buf, s, end));
}

describe("utf8 trim", () => {
  it("trims what String.prototype.trim trims, and nothing else", () => {
    for (const cp of TRIMMED) {
      const ws = String.fromCodePoint(cp);
      expect(ws.trim(), cp.toString(16)).toBe("");
      expect(trimBytes(`${ws}ACME${ws}${ws}`), cp.toString(16)).toBe("ACME");
      expect(trimBytes(`A${ws}B`), cp.toString(16)).toBe(`A${ws}B`);
    }
    for (const cp of KEPT) {
      const ch = String.fromCodePoint(cp);
      expect(ch.trim(), cp.toString(16)).toBe(ch);
      expect(trimBytes(`${ch}x${ch}`), cp.toString(16)).toBe(`${ch}x${ch}`);
    }
  });

  it("agrees with String.prototype.trim on random mixes", () => {
    const pool = [...TRIMMED, ...KEPT, 0x41, 0x7a, 0xe9].map((cp) => String.fromCodePoint(cp));
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % pool.length;
    for (let n = 0; n < 5000; n++) {
      let text = "";
      for (let k = n % 9; k > 0; k--) text += pool[next()];
      expect(trimBytes(text)).toBe(text.trim());
    }
  });

  it("an all-space or empty span trims to nothing", () => {
    expect(trimBytes("")).toBe("");
    expect(trimBytes(" \u3000\t ")).toBe("");
  });
});
