// Number formats that show a whole number as digits with text around them:
// a spreadsheet keeps the national number 07700 900123 as 7700900123 shown
// through 00000000000, and +447700900123 as 447700900123 shown through
// "+"0. Read without the format, the leading zero or the plus is lost and
// the number becomes another one (an Italian landline's 0 is part of it).
// Formats with anything else (decimals, grouping, percent, exponents,
// fractions, conditions) are left out: their numbers are read as written.
// Only the first section counts (positive numbers; a zero shows through it
// too here, where a third section would show it otherwise).

import { firstSection } from "./format-code.js";

/** A placeholder: a digit, or 0 when the number has no more ('0'). */
export const ZERO_DIGIT = 0;
/** A placeholder: a digit, or nothing when the number has no more ('#'). */
export const ANY_DIGIT = 1;

/** A format's parts in order: placeholders, and text shown as it is. */
export type DigitFormat = readonly (typeof ZERO_DIGIT | typeof ANY_DIGIT | string)[];

/** Characters a format code shows as themselves without quotes (ECMA-376 §18.8.31), '/' aside (a fraction's). */
const PLAIN_LITERALS = new Set("$-+():!^&'~{}<>= ");

/** The digit format of a custom format code's first section, or undefined when it is not one. */
export function digitFormat(code: string): DigitFormat | undefined {
  const section = firstSection(code);
  const parts: (typeof ZERO_DIGIT | typeof ANY_DIGIT | string)[] = [];
  let placeholders = 0;
  const text = (literal: string) => {
    const last = parts.length - 1;
    if (last >= 0 && typeof parts[last] === "string") parts[last] += literal;
    else parts.push(literal);
  };
  for (let i = 0; i < section.length; i++) {
    const c = section[i]!;
    if (c === "0" || c === "#") {
      parts.push(c === "0" ? ZERO_DIGIT : ANY_DIGIT);
      placeholders++;
    } else if (section.slice(i, i + 7).toLowerCase() === "general") {
      // LibreOffice writes a number style with text and no decimals as \+General: a whole number shows as "0" shows it.
      parts.push(ZERO_DIGIT);
      placeholders++;
      i += 6;
    } else if (c === '"') {
      const end = section.indexOf('"', i + 1);
      if (end < 0) return undefined;
      if (end > i + 1) text(section.slice(i + 1, end));
      i = end;
    } else if ((c === "\\" || c === "_" || c === "*") && i + 1 < section.length) {
      // \x shows x; _x a space as wide as x; *x repeats x to fill the cell, which text has no width to do.
      i++;
      if (c === "\\") text(section[i]!);
      else if (c === "_") text(" ");
    } else if (c === "[") {
      // A colour tag shows nothing, a currency tag ([$€-407]) its symbol; a condition ([<100]) makes the format another kind.
      const end = section.indexOf("]", i);
      if (end < 0 || /^\[[<>=]/.test(section.slice(i, end))) return undefined;
      const currency = /^\[\$([^-\]]*)/.exec(section.slice(i, end));
      if (currency !== null && currency[1] !== "") text(currency[1]!);
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
 * The text `value` shows under `format`, or undefined when it is negative or
 * past 2^53 (read as written). As in a spreadsheet, a fraction is rounded (the
 * format shows no decimals), digits fill the placeholders from the right, and
 * the first placeholder takes all the digits left over.
 */
export function digitText(value: number, format: DigitFormat): string | undefined {
  const whole = Math.round(value);
  if (!Number.isSafeInteger(whole) || whole < 0) return undefined;
  const digits = whole === 0 ? "" : String(whole);
  const first = format.findIndex((p) => typeof p !== "string");
  let left = digits.length;
  const out: string[] = new Array<string>(format.length);
  for (let i = format.length - 1; i >= 0; i--) {
    const part = format[i]!;
    if (typeof part === "string") out[i] = part;
    else if (i === first) out[i] = left > 0 ? digits.slice(0, left) : part === ZERO_DIGIT ? "0" : "";
    else if (left > 0) out[i] = digits[--left]!;
    else out[i] = part === ZERO_DIGIT ? "0" : "";
  }
  return out.join("");
}
