// A workbook part's sheets and date system, and its relationships, as
// Excel and LibreOffice write them.

import { describe, expect, it } from "vitest";
import { readRelationships, readWorkbook } from "./workbook-xml.js";

async function* bytes(xml: string): AsyncGenerator<Buffer> {
  yield Buffer.from(xml, "utf8");
}

describe("workbook XML", () => {
  it("reads the date system from the workbook part, date1904 given as 1 or as true", async () => {
    const workbook = (pr: string) => bytes(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${pr}<sheets/></workbook>`);
    expect(await Promise.all(['<workbookPr date1904="1"/>', '<workbookPr date1904="true"/>', '<workbookPr date1904="false"/>', ""].map(async (pr) => (await readWorkbook(workbook(pr))).date1904))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it("reads the sheets in order with their relationship ids, under any prefix, and the relationships", async () => {
    const workbook = `\ufeff<?xml version="1.0" encoding="UTF-8"?>
      <x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
      <x:sheets><x:sheet name="Opt-outs &amp; more" sheetId="1" rel:id="rId2"/><x:sheet name="Chart" sheetId="2" rel:id="rId1"/></x:sheets></x:workbook>`;
    expect(await readWorkbook(bytes(workbook))).toEqual({
      sheets: [
        { name: "Opt-outs & more", relId: "rId2" },
        { name: "Chart", relId: "rId1" },
      ],
      date1904: false,
    });
    const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/>
      <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>
    </Relationships>`;
    expect((await readRelationships(bytes(rels))).map((r) => [r.id, r.type.split("/").pop(), r.target])).toEqual([
      ["rId1", "chartsheet", "chartsheets/sheet1.xml"],
      ["rId2", "worksheet", "/xl/worksheets/sheet1.xml"],
    ]);
  });
});
