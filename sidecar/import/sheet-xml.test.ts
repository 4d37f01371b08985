// The text of shared strings and cells as OOXML writes them: runs joined,
// phonetic readings and the white space between tags left out, entities
// decoded once, rows and cells without references placed after the ones
// before them; the same whatever the chunks the bytes arrive in.

import { describe, expect, it } from "vitest";
import { DateParts } from "./date-formats.js";
import { digitFormat } from "./digit-formats.js";
import { sharedStrings, sheetRows, type SheetRow } from "./sheet-xml.js";

const NO_DATES = { parts: [], digits: [], date1904: false };

async function* chunks(xml: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(xml, "utf8");
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function all<T>(batches: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of batches) out.push(...batch);
  return out;
}

const SST = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7">
  <si><t>plain</t></si>
  <si>
    <r><rPr><b/></rPr><t xml:space="preserve">Hello </t></r>
    <r><t>World</t></r>
  </si>
  <si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh><phoneticPr fontId="1"/></si>
  <si><t>AT&amp;amp;T</t></si>
  <si><t>line_x000D_break</t></si>
  <si><t/></si>
  <si><t>  padded  </t></si>
  <si><r><t>price_x00</t></r><r><t>41_ ok</t></r></si>
</sst>`;

const SHEET = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t xml:space="preserve">+44 7700 </t></r><r><t>900205</t></r><rPh><t>x</t></rPh></is></c></row>
<row r="3"><c r="A3"><v>447700900105</v></c><c r="B3" t="b"><v>1</v></c><c r="C3" t="e"><v>#N/A</v></c><c r="D3" s="2"/></row>
<row><c><f>1/0</f><v>#DIV/0!</v></c><c t="str"><f>A1&amp;"x"</f><v>AT&amp;amp;T</v></c><c><f>SUM(A1)</f></c><c><v>1E+20</v></c></row>
<row r="5"><c r="B5" t="inlineStr"><is><t>AT&amp;amp;T</t></is></c><c r="AB5" t="d"><v>2026-01-15T00:00:00Z</v></c></row>
</sheetData></worksheet>`;

describe("sheet XML", () => {
  it("reads each shared string as the text of its <t> elements, runs joined, readings left out", async () => {
    for (const size of [1, 7, 1 << 16]) {
      expect(await all(sharedStrings(chunks(SST, size)))).toEqual(["plain", "Hello World", "山田", "AT&amp;T", "line\rbreak", "", "  padded  ", "price_x0041_ ok"]);
    }
  });

  it("reads a prefixed namespace as the default one", async () => {
    const prefixed = `<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>a</x:t></x:si></x:sst>`;
    expect(await all(sharedStrings(chunks(prefixed, 5)))).toEqual(["a"]);
  });

  it("reads each cell's text by its type, placing rows and cells without references after the ones before", async () => {
    const shared = (index: number) => ["zero"][index] ?? `missing ${index}`;
    const expected: SheetRow[] = [
      { number: 1, cells: ["zero", "", "+44 7700 900205"] },
      { number: 3, cells: ["447700900105", "TRUE", "#N/A"] },
      { number: 4, cells: ["#ERROR", "AT&amp;T", "#ERROR", "100000000000000000000"] },
      { number: 5, cells: ["", "AT&amp;T", ...Array<string>(25).fill(""), "2026-01-15 00:00:00"] },
    ];
    for (const size of [1, 13, 1 << 16]) expect(await all(sheetRows(chunks(SHEET, size), shared, NO_DATES))).toEqual(expected);
  });

  it("fails on XML that is not well formed", async () => {
    await expect(all(sheetRows(chunks("<worksheet><sheetData><row><c><v>1</c></row>", 4), String, NO_DATES))).rejects.toThrow();
  });

  it("reads a number in a date style as its date, a formula's result too, and leaves other numbers as written", async () => {
    const sheet = `<worksheet><sheetData><row>
      <c s="1"><v>46037</v></c><c s="2"><v>0.5625</v></c><c s="3"><f>NOW()</f><v>46037.75</v></c><c s="4"><v>46037</v></c><c><v>46037</v></c><c s="1"><v>-3</v></c>
    </row></sheetData></worksheet>`;
    const dates = { parts: [DateParts.NONE, DateParts.DATE, DateParts.TIME, DateParts.DATE_TIME, DateParts.NONE], digits: [], date1904: false };
    expect(await all(sheetRows(chunks(sheet, 9), String, dates))).toEqual([
      { number: 1, cells: ["2026-01-15", "13:30:00", "2026-01-15 18:00:00", "46037", "46037", "-3"] },
    ]);
    expect((await all(sheetRows(chunks(sheet, 9), String, { ...dates, date1904: true })))[0]!.cells[0]).toBe("2030-01-16");
    // A date cell (t="d") holds ISO 8601 already: shown as its style shows it.
    const iso = `<worksheet><sheetData><row><c t="d" s="1"><v>2026-01-15T13:30:00</v></c><c t="d" s="2"><v>2026-01-15T13:30:00</v></c><c t="d"><v>2026-01-15</v></c><c t="d"><v>soon</v></c></row></sheetData></worksheet>`;
    expect(await all(sheetRows(chunks(iso, 9), String, dates))).toEqual([{ number: 1, cells: ["2026-01-15", "13:30:00", "2026-01-15", "soon"] }]);
  });

  it("reads a number in a digit style with the zeros and text the style shows, rounded as it shows it; negative ones as written", async () => {
    const sheet = `<worksheet><sheetData><row>
      <c s="1"><v>7700900123.5</v></c><c s="2"><v>447700900123</v></c><c s="1"><v>-7</v></c><c><v>7700900123</v></c><c s="1" t="s"><v>0</v></c>
    </row></sheetData></worksheet>`;
    const styles = { parts: [], digits: [undefined, digitFormat("00000 000000"), digitFormat('"+"0')], date1904: false };
    expect(await all(sheetRows(chunks(sheet, 9), () => "0612345678", styles))).toEqual([
      { number: 1, cells: ["07700 900124", "+447700900123", "-7", "7700900123", "0612345678"] },
    ]);
  });

  it("keeps a dropped cell's inline text out of the next cell, reads CDATA and xsd:boolean values", async () => {
    const sheet = `<worksheet><sheetData><row r="1">
      <c r="A1" t="str"><is><t>not inline</t></is><v>kept</v></c><c r="B1" t="inlineStr"><is><t>ok</t></is></c>
      <c r="C1" t="b"><v>true</v></c><c r="D1" t="b"><v>false</v></c><c r="E1" t="str"><v><![CDATA[a<b]]></v></c>
    </row></sheetData></worksheet>`;
    expect(await all(sheetRows(chunks(sheet, 7), String, NO_DATES))).toEqual([{ number: 1, cells: ["kept", "ok", "TRUE", "FALSE", "a<b"] }]);
  });

  it("refuses a reference past the last column or row, and a shared string index that is not a number, rather than filling memory", async () => {
    const bad = [
      [`<c r="ZZZZZZZ1"><v>1</v></c>`, /past the last column, XFD/],
      [`<c r="XFE1"><v>1</v></c>`, /past the last column, XFD/],
      [`<c r="1"><v>1</v></c>`, /is not a cell reference/],
      [`<c r="@1"><v>1</v></c>`, /is not a cell reference/],
      [`<c r="A1" t="s"><v>1x</v></c>`, /names shared string '1x'/],
    ] as const;
    for (const [cell, message] of bad) {
      await expect(all(sheetRows(chunks(`<worksheet><sheetData><row r="1">${cell}</row></sheetData></worksheet>`, 64), String, NO_DATES))).rejects.toThrow(message);
    }
    await expect(all(sheetRows(chunks(`<worksheet><sheetData><row r="1048577"/></sheetData></worksheet>`, 64), String, NO_DATES))).rejects.toThrow(/row number from 1 to 1048576/);
    expect(await all(sheetRows(chunks(`<worksheet><sheetData><row r="1"><c r="XFD1"><v>1</v></c></row></sheetData></worksheet>`, 64), String, NO_DATES))).toEqual([
      { number: 1, cells: [...Array<string>(16383).fill(""), "1"] },
    ]);
    expect(await all(sheetRows(chunks(`<worksheet><sheetData><row r="1"><c r="b1"><v>2</v></c></row></sheetData></worksheet>`, 64), String, NO_DATES))).toEqual([
      { number: 1, cells: ["", "2"] },
    ]);
  });
});
