// Text a workbook cannot hold as it is. XML has no place for most control
// characters, and its readers turn a carriage return into a line feed, so
// OOXML writes such a character as _xHHHH_ (its UTF-16 code in hex), and a
// literal "_xHHHH_" with its underscore escaped as _x005F_. Excel and
// LibreOffice write and read cells this way; the export writes them so,
// and the import reads them back.

/**
 * An underscore that would start an escape (escapes may share it:
 * "_x005F_x0041_"), a character XML cannot keep, or an ampersand that
 * starts the text of an entity: exceljs's reader decodes those in a text
 * cell a second time after its XML parser, so "AT&amp;T" would come back as
 * "AT&T" (another sender, or another customer's id).
 */
const LITERAL_OR_UNFIT = /_(?=x[0-9A-Fa-f]{4}_)|[\0-\x08\x0B-\x1F\uFFFE\uFFFF]|&(?=(?:lt|gt|amp|apos|quot);)/g;
const ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, "0");
}

export function escapeOoxml(text: string): string {
  return text.replace(LITERAL_OR_UNFIT, (m) => `_x${hex4(m.charCodeAt(0))}_`);
}

export function unescapeOoxml(text: string): string {
  return text.includes("_x") ? text.replace(ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}
