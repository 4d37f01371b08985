import { describe, expect, it } from "vitest";
import { neutraliseFormula, startsFormula, unguardFormula } from "./formula-guard.js";

describe("neutraliseFormula", () => {
  it("prefixes an apostrophe to cells a spreadsheet would run", () => {
    for (const cell of ["=HYPERLINK(\"http://x\",\"y\")", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "=", "'=1"]) {
      expect(neutraliseFormula(cell), JSON.stringify(cell)).toBe(`'${cell}`);
    }
  });

  it("leaves other cells alone, phone numbers (stored without '+') among them", () => {
    for (const cell of ["", "447700900123", "jane@example.com", "a=b", " =1", "'quoted", "''", "x\r\n"]) {
      expect(neutraliseFormula(cell), JSON.stringify(cell)).toBe(cell);
    }
  });

  it("is undone exactly by unguardFormula", () => {
    for (const cell of ["", "=1", "'=1", "''=1", "'", "'x", "-", "x-", "@", "\t", "plain"]) {
      expect(unguardFormula(neutraliseFormula(cell)), JSON.stringify(cell)).toBe(cell);
    }
  });

  it("guards the same cells when it looks at their UTF-8 bytes", () => {
    const chars = [...Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)), "é", "✓", "😀"];
    for (const c of chars) {
      for (const cell of [c, `${c}x`, `'${c}`, `''${c}1`, `x${c}`]) {
        const bytes = Buffer.concat([Buffer.from("=+"), Buffer.from(cell), Buffer.from("@")]);
        expect(startsFormula(bytes, 2, bytes.length - 1), JSON.stringify(cell)).toBe(neutraliseFormula(cell) !== cell);
      }
    }
  });
});
