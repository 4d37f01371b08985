// What a file format does for an export: turn rows of cells into bytes on a
// ChunkQueue, a row at a time, without holding the file.

export interface ExportEncoder {
  row(cells: readonly string[]): void;
  /** Resolves once the encoder's own backlog is small again; the export waits on it every few rows. */
  settle(): Promise<void>;
  /** Writes the end of the file; resolves once all of it is on the queue. */
  end(): Promise<void>;
}
