// The rows of a text file, a batch at a time, straight from its bytes:
// decoded as sniffed, split into records and cells. Only the batch being
// filled and one read chunk are held, whatever the file's size.

import type { Readable } from "node:stream";
import { RecordSplitter } from "./record-splitter.js";
import { NO_ERRORS, type RowBatch } from "./row-batch.js";
import { decoderFor, type TextFormat } from "./text-format.js";

/** Reads the whole text to find a row over the length limit (RecordSplitter throws), holding no rows. */
export async function checkRowLengths(stream: Readable, format: TextFormat, maxRowChars: number): Promise<void> {
  const decoder = decoderFor(format.encoding);
  const splitter = new RecordSplitter(format.delimiter, format.newline, maxRowChars, false);
  const none: string[][] = [];
  const errors = new Map<number, string>();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) splitter.push(decoder.write(chunk), none, errors);
    splitter.push(decoder.end(), none, errors);
  } finally {
    stream.destroy();
  }
}

export async function* textRows(stream: Readable, format: TextFormat, batchRows: number, maxRowChars: number): AsyncGenerator<RowBatch> {
  const decoder = decoderFor(format.encoding);
  const splitter = new RecordSplitter(format.delimiter, format.newline, maxRowChars);
  const errors = new Map<number, string>();
  let rows: string[][] = [];
  let firstRow = 1;
  let bytesRead = 0;
  function take(count: number): RowBatch {
    const taken = count === rows.length ? rows : rows.slice(0, count);
    rows = count === rows.length ? [] : rows.slice(count);
    const batch: RowBatch = { firstRow, rows: taken, errors: errors.size === 0 ? NO_ERRORS : new Map(errors), bytesRead };
    firstRow += count;
    for (const row of errors.keys()) if (row < firstRow) errors.delete(row);
    return batch;
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      splitter.push(decoder.write(chunk), rows, errors);
      while (rows.length >= batchRows) yield take(batchRows);
    }
    splitter.push(decoder.end(), rows, errors);
    splitter.end(rows, errors);
    while (rows.length > 0) yield take(Math.min(batchRows, rows.length));
  } finally {
    stream.destroy();
  }
}
