// Which of a workbook's cell styles show a number as a date or a time, read
// from its styles part, and the text such a cell shows: a spreadsheet keeps
// 2026-01-15 as the number 46037 with a date format, and an import that
// ignored the format stored "46037" in a note. Dates are written as ISO 8601
// (2026-01-15, 13:30:00, 2026-01-15 13:30:00), whatever the format's own
// order of day and month, which a reader in another country would misread.

import { SaxesParser, type SaxesTagPlain } from "saxes";

/** Bit 1: a date; bit 2: a time of day. */
export type DateParts = 0 | 1 | 2 | 3;
export const DateParts = { NONE: 0, DATE: 1, TIME: 2, DATE_TIME: 3 } as const;

/** The built-in number formats that show a date or a time (ECMA-376 §18.8.30, and the East Asian ones). */
function builtIn(id: number): DateParts {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) || (id >= 50 && id <= 58)) return DateParts.DATE;
  if ((id >= 18 && id <= 21) || id === 32 || id === 33 || (id >= 45 && id <= 47)) return DateParts.TIME;
  return id === 22 ? DateParts.DATE_TIME : DateParts.NONE;
}

/** What a custom format code shows, from its first section, its quoted text, escapes and [colour] or [$locale] tags left out. */
export function formatParts(code: string): DateParts {
  const first = code.split(";")[0]!;
  const elapsed = /\[(?:h+|m+|s+)\]/i.test(first);
  const bare = first
    .replace(/"[^"]*"/g, "")
    .replace(/\\./g, "")
    .replace(/[_*]./g, "")
    .replace(/\[[^\]]*\]/g, "");
  if (/general/i.test(bare) || /[0#?]/.test(bare.replace(/[hms]\.0+/gi, ""))) return elapsed ? DateParts.TIME : DateParts.NONE;
  const time = elapsed || /[hs]/i.test(bare) || /am\/pm|a\/p/i.test(bare);
  const date = /[yd]/i.test(bare) || (/m/i.test(bare) && !/[hs]/i.test(bare));
  return ((date ? DateParts.DATE : 0) | (time ? DateParts.TIME : 0)) as DateParts;
}

/** The date parts of each cell style (the index a cell's `s` names), read from the workbook's styles part. */
export async function readDateStyles(part: AsyncIterable<Buffer>): Promise<DateParts[]> {
  const parser = new SaxesParser();
  const custom = new Map<number, string>();
  const styleFormats: number[] = [];
  let inCellXfs = false;
  let failure: Error | undefined;
  parser.on("error", (err) => {
    failure ??= err;
  });
  parser.on("opentag", (tag: SaxesTagPlain) => {
    const name = tag.name.slice(tag.name.indexOf(":") + 1);
    if (name === "numFmt") custom.set(Number(tag.attributes.numFmtId), tag.attributes.formatCode ?? "");
    else if (name === "cellXfs") inCellXfs = true;
    else if (name === "xf" && inCellXfs) styleFormats.push(Number(tag.attributes.numFmtId ?? 0));
  });
  parser.on("closetag", (tag: SaxesTagPlain) => {
    if (tag.name.slice(tag.name.indexOf(":") + 1) === "cellXfs") inCellXfs = false;
  });
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of part) {
    parser.write(decoder.decode(chunk, { stream: true }));
    if (failure !== undefined) throw failure;
  }
  parser.write(decoder.decode()).close();
  if (failure !== undefined) throw failure;
  return styleFormats.map((id) => {
    const code = custom.get(id);
    return code === undefined ? builtIn(id) : formatParts(code);
  });
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
  let days = Math.floor(serial);
  let seconds = Math.round((serial - days) * 86_400);
  if (seconds === 86_400) {
    days++;
    seconds = 0;
  }
  let date: string;
  if (!date1904 && days === 60) date = "1900-02-29";
  else {
    const epoch = date1904 ? Date.UTC(1904, 0, 1) : days < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
    date = new Date(epoch + days * DAY_MS).toISOString().slice(0, 10);
  }
  const time = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  if (parts === DateParts.TIME) return time;
  if (parts === DateParts.DATE) return date;
  return `${date} ${time}`;
}
