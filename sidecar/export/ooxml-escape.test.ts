import { describe, expect, it } from "vitest";
import { escapeOoxml, unescapeOoxml } from "./ooxml-escape.js";

describe("OOXML text escapes", () => {
  it("writes what XML cannot keep as _xHHHH_, and a literal _xHHHH_ with its underscore escaped", () => {
    expect(escapeOoxml("lone\rCR")).toBe("lone_x000D_CR");
    expect(escapeOoxml("a\u0001b\u0000c\uFFFE")).toBe("a_x0001_b_x0000_c_xFFFE_");
    expect(escapeOoxml("_x0041_ and _x00e9_")).toBe("_x005F_x0041_ and _x005F_x00e9_");
    expect(escapeOoxml("tab\tand\nline feed, _x12_, _xZZZZ_")).toBe("tab\tand\nline feed, _x12_, _xZZZZ_");
    // An entity's text, which exceljs's reader would decode a second time; any other ampersand stays.
    expect(escapeOoxml("AT&amp;T, &lt;&gt;&quot;&apos; & AT&T &copy; &AMP;")).toBe("AT_x0026_amp;T, _x0026_lt;_x0026_gt;_x0026_quot;_x0026_apos; & AT&T &copy; &AMP;");
  });

  it("reads them back exactly", () => {
    for (const text of ["", "plain", "CRLF\r\nnewline", "\rCR start", "ctl\u0001x", "_x0041_", "_x005F_x0041_", "__x000D__", "\uFFFF", "ünï ✓ 𝄞", "AT&amp;T &lt;"]) {
      expect(unescapeOoxml(escapeOoxml(text)), JSON.stringify(text)).toBe(text);
    }
  });

  it("reads a workbook's escapes as Excel writes them", () => {
    expect(unescapeOoxml("line one_x000D_\nline two")).toBe("line one\r\nline two");
    expect(unescapeOoxml("_x005f_x0041_")).toBe("_x0041_");
  });
});
