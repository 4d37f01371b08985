// Date styles as Excel and LibreOffice write them, and the dates their
// serial numbers stand for in both date systems.

import { describe, expect, it } from "vitest";
import { DateParts, formatParts, readStyleFormats, serialText } from "./date-formats.js";
import { ZERO_DIGIT } from "./digit-formats.js";

async function* bytes(xml: string): AsyncGenerator<Buffer> {
  yield Buffer.from(xml, "utf8");
}

describe("date formats", () => {
  it("tells a date or time format code from a number's", () => {
    const cases: [string, DateParts][] = [
      ["yyyy-mm-dd", DateParts.DATE],
      ["dd/mm/yyyy", DateParts.DATE],
      ["[$-409]mmmm d, yyyy;@", DateParts.DATE],
      ["mmm", DateParts.DATE],
      ["h:mm AM/PM", DateParts.TIME],
      ["[h]:mm:ss", DateParts.ELAPSED],
      ["[mm]:ss", DateParts.ELAPSED],
      ["mm:ss.0", DateParts.TIME],
      ["yyyy-mm-dd hh:mm:ss", DateParts.DATE_TIME],
      ['"Day "d', DateParts.DATE],
      ['"a;b "yyyy-mm-dd', DateParts.DATE],
      ["General", DateParts.NONE],
      ["0.00%", DateParts.NONE],
      ["#,##0.00 [$€-407]", DateParts.NONE],
      ['0 "days"', DateParts.NONE],
      ["@", DateParts.NONE],
    ];
    expect(cases.map(([code]) => [code, formatParts(code)])).toEqual(cases);
  });

  it("reads each cell style's parts from the styles part, built-in formats and custom ones, ignoring cellStyleXfs", async () => {
    const styles = `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
      <numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/><numFmt numFmtId="165" formatCode="0.000"/><numFmt numFmtId="166" formatCode="00000000000"/></numFmts>
      <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
      <dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="0.00"/></dxf></dxfs>
      <cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="21"/><xf numFmtId="22"/><xf numFmtId="166"/></cellXfs>
    </styleSheet>`;
    const { parts, digits } = await readStyleFormats(bytes(styles));
    expect(parts).toEqual([DateParts.NONE, DateParts.DATE, DateParts.DATE, DateParts.NONE, DateParts.TIME, DateParts.DATE_TIME, DateParts.NONE]);
    expect(digits).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, Array<number>(11).fill(ZERO_DIGIT)]);
  });

  it("turns serials into the dates a spreadsheet shows, 1900-02-29 included", () => {
    expect([1, 59, 60, 61, 46037].map((s) => serialText(s, DateParts.DATE, false))).toEqual(["1900-01-01", "1900-02-28", "1900-02-29", "1900-03-01", "2026-01-15"]);
    expect(serialText(0, DateParts.DATE, true)).toBe("1904-01-01");
    expect(serialText(46037.999999, DateParts.DATE_TIME, false)).toBe("2026-01-16 00:00:00");
    expect(serialText(0.25, DateParts.TIME, false)).toBe("06:00:00");
    expect(serialText(-1, DateParts.DATE, false)).toBeUndefined();
    expect(serialText(1.5, DateParts.ELAPSED, false)).toBe("36:00:00");
  });
});
