// Text limits count characters as a person would (code points, a surrogate
// pair as one), the same as the string iterator, without building an array.

import { describe, expect, it } from "vitest";
import { longerThan } from "./char-count.js";

describe("longerThan", () => {
  const cases = ["", "abc", "é".repeat(5), "😀".repeat(5), "a😀b😀", "\uD83D", "\uDE00\uD83D", "\uD83D\uD83D\uDE00", "x".repeat(7)];

  it("counts characters as the string iterator does, surrogate pairs as one and lone surrogates as one each", () => {
    for (const text of cases) {
      const chars = [...text].length;
      for (let max = 0; max <= 12; max++) expect(longerThan(text, max), `${JSON.stringify(text)} against ${max}`).toBe(chars > max);
    }
  });

  it("takes a long text of pairs by its characters, not its UTF-16 length", () => {
    expect(longerThan("😀".repeat(128), 128)).toBe(false);
    expect(longerThan("😀".repeat(129), 128)).toBe(true);
  });
});
