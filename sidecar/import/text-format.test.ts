// Sniffing a text file's format from its first bytes: BOMs, the delimiter
// that splits the lines alike (quoted ones ignored), old Mac line endings,
// and binary data refused.

import { describe, expect, it } from "vitest";
import { decoderFor, sniffText } from "./text-format.js";

const sniff = (text: string | Buffer) => sniffText(typeof text === "string" ? Buffer.from(text) : text, "f.csv");

describe("sniffText", () => {
  it("finds the delimiter that splits the lines into the same number of cells", () => {
    expect(sniff("a,b,c\n1,2,3\n4,5,6\n").delimiter).toBe(",");
    expect(sniff("a;b\n\"1,5\";2\n\"3,5\";4\n").delimiter).toBe(";");
    expect(sniff("a\tb\n1\t2\n").delimiter).toBe("\t");
    expect(sniff("+44 7700 900001\n+44 7700 900002\n").delimiter).toBe("");
    // One comma in a note does not make a single-column file comma-separated.
    expect(sniff("a;b\n1;2, or 3\n4;5\n6;7\n").delimiter).toBe(";");
  });

  it("reads the BOM, and the line ending of files with carriage returns only", () => {
    expect(sniff(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a;b\r\n")]))).toMatchObject({ encoding: "utf-8-bom", newline: "\n" });
    expect(sniff(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("a,b\n", "utf16le")]))).toMatchObject({ encoding: "utf-16le", delimiter: "," });
    expect(sniff("a,b\r1,2\r")).toMatchObject({ encoding: "utf-8", newline: "\r" });
  });

  it("refuses binary data, and warns about bytes that are not UTF-8", () => {
    expect(() => sniff(Buffer.from([0x50, 0x00, 0x01, 0x02, 0x03, 0x04]))).toThrow(/is not text/);
    expect(sniff(Buffer.from("name,note\nJos\xe9,x\n", "latin1")).warnings).toHaveLength(1);
  });

  it("decodes across chunk boundaries and drops the BOM", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("bjørn,é\n")]);
    const decoder = decoderFor("utf-8-bom");
    const text = [...bytes].map((b) => decoder.write(Uint8Array.of(b))).join("") + decoder.end();
    expect(text).toBe("bjørn,é\n");
  });
});
