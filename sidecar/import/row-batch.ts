// Rows as every reader hands them over: a batch of rows numbered from the
// start of the file, so the report can name each one, without an object
// per row beyond its array of cells.

/** A reader keeps nothing of a batch it has handed over: its consumer may empty `rows`. */
export interface RowBatch {
  /** The 1-based row number of `rows[0]`; the rows that follow are numbered on from it. */
  firstRow: number;
  rows: string[][];
  /** Rows that could not be read as cells (malformed quoting), by row number, with why. */
  errors: ReadonlyMap<number, string>;
  /** Bytes of the source read so far. */
  bytesRead: number;
}

export const NO_ERRORS: ReadonlyMap<number, string> = new Map();

/** The row without its cells: a blank line, or an empty spreadsheet row. */
export const EMPTY_ROW: string[] = [];

export function isBlank(cells: string[]): boolean {
  for (const cell of cells) if (cell.trim() !== "") return false;
  return true;
}
