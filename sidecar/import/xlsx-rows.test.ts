// A workbook's rows through exceljs's part readers, on LibreOffice
// workbooks whose sheets come before their shared strings in the zip: the
// sheet asked for by name, read over and over and side by side; no
// temporary file and no descriptor outlives a read, however it ends; and a
// damaged sheet fails the read, naming the part; a chart sheet is no sheet
// to read rows from; a part whose XML breaks off fails the read and keeps
// no file open.

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeZip, zipParts } from "../../test/support/rezip.js";
import { DEFAULT_IMPORT_SETTINGS } from "./import-settings.js";
import { xlsxRows, type WorkbookInfo } from "./xlsx-rows.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/import");

let dir: string;
let twoSheets: string;
let oneSheet: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "xlsx-rows-"));
  twoSheets = join(dir, "formulas-merged.xlsx");
  oneSheet = join(dir, "libreoffice-contacts.xlsx");
  copyFileSync(join(FIXTURES, "formulas-merged.xlsx"), twoSheets);
  copyFileSync(join(FIXTURES, "libreoffice-contacts.xlsx"), oneSheet);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function read(path: string, sheet: string, batchRows: number, info: WorkbookInfo = { sheets: [] }) {
  return xlsxRows(path, "book.xlsx", DEFAULT_IMPORT_SETTINGS, sheet, batchRows, 1000, info);
}

async function rowsOf(path: string, sheet: string): Promise<{ rows: string[][]; info: WorkbookInfo }> {
  const info: WorkbookInfo = { sheets: [] };
  const rows: string[][] = [];
  for await (const batch of read(path, sheet, 1000, info)) rows.push(...batch.rows);
  return { rows, info };
}

/** Descriptors this process holds on files in the test's directory, once a stream's close (a turn or two) has had a second. */
async function openInDir(): Promise<string[]> {
  const deadline = Date.now() + 1000;
  for (;;) {
    const open: string[] = [];
    for (const fd of readdirSync("/proc/self/fd")) {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        if (target.startsWith(dir)) open.push(target);
      } catch {
        // The descriptor readdir used itself is gone by now.
      }
    }
    if (open.length === 0 || Date.now() > deadline) return open;
    await setTimeout(10);
  }
}

describe("xlsxRows", () => {
  it("reads a later sheet by name, as often as asked, side by side", async () => {
    const first = await rowsOf(twoSheets, "Archive");
    expect(first.info.sheets).toEqual(["Opt-outs", "Archive"]);
    expect(first.rows[0]).toEqual(["Email"]);
    expect(first.rows).toHaveLength(3);
    for (let round = 0; round < 50; round++) {
      const again = await Promise.all([rowsOf(twoSheets, "Archive"), rowsOf(twoSheets, ""), rowsOf(twoSheets, "Archive")]);
      expect(again[0].rows).toEqual(first.rows);
      expect(again[1].rows[0]).not.toEqual(["Email"]);
      expect(again[2].rows).toEqual(first.rows);
    }
  });

  it("hands a batch over for good: a consumer that empties each before the next gets the same rows, numbered on", async () => {
    const kept: { firstRow: number; rows: string[][] }[] = [];
    for await (const batch of read(oneSheet, "", 2)) kept.push({ firstRow: batch.firstRow, rows: batch.rows });
    const emptied: { firstRow: number; rows: string[][] }[] = [];
    for await (const batch of read(oneSheet, "", 2)) {
      emptied.push({ firstRow: batch.firstRow, rows: [...batch.rows] });
      batch.rows.length = 0;
    }
    expect(kept.length).toBeGreaterThan(2);
    expect(emptied).toEqual(kept);
    expect(kept.map((b) => b.firstRow)).toEqual(kept.map((_, i) => 1 + 2 * i));
  });

  it("leaves no descriptor, however the read ends", async () => {
    // Read to the end; stopped after the first rows; failed by its reader; a sheet that is not there.
    await rowsOf(oneSheet, "");
    for (const [path, sheet] of [[oneSheet, ""], [twoSheets, ""], [twoSheets, "Archive"]] as const) {
      for await (const batch of read(path, sheet, 1)) {
        expect(batch.rows).toHaveLength(1);
        break;
      }
    }
    await expect(
      (async () => {
        for await (const _ of read(oneSheet, "", 1)) throw new Error("the import failed");
      })(),
    ).rejects.toThrow("the import failed");
    await expect(rowsOf(twoSheets, "Nowhere")).rejects.toThrow("no sheet named 'Nowhere'; the workbook has 'Opt-outs', 'Archive'");
    expect(await openInDir()).toEqual([]);
  });

  it("reads worksheets only: a chart sheet first is passed over, and one named is no sheet", async () => {
    const parts = await zipParts(twoSheets);
    const edit = (part: string, from: string, to: string) => parts.set(part, Buffer.from(parts.get(part)!.toString("utf8").replace(from, to)));
    edit("xl/workbook.xml", "<sheets>", '<sheets><sheet name="Chart" sheetId="9" r:id="rId9"/>');
    const chart = 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="./chartsheets/sheet1.xml"';
    edit("xl/_rels/workbook.xml.rels", "</Relationships>", `<Relationship Id="rId9" ${chart}/></Relationships>`);
    // The second worksheet's target through "./", as some writers give it.
    edit("xl/_rels/workbook.xml.rels", 'Target="worksheets/sheet2.xml"', 'Target="./worksheets/sheet2.xml"');
    parts.set("xl/chartsheets/sheet1.xml", Buffer.from('<?xml version="1.0"?><chartsheet/>'));
    const withChart = join(dir, "chart-first.xlsx");
    writeZip(withChart, parts);
    const first = await rowsOf(withChart, "");
    expect(first.info.sheets).toEqual(["Opt-outs", "Archive"]);
    expect(first.rows).toEqual((await rowsOf(twoSheets, "")).rows);
    expect((await rowsOf(withChart, "Archive")).rows[0]).toEqual(["Email"]);
    await expect(rowsOf(withChart, "Chart")).rejects.toThrow("no sheet named 'Chart'; the workbook has 'Opt-outs', 'Archive'");
  });

  it("fails on a part whose XML breaks off, keeping no file open", async () => {
    for (const part of ["xl/sharedStrings.xml", "xl/workbook.xml"]) {
      const parts = await zipParts(twoSheets);
      // Past the parser's first chunks, so that exceljs's reader leaves the stream waiting when it fails.
      parts.set(part, Buffer.concat([parts.get(part)!, Buffer.from("</oops>"), Buffer.alloc(3_000_000, "x")]));
      const broken = join(dir, "broken.xlsx");
      writeZip(broken, parts);
      await expect(rowsOf(broken, ""), part).rejects.toThrow(/^upload_id: the workbook could not be read: /);
      expect(await openInDir(), part).toEqual([]);
    }
  });

  it("fails on a damaged sheet, naming the part", async () => {
    const bytes = readFileSync(oneSheet);
    const sheet = bytes.indexOf("xl/worksheets/sheet1.xml");
    const dataStart = sheet + "xl/worksheets/sheet1.xml".length + bytes.readUInt16LE(sheet - 2);
    bytes.fill(0xff, dataStart + 16, dataStart + 80);
    const damaged = join(dir, "damaged.xlsx");
    writeFileSync(damaged, bytes);
    await expect(rowsOf(damaged, "")).rejects.toThrow(/^upload_id: 'xl\/worksheets\/sheet1\.xml' in 'book\.xlsx' is damaged: /);
    expect(await openInDir()).toEqual([]);
  });
});
