// Page tokens: read back as written, in their own order only, and refused
// when this server could not have written them.

import { describe, expect, it } from "vitest";
import { cursorNumber, decodePageToken, encodePageToken } from "./page-token.js";

const forged = (text: string) => Buffer.from(text).toString("base64url");

describe("page tokens", () => {
  it("reads back what it wrote, in its own order only", () => {
    expect(decodePageToken(encodePageToken(2, "1a"), 2)).toBe("1a");
    expect(decodePageToken("", 2)).toBeUndefined();
    expect(() => decodePageToken(encodePageToken(1, "1a"), 2)).toThrow("page_token: issued for another order");
  });

  it("refuses a token it could not have written", () => {
    for (const text of ["dnc1..5", "dnc1. 0.5", "dnc1.0.5.anything", "dnc1.00.5", "dnc1.0x0.5", "dnc1.0.", "dnc1.0.5G", "dnc2.0.5", "dnc1.0", "garbage"]) {
      expect(() => decodePageToken(forged(text), 0), text).toThrow("page_token: not a token this server issued");
    }
    expect(() => cursorNumber("12a", 10)).toThrow("page_token: not a token this server issued");
    expect(() => cursorNumber("1".repeat(20), 16)).toThrow("page_token: not a token this server issued");
  });
});
