// Cells a spreadsheet would run as a formula (CSV injection): a cell that
// starts with =, +, - or @ is read as one, and a leading tab or CR can hide
// such a start from a viewer that trims it. A leading apostrophe makes
// spreadsheets show the text as it is, without the apostrophe.
//
// The import undoes it with unguardFormula: a cell that already starts with
// apostrophes before such a character gets one more, so that taking one
// away always gives back the original, whatever it held.

const GUARDED = /^'*[=+\-@\t\r]/;
/** GUARDED's characters by byte, for startsFormula. */
const FORMULA_START = new Uint8Array(128);
for (const c of "=+-@\t\r") FORMULA_START[c.charCodeAt(0)] = 1;
const APOSTROPHE = 0x27;

export function neutraliseFormula(cell: string): string {
  return GUARDED.test(cell) ? `'${cell}` : cell;
}

/** The inverse of neutraliseFormula, for cells read back from an export. */
export function unguardFormula(cell: string): string {
  return cell.startsWith("'") && GUARDED.test(cell) ? cell.slice(1) : cell;
}

/**
 * Whether neutraliseFormula guards the text whose UTF-8 bytes are
 * `bytes[start, end)`: the characters it looks at are ASCII, which UTF-8
 * never uses inside a multi-byte character.
 */
export function startsFormula(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && bytes[i] === APOSTROPHE) i++;
  return i < end && FORMULA_START[bytes[i]!] === 1;
}
