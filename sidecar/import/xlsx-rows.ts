// The rows of one sheet of an .xlsx, a batch at a time: cells become text as
// a spreadsheet shows them (sheet-xml.ts), and rows the sheet leaves out
// count as empty so row numbers match the sheet's. The workbook's parts are
// read from the zip in the order the reading needs (its relationships, the
// workbook, the styles, the shared strings, then only the sheet asked for),
// each as it streams: exceljs's WorkbookReader.parse meets the sheets before
// the shared strings in the files Excel and LibreOffice write, and parks each
// in a temporary file until it is read to its end. Shared strings go into a
// packed table rather than a cache of JS strings (a few bytes a string
// beyond its text); the rows come a batch at a time. A workbook that names a
// shared string it lacks, or holds no worksheet, is refused, never read as
// rows of placeholder text or as a workbook without sheets.

import { posix } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DncError, InvalidArgumentError, messageOf } from "../errors.js";
import type { ImportSettings } from "./import-settings.js";
import { EMPTY_ROW, NO_ERRORS, type RowBatch } from "./row-batch.js";
import { SharedStringTable } from "./shared-string-table.js";
import { readStyleFormats } from "./date-formats.js";
import { sharedStrings, sheetRows } from "./sheet-xml.js";
import { readRelationships, readWorkbook } from "./workbook-xml.js";
import { ZipArchive } from "./zip-archive.js";

export interface WorkbookInfo {
  /** The sheets' names, in the workbook's order, once the workbook part is read. */
  sheets: string[];
}

const RELS = "xl/_rels/workbook.xml.rels";
const WORKBOOK = "xl/workbook.xml";
const SHARED_STRINGS = "xl/sharedStrings.xml";

/**
 * `sheet` empty: the first sheet. The workbook is the file at `path`, named
 * `name` in messages, already held to `settings`' limits and its checksums.
 * A batch's `bytesRead` is the share of `bytesTotal` the sheet read so far stands for.
 */
export async function* xlsxRows(
  path: string,
  name: string,
  settings: ImportSettings,
  sheet: string,
  batchRows: number,
  bytesTotal: number,
  info: WorkbookInfo,
): AsyncGenerator<RowBatch> {
  const archive = await ZipArchive.open(path, name, "upload_id");
  // A part whose XML fails halfway is left unread, holding the archive's file open.
  const opened: Readable[] = [];
  const open = async (part: string) => {
    const stream = await archive.openEntry(part, settings, name);
    opened.push(stream);
    return stream;
  };
  /** The workbook's parts and their inflated sizes. */
  const parts = new Map(archive.files.map((f) => [f.name, f.size]));
  try {
    if (!parts.has(RELS) || !parts.has(WORKBOOK)) throw new InvalidArgumentError("options.sheet", "the workbook has no sheet");
    const rels = await readRelationships(await open(RELS));
    const workbook = await readWorkbook(await open(WORKBOOK));
    // Worksheets only: a chart sheet holds no rows.
    const worksheets = workbook.sheets.flatMap((s) => {
      const rel = rels.find((r) => r.id === s.relId);
      return rel !== undefined && rel.type.endsWith("/worksheet") ? [{ name: s.name, part: partPath(rel.target) }] : [];
    });
    info.sheets = worksheets.map((s) => s.name);
    const wanted = sheet === "" ? worksheets[0] : worksheets.find((s) => s.name === sheet);
    if (wanted === undefined) {
      throw new InvalidArgumentError(
        "options.sheet",
        sheet === "" ? "the workbook has no sheet" : `no sheet named '${sheet}'; the workbook has ${info.sheets.map((s) => `'${s}'`).join(", ")}`,
      );
    }
    const part = wanted.part;
    if (!parts.has(part)) throw new InvalidArgumentError("upload_id", `the workbook could not be read: its sheet '${wanted.name}' is in '${part}', which it does not hold`);
    const stylesRel = rels.find((r) => r.type.endsWith("/styles"));
    const stylesPart = stylesRel === undefined ? undefined : partPath(stylesRel.target);
    const styles = {
      ...(stylesPart !== undefined && parts.has(stylesPart) ? await readStyleFormats(await open(stylesPart)) : { parts: [], digits: [] }),
      date1904: workbook.date1904,
    };
    const strings = new SharedStringTable();
    if (parts.has(SHARED_STRINGS)) {
      for await (const batch of sharedStrings(await open(SHARED_STRINGS))) for (const text of batch) strings.push(text);
    }
    const sheetBytes = parts.get(part)!;
    let inflated = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        inflated += chunk.length;
        done(null, chunk);
      },
    });
    const feeding = pipeline(await open(part), counted);
    // Its failure is what the sheet's reader throws; the rejection here is only kept from being unhandled.
    feeding.catch(() => undefined);
    const bytesRead = () => Math.min(bytesTotal, Math.round((bytesTotal * inflated) / Math.max(sheetBytes, 1)));
    let rows: string[][] = [];
    let firstRow = 1;
    let next = 1;
    // The batch is the consumer's once taken: it may empty it (prepared-batch.ts's releaseRows) before asking for the next.
    const take = (): RowBatch => {
      const batch: RowBatch = { firstRow, rows, errors: NO_ERRORS, bytesRead: bytesRead() };
      firstRow += rows.length;
      rows = [];
      return batch;
    };
    for await (const batch of sheetRows(counted, (index) => sharedString(strings, index), styles)) {
      for (const row of batch) {
        for (; next < row.number; next++) {
          rows.push(EMPTY_ROW);
          if (rows.length === batchRows) yield take();
        }
        rows.push(row.cells);
        next++;
        if (rows.length === batchRows) yield take();
      }
    }
    await feeding;
    if (rows.length > 0) yield take();
  } catch (err: unknown) {
    if (err instanceof DncError) throw err;
    throw new InvalidArgumentError("upload_id", `the workbook could not be read: ${messageOf(err)}`);
  } finally {
    for (const stream of opened) stream.destroy();
    archive.close();
  }
}

/** A relationship's target as the zip names the part: relative to xl/ ("./" and "../" resolved), or absolute from the package's root. */
function partPath(target: string): string {
  return target.startsWith("/") ? target.slice(1) : posix.normalize(posix.join("xl", target));
}

function sharedString(strings: SharedStringTable, index: number): string {
  const text = strings.get(index);
  if (text === undefined) {
    throw new InvalidArgumentError("upload_id", `the workbook could not be read: the workbook names shared string ${index}, which it does not hold`);
  }
  return text;
}
