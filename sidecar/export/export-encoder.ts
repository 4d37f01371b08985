// What a file format does for an export: turn the header and the stored
// entries into bytes on a ChunkQueue, a row at a time, without holding the
// file.

export interface ExportEncoder {
  /** The row of column names; written first. */
  header(): void;
  /** The row of the dnc.v1.Entry encoded in `bytes[start, end)`, used only during the call. */
  entry(bytes: Uint8Array, start: number, end: number): void;
  /** Resolves once the encoder's own backlog is small again; the export waits on it every few rows. */
  settle(): Promise<void>;
  /** Writes the end of the file; resolves once all of it is on the queue. */
  end(): Promise<void>;
}
