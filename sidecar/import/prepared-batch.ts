// A batch of rows made into entries for one write, each entry remembering
// its row and checked against the entry rules, so the list's verdicts on
// entries become verdicts on rows.

import type { CountryCode } from "libphonenumber-js";
import { checkEntry, type Checked, type ValidScope } from "../engine/entry-rules.js";
import type { Entry } from "../gen/dnc/v1/types_pb.js";
import { isBlank, type RowBatch } from "./row-batch.js";
import type { RowMapper } from "./row-mapper.js";

export interface PreparedBatch {
  batch: RowBatch;
  entries: Entry[];
  /**
   * checkEntry's verdict on each entry: made as the batch is read, which an
   * import does while the batch before it commits, not in the write's turn.
   */
  checked: Checked<ValidScope>[];
  /** The row number of each entry. */
  entryRows: number[];
  /** Rows refused before they reach the list, by row number. */
  refused: Map<number, string>;
  /** What the history keeps of each of those rows. */
  refusedRecords: Map<number, Entry>;
  /** Data rows in the batch: not skipped, not the header, not blank. */
  rowsRead: number;
  /** The row number of the batch's last row. */
  lastRow: number;
}

/** `dataStart`: the row number of the first data row; `country`, the import's, for national numbers. */
export function prepareBatch(batch: RowBatch, dataStart: number, mapper: RowMapper, country: CountryCode | undefined): PreparedBatch {
  const entries: Entry[] = [];
  const checked: Checked<ValidScope>[] = [];
  const entryRows: number[] = [];
  const refused = new Map<number, string>();
  const refusedRecords = new Map<number, Entry>();
  let rowsRead = 0;
  const { rows, firstRow, errors } = batch;
  for (let i = Math.max(0, dataStart - firstRow); i < rows.length; i++) {
    const cells = rows[i]!;
    if (isBlank(cells)) continue;
    const rowNumber = firstRow + i;
    rowsRead++;
    const malformed = errors.get(rowNumber);
    if (malformed !== undefined) {
      refused.set(rowNumber, malformed);
      refusedRecords.set(rowNumber, mapper.refusedRecord(cells));
      continue;
    }
    const before = entries.length;
    const reason = mapper.map(cells, entries);
    if (reason !== undefined) {
      refused.set(rowNumber, reason);
      refusedRecords.set(rowNumber, mapper.refusedRecord(cells));
    }
    for (let k = before; k < entries.length; k++) {
      entryRows.push(rowNumber);
      checked.push(checkEntry(entries[k]!, country));
    }
  }
  return { batch, entries, checked, entryRows, refused, refusedRecords, rowsRead, lastRow: firstRow + rows.length - 1 };
}

/**
 * Lets go of the batch's rows and entries once its writes are recorded. The
 * write is then awaited until it is on disk; held that long, every row
 * outlived young collections, and a 1M-row import needed a major
 * collection, a pause of some 30 ms, every half second.
 */
export function releaseRows(p: PreparedBatch): void {
  p.batch.rows.length = 0;
  p.entries.length = 0;
  p.checked.length = 0;
}

/** The report's raw text: the row's cells joined, cut to a length a report can hold. */
const RAW_CHARS = 1000;

/**
 * A cell quoted where the joined text would misread it otherwise: it holds
 * the delimiter or a line break, or starts with a quote. A quote further in
 * reads as itself, as the file had it.
 */
function quoted(cell: string, delimiter: string): string {
  return (delimiter !== "" && cell.includes(delimiter)) || /[\r\n]|^\s*"/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

export function rawRow(batch: RowBatch, rowNumber: number, delimiter: string): string {
  const raw = (batch.rows[rowNumber - batch.firstRow] ?? []).map((cell) => quoted(cell, delimiter)).join(delimiter);
  return raw.length > RAW_CHARS ? `${raw.slice(0, RAW_CHARS - 1)}…` : raw;
}
