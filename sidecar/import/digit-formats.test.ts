// Digit formats as spreadsheets write them for phone numbers kept as numbers,
// and the formats that are something else and must be left alone.

import { describe, expect, it } from "vitest";
import { digitFormat, digitText } from "./digit-formats.js";

function shown(code: string, value: number): string | undefined {
  const format = digitFormat(code);
  return format === undefined ? undefined : digitText(value, format);
}

describe("digit formats", () => {
  it("shows whole numbers with the zeros, spaces and text of their format", () => {
    expect(shown("00000000000", 7700900123)).toBe("07700900123");
    expect(shown("0000000000", 612345678)).toBe("0612345678");
    expect(shown("00000 000000", 7700900123)).toBe("07700 900123");
    expect(shown('"+"0', 447700900123)).toBe("+447700900123");
    expect(shown("\\+0", 447700900123)).toBe("+447700900123");
    expect(shown("+0", 447700900123)).toBe("+447700900123");
    expect(shown("[Blue]000", 7)).toBe("007");
    expect(shown('0 "days"', 5)).toBe("5 days");
    expect(shown("(000) 000-0000", 4155550123)).toBe("(415) 555-0123");
    expect(shown("000", 123456)).toBe("123456");
    expect(shown("#", 0)).toBe("");
    expect(shown("0", 0)).toBe("0");
    expect(shown("00;(00)", 5)).toBe("05");
    expect(shown("\\+General", 447700900123)).toBe("+447700900123");
    expect(shown("General", 447700900123)).toBe("447700900123");
    // Literal zeros and hashes are text, not placeholders (the usual way to keep a leading 0).
    expect(shown('"0"#', 612345678)).toBe("0612345678");
    expect(shown("\\0#", 612345678)).toBe("0612345678");
    expect(shown("\\00000000000", 447700900123)).toBe("0447700900123");
    expect(shown('#"0"', 612345678)).toBe("6123456780");
    expect(shown('0"#"', 5)).toBe("5#");
    expect(shown("00000000000_)", 7700900123)).toBe("07700900123 ");
    expect(shown("*-0", 5)).toBe("5");
    expect(shown("[$€-407]0", 5)).toBe("€5");
    expect(shown("[$+39-410]0", 612345678)).toBe("+39612345678");
    expect(shown('"a;b"0;-0', 5)).toBe("a;b5");
    expect(shown("0000000000", 612345678.6)).toBe("0612345679");
  });

  it("leaves other formats, and numbers that are negative or too large, to be read as written", () => {
    for (const code of ["0.00", "#,##0", "0%", "0.00E+00", "# ?/?", "@", "yyyy", "[<100]000", '"unterminated 0']) {
      expect(digitFormat(code), code).toBeUndefined();
    }
    const format = digitFormat("00000000000")!;
    expect(digitText(-7, format)).toBeUndefined();
    expect(digitText(2 ** 60, format)).toBeUndefined();
  });
});
