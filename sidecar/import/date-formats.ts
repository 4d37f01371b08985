// Which of a workbook's cell styles show a number as a date or a time (or as
// digits: digit-formats.ts), read from its styles part, and the text a date
// cell shows: a spreadsheet keeps
// 2026-01-15 as the number 46037 with a date format. Dates are written as
// ISO 8601 (2026-01-15, 13:30:00, 2026-01-15 13:30:00), whatever the format's
// own order of day and month, which a reader in another country would
// misread; an elapsed time ([h]:mm:ss) as its hours, past 24 too (36:00:00).

import type { SaxesTagPlain } from "saxes";
import { digitFormat, type DigitFormat } from "./digit-formats.js";
import { firstSection } from "./format-code.js";
import { localName, parsePart } from "./xml-part.js";

/** Bit 1: a date; bit 2: a time of day; ELAPSED alone: hours, minutes and seconds counted from zero. */
export type DateParts = 0 | 1 | 2 | 3 | 4;
export const DateParts = { NONE: 0, DATE: 1, TIME: 2, DATE_TIME: 3, ELAPSED: 4 } as const;

/**
 * The built-in number formats that show a date or a time (ECMA-376
 * §18.8.30). Ids 27 to 36 and 50 to 58 are the East Asian locales' own: read
 * as dates, as their Japanese and Korean forms are (a few Chinese ones are
 * times, which then show as the date their serial falls on).
 */
function builtIn(id: number): DateParts {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58)) return DateParts.DATE;
  if ((id >= 18 && id <= 21) || id === 45 || id === 47) return DateParts.TIME;
  if (id === 46) return DateParts.ELAPSED;
  return id === 22 ? DateParts.DATE_TIME : DateParts.NONE;
}

/** What a custom format code shows, from its first section, its quoted text, escapes and [colour] or [$locale] tags left out. */
export function formatParts(code: string): DateParts {
  const first = firstSection(code);
  if (/\[(?:h+|m+|s+)\]/i.test(first)) return DateParts.ELAPSED;
  const bare = first
    .replace(/"[^"]*"/g, "")
    .replace(/\\./g, "")
    .replace(/[_*]./g, "")
    .replace(/\[[^\]]*\]/g, "");
  if (/general/i.test(bare) || /[0#?]/.test(bare.replace(/[hms]\.0+/gi, ""))) return DateParts.NONE;
  const time = /[hs]/i.test(bare) || /am\/pm|a\/p/i.test(bare);
  const date = /[yd]/i.test(bare) || (/m/i.test(bare) && !/[hs]/i.test(bare));
  return ((date ? DateParts.DATE : 0) | (time ? DateParts.TIME : 0)) as DateParts;
}

/** What each cell style (the index a cell's `s` names) shows a number as: a date, digits with text around them, or neither. */
export interface StyleFormats {
  parts: DateParts[];
  digits: (DigitFormat | undefined)[];
}

/** Each cell style's formats, read from the workbook's styles part. */
export async function readStyleFormats(part: AsyncIterable<Buffer>): Promise<StyleFormats> {
  const custom = new Map<number, string>();
  const styleFormats: number[] = [];
  // Only the formats of <numFmts> and the styles of <cellXfs>: <dxfs> (conditional formats) and <cellStyleXfs> reuse both names.
  let within = "";
  const reading = parsePart<never>(part, (parser) => {
    parser.on("opentag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "numFmts" || name === "cellXfs") within = name;
      else if (name === "numFmt" && within === "numFmts") custom.set(Number(tag.attributes.numFmtId), tag.attributes.formatCode ?? "");
      else if (name === "xf" && within === "cellXfs") styleFormats.push(Number(tag.attributes.numFmtId ?? 0));
    });
    parser.on("closetag", (tag: SaxesTagPlain) => {
      if (localName(tag) === within) within = "";
    });
  });
  for await (const _ of reading);
  const formats: StyleFormats = { parts: [], digits: [] };
  for (const id of styleFormats) {
    const code = custom.get(id);
    const parts = code === undefined ? builtIn(id) : formatParts(code);
    formats.parts.push(parts);
    formats.digits.push(code === undefined || parts !== DateParts.NONE ? undefined : digitFormat(code));
  }
  return formats;
}

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, "0");

/**
 * The text a cell holding `serial` shows under a format with these parts,
 * or undefined for a number no date is (negative, or out of range). In the
 * 1900 system Excel counts 1900-02-29, a day that never was: serials from 61
 * on are a day later than their count from 1899-12-31.
 */
export function serialText(serial: number, parts: DateParts, date1904: boolean): string | undefined {
  if (!(serial >= 0) || serial > 2_958_465) return undefined;
  const totalSeconds = Math.round(serial * 86_400);
  const clock = (seconds: number, hours: number) => `${pad(hours)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  if (parts === DateParts.ELAPSED) return clock(totalSeconds, Math.floor(totalSeconds / 3600));
  const days = Math.floor(totalSeconds / 86_400);
  const seconds = totalSeconds - days * 86_400;
  const time = clock(seconds, Math.floor(seconds / 3600));
  if (parts === DateParts.TIME) return time;
  let date: string;
  if (!date1904 && days === 60) date = "1900-02-29";
  else {
    const epoch = date1904 ? Date.UTC(1904, 0, 1) : days < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
    date = new Date(epoch + days * DAY_MS).toISOString().slice(0, 10);
  }
  return parts === DateParts.DATE ? date : `${date} ${time}`;
}
