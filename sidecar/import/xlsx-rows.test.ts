// A workbook's rows through exceljs's stream reader, on LibreOffice
// workbooks whose sheets come before their shared strings, so that exceljs
// parks them in temporary files: the sheet asked for by name, after one it
// skips, read over and over; and no parked file or descriptor outlives a
// read, however it ends.

import { createReadStream, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { setTimeout } from "node:timers/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { xlsxRows, type SheetParking, type WorkbookInfo } from "./xlsx-rows.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/import");
const TWO_SHEETS = join(FIXTURES, "formulas-merged.xlsx");
const ONE_SHEET = join(FIXTURES, "libreoffice-contacts.xlsx");

let parking: SheetParking;
beforeEach(() => {
  parking = { dir: mkdtempSync(join(tmpdir(), "xlsx-rows-")), prefix: "upload-id" };
});
afterEach(() => rmSync(parking.dir, { recursive: true, force: true }));

function read(file: string, sheet: string, batchRows: number, info: WorkbookInfo = { sheets: [] }): AsyncGenerator<{ rows: string[][] }> {
  return xlsxRows(async () => createReadStream(file), sheet, batchRows, info, parking);
}

async function rowsOf(file: string, sheet: string): Promise<{ rows: string[][]; info: WorkbookInfo }> {
  const info: WorkbookInfo = { sheets: [] };
  const rows: string[][] = [];
  for await (const batch of read(file, sheet, 1000, info)) rows.push(...batch.rows);
  return { rows, info };
}

/**
 * The files in the parking directory, and the descriptors this process
 * holds on any of them, once a stream's close (a turn or two) has had a
 * second to happen.
 */
async function leftOver(): Promise<{ files: string[]; descriptors: string[] }> {
  const deadline = Date.now() + 1000;
  for (;;) {
    const found = leftOverNow();
    if ((found.files.length === 0 && found.descriptors.length === 0) || Date.now() > deadline) return found;
    await setTimeout(10);
  }
}

function leftOverNow(): { files: string[]; descriptors: string[] } {
  const descriptors: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(parking.dir)) descriptors.push(target);
    } catch {
      // The descriptor readdir used itself is gone by now.
    }
  }
  return { files: readdirSync(parking.dir), descriptors };
}

describe("xlsxRows", () => {
  it("reads a later sheet by name, skipping a parked one, as often as asked", async () => {
    const first = await rowsOf(TWO_SHEETS, "Archive");
    expect(first.info.sheets).toEqual(["Opt-outs", "Archive"]);
    expect(first.rows[0]).toEqual(["Email"]);
    expect(first.rows).toHaveLength(3);
    // An unread skipped sheet let its temporary file be deleted before exceljs's stream opened it: an
    // unhandled error that ended the process in some of these reads.
    for (let round = 0; round < 100; round++) {
      const again = await Promise.all([rowsOf(TWO_SHEETS, "Archive"), rowsOf(TWO_SHEETS, "Archive"), rowsOf(TWO_SHEETS, "Archive")]);
      for (const r of again) expect(r.rows).toEqual(first.rows);
    }
  });

  it("parks sheets where it is told, named from the prefix, and leaves none once read to the end", async () => {
    const seen = new Set<string>();
    for await (const _ of read(ONE_SHEET, "", 2)) for (const file of readdirSync(parking.dir)) seen.add(file);
    expect([...seen].length).toBe(1);
    expect([...seen][0]).toMatch(/^upload-id\.[0-9a-f-]{36}\.sheet\.tmp$/);
    expect(await leftOver()).toEqual({ files: [], descriptors: [] });
  });

  it("leaves no parked file or descriptor when its reader stops after the first rows", async () => {
    for (const [file, sheet] of [[ONE_SHEET, ""], [TWO_SHEETS, ""], [TWO_SHEETS, "Archive"]] as const) {
      for await (const batch of read(file, sheet, 1)) {
        expect(batch.rows).toHaveLength(1);
        expect(leftOverNow().files.length).toBeGreaterThan(0);
        break;
      }
      expect(await leftOver()).toEqual({ files: [], descriptors: [] });
    }
  });

  it("leaves none when its reader fails mid-sheet, nor when the sheet named is missing", async () => {
    await expect(
      (async () => {
        for await (const _ of read(ONE_SHEET, "", 1)) throw new Error("the import failed");
      })(),
    ).rejects.toThrow("the import failed");
    expect(await leftOver()).toEqual({ files: [], descriptors: [] });
    await expect(rowsOf(TWO_SHEETS, "Nowhere")).rejects.toThrow("no sheet named 'Nowhere'; the workbook has 'Opt-outs', 'Archive'");
    expect(await leftOver()).toEqual({ files: [], descriptors: [] });
  });
});

describe("xlsxRows on a file that fails to read", () => {
  it("throws the read's error, not a workbook short of parts, and leaves nothing parked", async () => {
    for (const file of [ONE_SHEET, TWO_SHEETS]) {
      const bytes = readFileSync(file);
      const failing = async () =>
        new Readable({
          read() {
            this.push(bytes.subarray(0, bytes.length >> 1));
            this.destroy(Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" }));
          },
        });
      await expect(
        (async () => {
          for await (const _ of xlsxRows(failing, "", 1, { sheets: [] }, parking));
        })(),
      ).rejects.toThrow("EIO: i/o error, read");
      expect(await leftOver()).toEqual({ files: [], descriptors: [] });
    }
  });
});
