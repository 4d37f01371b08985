// Export rows as an XLSX workbook with one sheet, "entries", through
// exceljs's streaming WorkbookWriter: rows are committed as they come and
// the zip is written as it grows, every cell a string (with OOXML's escapes
// for what XML cannot hold).
//
// exceljs applies no back-pressure of its own: committed rows pile up in
// front of the compressor when rows come faster than deflate takes them.
// settle() waits for that pile (the worksheet's zip entry stream) to drain,
// which keeps memory flat whatever the number of rows.

import ExcelJS from "exceljs";
import { once } from "node:events";
import { Writable } from "node:stream";
import type { ChunkQueue } from "./chunk-queue.js";
import { decodeEntry } from "./entry-decoder.js";
import type { ExportEncoder } from "./export-encoder.js";
import { EXPORT_COLUMNS, entryCells } from "./export-columns.js";
import { escapeOoxml } from "./ooxml-escape.js";

const SHEET_NAME = "entries";

/** The exceljs internals settle() relies on (exceljs 4). */
interface WriterInternals {
  zip: NodeJS.EventEmitter;
}
/** archiver's PassThrough (readable-stream 2), which predates Writable#writableNeedDrain. */
interface EntryStream extends NodeJS.EventEmitter {
  _writableState?: { needDrain: boolean };
}
interface SheetInternals {
  stream: { pipes?: EntryStream[] };
}

export class XlsxEncoder implements ExportEncoder {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;
  /** Where committed rows wait for the compressor. */
  private readonly entryStream: EntryStream & { _writableState: { needDrain: boolean } };
  /** Rejects when the zip writer fails; raced against every wait, so none can hang. */
  private readonly failed: Promise<never>;

  constructor(out: ChunkQueue) {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk);
        done();
      },
    });
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: false, useSharedStrings: false });
    // Unheard, an archiver error would take the process down; it fails the export instead.
    const zip = (this.workbook as unknown as WriterInternals).zip;
    this.failed = new Promise<never>((_, reject) => zip.once("error", reject));
    this.failed.catch(() => undefined);
    this.sheet = this.workbook.addWorksheet(SHEET_NAME);
    const entryStream = (this.sheet as unknown as SheetInternals).stream.pipes?.[0];
    if (entryStream?._writableState === undefined) {
      throw new Error("exceljs: the worksheet's zip entry stream is not where exceljs 4 keeps it; the export cannot bound its memory");
    }
    this.entryStream = entryStream as XlsxEncoder["entryStream"];
  }

  header(): void {
    this.row(EXPORT_COLUMNS);
  }

  entry(bytes: Uint8Array, start: number, end: number): void {
    this.row(entryCells(decodeEntry(bytes, start, end)));
  }

  private row(cells: readonly string[]): void {
    this.sheet.addRow(cells.map(escapeOoxml)).commit();
  }

  async settle(): Promise<void> {
    if (this.entryStream._writableState.needDrain) await Promise.race([once(this.entryStream, "drain"), this.failed]);
  }

  async end(): Promise<void> {
    this.sheet.commit();
    await Promise.race([this.workbook.commit(), this.failed]);
  }
}
