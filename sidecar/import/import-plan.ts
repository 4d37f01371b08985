// What an import will read, worked out from the upload and the options
// before anything is written: the source and its format, the header and a
// preview of the first rows, the suggested mapping, and where the data
// starts. AnalyzeImport shows it; StartImport and the dry run read through it.

import { create } from "@bufbuild/protobuf";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { PreviewRowSchema, type PreviewRow } from "../gen/dnc/v1/admin_service_pb.js";
import type { ColumnMapping, ImportOptions } from "../gen/dnc/v1/import_pb.js";
import { isHeaderRow, isHeaderByName, mappingFromHeader, mappingFromRows } from "./header-mapping.js";
import type { ImportSettings } from "./import-settings.js";
import { openImportSource, type ImportSource, type TextSource } from "./import-source.js";
import { isBlank, type RowBatch } from "./row-batch.js";
import { SNIFF_BYTES, sniffText, type TextFormat } from "./text-format.js";
import { checkRowLengths, textRows } from "./text-rows.js";
import type { StoredUpload, UploadStore } from "./upload-store.js";
import { xlsxRows, type WorkbookInfo } from "./xlsx-rows.js";

const PREVIEW_ROWS = 20;
/** Rows read past the skipped ones to find the header and the preview: a file of blank lines is not read to its end. */
const PREVIEW_SCAN_ROWS = 10_000;
const PREVIEW_BATCH = 256;

export interface ImportPlan {
  upload: StoredUpload;
  source: ImportSource;
  /** For text files. */
  text: TextFormat | undefined;
  workbook: WorkbookInfo;
  /** The first row after the skipped ones is a header. */
  hasHeader: boolean;
  /** The column names: that header's, or, when the skipped rows hold the file's header (an import resumed with --skip), its. */
  header: string[];
  preview: PreviewRow[];
  /** Cells in the widest of the header and preview rows; undefined when the file has no rows to look at. */
  width: number | undefined;
  suggested: ColumnMapping[];
  /** The row number of the first data row. */
  dataStart: number;
  /** The whole file was read for the preview and holds no data row: an import would write nothing. */
  noDataRows: boolean;
  /** What a rejected row's cells are joined with in the report. */
  rawDelimiter: string;
  warnings: string[];
  /** The file's rows from the start, in batches. */
  rows(batchRows: number): AsyncGenerator<RowBatch>;
  /** Throws if any row of a text file is over the length limit; a workbook's rows are bounded by its cells. */
  checkRowLengths(): Promise<void>;
  close(): Promise<void>;
}

/** `signal` stops the work of a caller that went away (unpacking a zipped workbook can take a while). */
export async function planImport(uploads: UploadStore, uploadId: string, options: ImportOptions, settings: ImportSettings, signal?: AbortSignal): Promise<ImportPlan> {
  const upload = uploads.get(uploadId);
  const unpack = { unpacked: uploads.unpackedPath(upload.id), temp: join(uploads.dir, `${upload.id}.${randomUUID()}.xlsx.tmp`) };
  const source = await openImportSource(uploads.path(upload.id), upload.fileName, settings, unpack, upload.workbookChecked === true, signal);
  if (source.kind === "xlsx" && upload.workbookChecked !== true) await uploads.markWorkbookChecked(upload.id).catch(() => undefined);
  try {
    const text = source.kind === "text" ? sniffText(await head(source), upload.fileName) : undefined;
    const workbook: WorkbookInfo = { sheets: [] };
    const rows = async function* (batchRows: number): AsyncGenerator<RowBatch> {
      if (source.kind === "text") yield* textRows(await source.open(), text!, batchRows, settings.maxRowChars);
      else yield* xlsxRows(source.path, source.name, settings, options.sheet, Math.min(batchRows, settings.sheetBatchRows), source.bytesTotal, workbook);
    };
    const { first, leading, whole } = await firstRows(rows(PREVIEW_BATCH), options.skipRows);
    // An import resumed with --skip past committed rows starts among data rows: the file's own header, before the skipped rows, still names its columns.
    const leadingHeader = leading[0] !== undefined && isHeaderRow(leading[0].cells, (leading[1] ?? first[0])?.cells) ? leading[0] : undefined;
    // With the columns mapped, or a header already among the skipped rows, only a row that names a field is one: the next row is not asked.
    const guessed = () =>
      options.mapping.length > 0 || leadingHeader !== undefined ? isHeaderByName(first[0]!.cells) : isHeaderRow(first[0]!.cells, first[1]?.cells);
    const headerFirst = first.length > 0 && (options.hasHeader ?? guessed());
    const resumedHeader = headerFirst ? undefined : leadingHeader;
    const header = headerFirst ? first[0]!.cells : (resumedHeader?.cells ?? []);
    const data = (headerFirst ? first.slice(1) : first).slice(0, PREVIEW_ROWS);
    const widths = [header, ...data.map((r) => r.cells)].map((cells) => cells.length);
    return {
      upload,
      source,
      text,
      workbook,
      hasHeader: headerFirst,
      header,
      preview: data.map((r) => create(PreviewRowSchema, { rowNumber: BigInt(r.rowNumber), cells: r.cells })),
      width: first.length === 0 ? undefined : Math.max(...widths),
      suggested: headerFirst || resumedHeader !== undefined ? mappingFromHeader(header) : mappingFromRows(data.map((r) => r.cells)),
      dataStart: headerFirst ? first[0]!.rowNumber + 1 : options.skipRows + 1,
      noDataRows: data.length === 0 && whole,
      rawDelimiter: text?.delimiter || ",",
      warnings: text?.warnings ?? [],
      rows,
      checkRowLengths: async () => {
        if (source.kind === "text") await checkRowLengths(await source.open(), text!, settings.maxRowChars);
      },
      close: () => source.close(),
    };
  } catch (err: unknown) {
    await source.close();
    throw err;
  }
}

/** The first bytes, for sniffing the text format. */
async function head(source: TextSource): Promise<Uint8Array> {
  const stream = await source.open();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= SNIFF_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, SNIFF_BYTES);
}

interface NumberedRow {
  rowNumber: number;
  cells: string[];
}

/**
 * The first non-blank rows after the skipped ones (the header, if any, and
 * the preview), the first two of the skipped ones, and whether the file
 * ended within the rows looked at.
 */
async function firstRows(batches: AsyncGenerator<RowBatch>, skipRows: number): Promise<{ first: NumberedRow[]; leading: NumberedRow[]; whole: boolean }> {
  const first: NumberedRow[] = [];
  const leading: NumberedRow[] = [];
  for await (const batch of batches) {
    for (let i = 0; i < batch.rows.length; i++) {
      const rowNumber = batch.firstRow + i;
      if (isBlank(batch.rows[i]!)) continue;
      if (rowNumber <= skipRows) {
        if (leading.length < 2) leading.push({ rowNumber, cells: batch.rows[i]! });
        continue;
      }
      first.push({ rowNumber, cells: batch.rows[i]! });
      if (first.length === PREVIEW_ROWS + 1) return { first, leading, whole: false };
    }
    if (batch.firstRow + batch.rows.length > skipRows + PREVIEW_SCAN_ROWS) return { first, leading, whole: false };
  }
  return { first, leading, whole: true };
}
