// What kind of file an upload is: its extension says which family it claims
// (text, a workbook, an archive), its first bytes say what it holds; the two
// must agree, so a workbook renamed .csv or an old binary .xls gets a clear
// word instead of garbage rows.

import { InvalidArgumentError } from "../errors.js";

export const SUPPORTED_EXTENSIONS = ["csv", "tsv", "txt", "xlsx", "zip"];
export const TEXT_EXTENSIONS = ["csv", "tsv", "txt"];

/** Lower-cased, without the dot; empty without one. */
export function fileExtension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0];

function startsWith(head: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => head[i] === b);
}

/**
 * Checks that the first bytes of `name` fit its extension; `field` is the
 * request field the problem is reported against.
 */
export function checkMagic(name: string, head: Uint8Array, field: string): void {
  const ext = fileExtension(name);
  const zip = startsWith(head, ZIP_MAGIC) || startsWith(head, EMPTY_ZIP_MAGIC);
  if (startsWith(head, OLE_MAGIC)) {
    throw new InvalidArgumentError(field, `'${name}' is an old binary Excel (.xls) or other OLE file: save it as .xlsx or .csv`);
  }
  if (TEXT_EXTENSIONS.includes(ext) && zip) {
    throw new InvalidArgumentError(field, `'${name}' is a zip archive or an .xlsx workbook, not text: name it .zip or .xlsx`);
  }
  if ((ext === "xlsx" || ext === "zip") && !zip) {
    throw new InvalidArgumentError(field, `'${name}' is not a zip container, as a .${ext} must be: it is damaged, or of another format`);
  }
}
