// Export rows as CSV (RFC 4180): comma-separated, CRLF line ends, fields
// with a quote, comma or line break quoted. A UTF-8 byte order mark leads,
// so that spreadsheets read non-ASCII notes as UTF-8; the import accepts it.

import { CHUNK_BYTES, type ChunkQueue } from "./chunk-queue.js";
import type { ExportEncoder } from "./export-encoder.js";

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

function field(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replace(QUOTE, '""')}"` : cell;
}

export class CsvEncoder implements ExportEncoder {
  private text = "\uFEFF";

  constructor(private readonly out: ChunkQueue) {}

  row(cells: readonly string[]): void {
    let line = field(cells[0] ?? "");
    for (let i = 1; i < cells.length; i++) line += `,${field(cells[i]!)}`;
    this.text += `${line}\r\n`;
    // Characters, not bytes: a chunk of mostly ASCII text comes out near CHUNK_BYTES.
    if (this.text.length >= CHUNK_BYTES) this.flush();
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  end(): Promise<void> {
    this.flush();
    return Promise.resolve();
  }

  private flush(): void {
    this.out.push(Buffer.from(this.text, "utf8"));
    this.text = "";
  }
}
