// The record splitter against fast-csv on its own: the same cells for plain,
// quoted and multi-line rows however the text is cut into chunks, and the
// row length bound.

import { ParserOptions } from "@fast-csv/parse";
import { Parser } from "@fast-csv/parse/build/src/parser/Parser.js";
import { describe, expect, it } from "vitest";
import { RecordSplitter } from "./record-splitter.js";

function split(text: string, chunk: number, delimiter = ",", maxChars = 1000): { rows: string[][]; errors: Map<number, string> } {
  const splitter = new RecordSplitter(delimiter, "\n", maxChars);
  const rows: string[][] = [];
  const errors = new Map<number, string>();
  for (let i = 0; i < text.length; i += chunk) splitter.push(text.slice(i, i + chunk), rows, errors);
  splitter.end(rows, errors);
  return { rows, errors };
}

const SAMPLE = [
  "contact,channel,note",
  "+44 7700 900001,sms,plain",
  '+44 7700 900002,"sms","quoted, with a comma"',
  '+44 7700 900003,voice,"two\nlines"',
  '+44 7700 900004,sms,"said ""stop"" twice"',
  "",
  '  "spaced",x,"a\r\nb"',
  'inner"quote,y,z',
  "last,row,without newline",
].join("\r\n");

describe("RecordSplitter", () => {
  it("gives fast-csv's cells for every row, for any chunk size", () => {
    // fast-csv gives a blank line no cells; the splitter gives it one empty cell, as String.split does.
    const expected = new Parser(new ParserOptions({ delimiter: "," })).parse(SAMPLE, false).rows.map((r) => (r.length === 0 ? [""] : r));
    expect(expected).toHaveLength(9);
    for (const chunk of [1, 2, 3, 7, 64, SAMPLE.length]) {
      const { rows, errors } = split(SAMPLE, chunk);
      expect(errors.size).toBe(0);
      expect(rows, `chunk ${chunk}`).toEqual(expected);
    }
  });

  it("reports a malformed quoted row by its number and goes on", () => {
    const { rows, errors } = split('a,b\n"x"y,z\nc,d\n', 4);
    expect(rows).toEqual([["a", "b"], ['"x"y,z'], ["c", "d"]]);
    expect([...errors.keys()]).toEqual([2]);
    expect(errors.get(2)).toMatch(/^not valid CSV/);
  });

  it("says so when a quote is never closed", () => {
    const { rows, errors } = split('a,b\n"open,c\nd,e', 3);
    expect(rows).toEqual([["a", "b"], ['"open,c\nd,e']]);
    expect(errors.get(2)).toMatch(/not closed/);
  });

  it("reads a last row that ends with a quoted field and no line break, for any chunk size", () => {
    for (const [text, last] of [
      ['phone\n"+447700900701"', ["+447700900701"]],
      ['a,b\n+447700900703,"b"', ["+447700900703", "b"]],
      ['a,b\nx,"say ""stop"""', ["x", 'say "stop"']],
      ['a,b\nx,""', ["x", ""]],
    ] as const) {
      for (const chunk of [1, 2, 3, 1000]) {
        const { rows, errors } = split(text, chunk);
        expect(errors, `${JSON.stringify(text)} in chunks of ${chunk}`).toEqual(new Map());
        expect(rows.at(-1)).toEqual(last);
      }
    }
    expect(split('a,b\nx,"open""', 2).errors.get(2)).toMatch(/not closed/);
  });

  it("refuses a row longer than the bound, unclosed quote or not, before holding more of it", () => {
    expect(() => split(`a,b\n${"x".repeat(50)}\n`, 7, ",", 40)).toThrow(/row 2 is longer than 40 characters/);
    expect(() => split(`a,b\n"${"x".repeat(50)}`, 7, ",", 40)).toThrow(/row 2 is longer than 40 characters/);
    expect(split(`a,b\n${"x".repeat(40)}\n`, 7, ",", 40).rows).toHaveLength(2);
  });

  it("splits on semicolons and tabs, and keeps one column whole without a delimiter", () => {
    expect(split("a;b;c\n1;2;3\n", 2, ";").rows).toEqual([["a", "b", "c"], ["1", "2", "3"]]);
    expect(split("a\tb\n", 2, "\t").rows).toEqual([["a", "b"]]);
    expect(split("+44 7700, 900001\n", 5, "").rows).toEqual([["+44 7700, 900001"]]);
  });
});
