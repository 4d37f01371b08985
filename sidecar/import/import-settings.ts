// The bounds an import keeps to whatever file it is given, and how it
// batches its writes. `dnc serve --import-max-bytes` sets the file size;
// tests shrink the rest.

export interface ImportSettings {
  /** Largest upload, in bytes. */
  maxFileBytes: number;
  /** Largest uncompressed size of what a .zip (or the parts of an .xlsx) holds. */
  maxUnzippedBytes: number;
  /** Largest ratio of a zip entry's uncompressed size to its compressed size. */
  maxZipRatio: number;
  /** Longest row of a text file, in characters. */
  maxRowChars: number;
  /**
   * Rows of a text file per write: each batch is one LMDB transaction, and
   * its preparation and queueing run in one event-loop turn, which filter
   * calls arriving meanwhile wait out. Small batches keep that wait to
   * milliseconds while an import runs.
   */
  batchRows: number;
  /**
   * Rows of a sheet per write. A sheet's rows come through more layers than
   * a text file's (zip, XML, shared strings), and the heap's high-water mark
   * follows what is live at once: small batches keep a large workbook within
   * the memory bound.
   */
  sheetBatchRows: number;
  /** How long an upload is kept when no job completes it. */
  uploadTtlMs: number;
  /** How long an upload may go without a message or a chunk of its body, the first one included. */
  uploadIdleMs: number;
}

export const DEFAULT_IMPORT_SETTINGS: ImportSettings = {
  maxFileBytes: 150 * 1024 * 1024,
  maxUnzippedBytes: 1024 * 1024 * 1024,
  // Deflate reaches about 1000:1 on a run of one byte; text and spreadsheet
  // XML stay far below 100:1.
  maxZipRatio: 100,
  maxRowChars: 64 * 1024,
  batchRows: 1_000,
  sheetBatchRows: 1_000,
  uploadTtlMs: 24 * 3600 * 1000,
  uploadIdleMs: 60_000,
};
