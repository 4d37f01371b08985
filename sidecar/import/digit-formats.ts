// Number formats that show a whole number as digits with text around them:
// a spreadsheet keeps the national number 07700 900123 as 7700900123 shown
// through 00000000000, and +447700900123 as 447700900123 shown through
// "+"0. Read without the format, the leading zero or the plus is lost and
// the number becomes another one (an Italian landline's 0 is part of it).
// Formats with anything else (decimals, grouping, percent, exponents,
// fractions, conditions) are left out: their numbers are read as written.

/**
 * A format's parts in order: a '0' (a digit, 0 when the number has no more),
 * a '#' (a digit, nothing when it has none), or text shown as it is.
 */
export type DigitFormat = readonly string[];

/** Characters a format code shows as themselves without quotes (ECMA-376 §18.8.31), '/' aside (a fraction's). */
const PLAIN_LITERALS = new Set("$-+():!^&'~{}<>= ");

/** The digit format of a custom format code's first section, or undefined when it is not one. */
export function digitFormat(code: string): DigitFormat | undefined {
  const section = code.split(";")[0]!;
  const parts: string[] = [];
  let placeholders = 0;
  const text = (literal: string) => {
    const last = parts.length - 1;
    if (last >= 0 && parts[last] !== "0" && parts[last] !== "#") parts[last] += literal;
    else parts.push(literal);
  };
  for (let i = 0; i < section.length; i++) {
    const c = section[i]!;
    if (c === "0" || c === "#") {
      parts.push(c);
      placeholders++;
    } else if (section.slice(i, i + 7).toLowerCase() === "general") {
      // LibreOffice writes a number style with text and no decimals as \+General: a whole number shows as "0" shows it.
      parts.push("0");
      placeholders++;
      i += 6;
    } else if (c === '"') {
      const end = section.indexOf('"', i + 1);
      if (end < 0) return undefined;
      if (end > i + 1) text(section.slice(i + 1, end));
      i = end;
    } else if (c === "\\" && i + 1 < section.length) {
      text(section[++i]!);
    } else if (c === "[") {
      // A colour or a locale tag shows nothing; a condition ([<100]) makes the format another kind.
      const end = section.indexOf("]", i);
      if (end < 0 || /^\[[<>=]/.test(section.slice(i, end))) return undefined;
      i = end;
    } else if (PLAIN_LITERALS.has(c)) {
      text(c);
    } else {
      return undefined;
    }
  }
  return placeholders > 0 ? parts : undefined;
}

/**
 * The text `value` shows under `format`, or undefined when it is not a whole
 * number from 0 to 2^53 (read as written). As in a spreadsheet, digits fill
 * the placeholders from the right, and the first placeholder takes all the
 * digits left over.
 */
export function digitText(value: number, format: DigitFormat): string | undefined {
  if (!Number.isSafeInteger(value) || value < 0) return undefined;
  const digits = value === 0 ? "" : String(value);
  const first = format.findIndex((p) => p === "0" || p === "#");
  let left = digits.length;
  const out: string[] = new Array<string>(format.length);
  for (let i = format.length - 1; i >= 0; i--) {
    const part = format[i]!;
    if (part !== "0" && part !== "#") out[i] = part;
    else if (i === first) out[i] = left > 0 ? digits.slice(0, left) : part === "0" ? "0" : "";
    else if (left > 0) out[i] = digits[--left]!;
    else out[i] = part === "0" ? "0" : "";
  }
  return out.join("");
}
