// The rows of one sheet of an .xlsx, a batch at a time, through exceljs's
// streaming WorkbookReader: cells become text as a spreadsheet shows them
// (a formula's saved result, rich text joined, a number as typed), and rows
// the sheet leaves out count as empty so row numbers match the sheet's.
// Shared strings are taken as exceljs emits them into a packed table rather
// than its cache of JS strings; exceljs then parks the sheets in temporary
// files until the workbook's end, so memory stays flat whatever the size;
// the read's ParkedSheets puts them in a place given and removes what is
// left of them when the read ends, however it ends.
// exceljs's own stream iteration lost parts of a workbook now and then;
// exceljs.ts loads it with a helper of ours that does not. A workbook that
// names a shared string it lacks, or holds no worksheet, is refused, never
// read as rows of placeholder text or as a workbook without sheets.

import ExcelJS from "./exceljs.js";
import { ParkedSheets } from "./exceljs-parked-sheets.js";
import type { CellValue, Row } from "exceljs";
import { Transform, type Readable } from "node:stream";
import { DncError, InvalidArgumentError } from "../errors.js";
import { EMPTY_ROW, NO_ERRORS, type RowBatch } from "./row-batch.js";
import { SharedStringTable } from "./shared-string-table.js";

export interface WorkbookInfo {
  /** The sheets' names, in the workbook's order, once the reader has seen them. */
  sheets: string[];
}

/** What exceljs's stream reader knows and its types leave out. */
interface ReaderModel {
  model?: { sheets?: { name: string }[] };
  /** Worksheets as { eventType: "worksheet" }; shared strings, in "emit" mode, as bare { index, text }. */
  parse(): AsyncGenerator<{ eventType?: string; value?: unknown; index?: number; text?: SharedText }>;
}

type SharedText = string | { richText: { text: string }[] } | null;

/** A cell that names a shared string, as exceljs leaves it when it does not cache them. */
interface SharedStringRef {
  sharedString: number;
}

/** Where a read parks the sheets exceljs meets before the shared strings: a directory, and a name prefix. */
export interface SheetParking {
  dir: string;
  prefix: string;
}

/** `sheet` empty: the first sheet. `open` gives the file from its start. */
export async function* xlsxRows(
  open: () => Promise<Readable>,
  sheet: string,
  batchRows: number,
  info: WorkbookInfo,
  parking: SheetParking,
): AsyncGenerator<RowBatch> {
  const input = await open();
  let bytesRead = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytesRead += chunk.length;
      done(null, chunk);
    },
  });
  // exceljs listens for no error on the stream it is given (one there would end the process), and waits for its
  // end: a read error ends it where the read stopped, and is what this read throws.
  let readFailure: { error: unknown } | undefined;
  input.on("error", (error: unknown) => {
    readFailure ??= { error };
    counted.end();
  });
  input.pipe(counted);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(counted, {
    worksheets: "emit",
    sharedStrings: "emit",
    hyperlinks: "ignore",
    styles: "ignore",
    entries: "ignore",
  });
  const strings = new SharedStringTable();
  const parked = new ParkedSheets(parking.dir, parking.prefix);
  const parts = (reader as unknown as ReaderModel).parse();
  try {
    for (;;) {
      const step = await parked.run(() => parts.next());
      if (step.done === true) break;
      const part = step.value;
      if (part.eventType === undefined && part.index !== undefined) {
        strings.push(sharedText(part.text ?? null));
        continue;
      }
      if (part.eventType !== "worksheet") continue;
      const worksheet = part.value as AsyncIterable<Row>;
      info.sheets = ((reader as unknown as ReaderModel).model?.sheets ?? []).map((s) => s.name);
      const name = (worksheet as unknown as { name: string }).name;
      if (name !== (sheet !== "" ? sheet : (info.sheets[0] ?? name))) {
        // A sheet exceljs parked in a temporary file comes as a stream it opens as it hands the sheet on and deletes
        // once the next part is asked for: unread, the stream's open can meet the deleted file, and its error, with
        // no listener yet, ends the process.
        for await (const _ of worksheet);
        continue;
      }
      let rows: string[][] = [];
      let firstRow = 1;
      let next = 1;
      for await (const row of worksheet) {
        for (; next < row.number; next++) {
          rows.push(EMPTY_ROW);
          if (rows.length === batchRows) {
            yield { firstRow, rows, errors: NO_ERRORS, bytesRead };
            firstRow += rows.length;
            rows = [];
          }
        }
        rows.push(cellsOf(row, strings));
        next++;
        if (rows.length === batchRows) {
          yield { firstRow, rows, errors: NO_ERRORS, bytesRead };
          firstRow += rows.length;
          rows = [];
        }
      }
      if (readFailure !== undefined) throw readFailure.error;
      if (rows.length > 0) yield { firstRow, rows, errors: NO_ERRORS, bytesRead };
      return;
    }
    throw new InvalidArgumentError(
      "options.sheet",
      sheet === "" ? "the workbook has no sheet" : `no sheet named '${sheet}'; the workbook has ${info.sheets.map((s) => `'${s}'`).join(", ")}`,
    );
  } catch (err: unknown) {
    if (readFailure !== undefined) throw readFailure.error;
    if (err instanceof DncError) throw err;
    throw new InvalidArgumentError("upload_id", `the workbook could not be read: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await parts.return(undefined);
    parked.removeAll();
    input.destroy();
    counted.destroy();
  }
}

function cellsOf(row: Row, strings: SharedStringTable): string[] {
  const values = row.values as (CellValue | SharedStringRef)[];
  const cells = new Array<string>(Math.max(values.length - 1, 0));
  for (let i = 1; i < values.length; i++) {
    const value = values[i];
    cells[i - 1] = isSharedString(value) ? sharedString(strings, value.sharedString) : cellText(value);
  }
  return cells;
}

function sharedString(strings: SharedStringTable, index: number): string {
  const text = strings.get(index);
  if (text === undefined) {
    throw new InvalidArgumentError("upload_id", `the workbook could not be read: the workbook names shared string ${index}, which it does not hold`);
  }
  return text;
}

function isSharedString(value: unknown): value is SharedStringRef {
  return typeof value === "object" && value !== null && "sharedString" in value;
}

function sharedText(text: SharedText): string {
  if (text === null) return "";
  return typeof text === "string" ? text : text.richText.map((r) => r.text).join("");
}

/**
 * A cell as text. exceljs drops the saved result of a formula that ended in
 * an error (#DIV/0!…): such a cell reads #ERROR, so a row that maps it is
 * refused with the cell in its raw text rather than taken as empty.
 */
function cellText(value: CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isNaN(value) ? "#ERROR" : String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return value.toISOString();
  if ("richText" in value) return value.richText.map((r) => r.text).join("");
  if ("formula" in value || "sharedFormula" in value) return value.result === undefined ? "#ERROR" : cellText(value.result as CellValue);
  if ("error" in value) return value.error;
  if ("text" in value) return cellText(value.text as CellValue);
  return "";
}
