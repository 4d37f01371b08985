// Cells a spreadsheet would run as a formula (CSV injection): a cell that
// starts with =, +, - or @ is read as one, and a leading tab or CR can hide
// such a start from a viewer that trims it. A leading apostrophe makes
// spreadsheets show the text as it is, without the apostrophe.
//
// The import undoes it with unguardFormula: a cell that already starts with
// apostrophes before such a character gets one more, so that taking one
// away always gives back the original, whatever it held.

const GUARDED = /^'*[=+\-@\t\r]/;

export function neutraliseFormula(cell: string): string {
  return GUARDED.test(cell) ? `'${cell}` : cell;
}

/** The inverse of neutraliseFormula, for cells read back from an export. */
export function unguardFormula(cell: string): string {
  return cell.startsWith("'") && GUARDED.test(cell) ? cell.slice(1) : cell;
}
