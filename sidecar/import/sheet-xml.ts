// The text of a workbook's shared strings and of one worksheet's cells,
// read from their XML. A string is the text of its <t> elements, its runs
// joined and its phonetic readings (<rPh>) left out; a row or cell without a
// reference follows the one before it.

import type { SaxesTagPlain } from "saxes";
import { unescapeOoxml } from "../export/ooxml-escape.js";
import { DateParts, serialText, type StyleFormats } from "./date-formats.js";
import { digitText } from "./digit-formats.js";
import { localName, parsePart } from "./xml-part.js";

export interface SheetRow {
  /** From 1, as the sheet numbers it. */
  number: number;
  cells: string[];
}

/** The most rows and columns a sheet has (Excel's, 1,048,576 by XFD): a reference past them is a damaged sheet. */
const MAX_ROW = 1 << 20;
const MAX_COLUMN = 1 << 14;

/**
 * Tracks the <t> elements whose text is a string's: those of the string and
 * of its runs, not those of a phonetic reading (<rPh>).
 */
class StringText {
  private text = "";
  /** The <t> being read: its escapes are its own, never formed across two runs. */
  private run: string | undefined;
  private inReading = 0;

  open(name: string): void {
    if (name === "rPh") this.inReading++;
    else if (name === "t" && this.inReading === 0) this.run = "";
  }

  close(name: string): void {
    if (name === "rPh") this.inReading--;
    else if (name === "t" && this.run !== undefined) {
      this.text += unescapeOoxml(this.run);
      this.run = undefined;
    }
  }

  add(text: string): void {
    if (this.run !== undefined) this.run += text;
  }

  take(): string {
    const text = this.text;
    this.reset();
    return text;
  }

  /** Drops what a cell that was not kept held, so that it cannot join the next one's. */
  reset(): void {
    this.text = "";
    this.run = undefined;
    this.inReading = 0;
  }
}

/** The shared strings in index order, a batch per chunk of the part. */
export function sharedStrings(part: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const text = new StringText();
  let inString = false;
  return parsePart<string>(part, (parser, emit) => {
    parser.on("opentag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "si") inString = true;
      else if (inString) text.open(name);
    });
    const add = (t: string) => {
      if (inString) text.add(t);
    };
    parser.on("text", add);
    parser.on("cdata", add);
    parser.on("closetag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "si") {
        inString = false;
        emit(text.take());
      } else if (inString) text.close(name);
    });
  });
}

/** "AB12" (or "ab12", which LibreOffice reads too) → 28; throws past column XFD or for a reference that starts with no column letter. */
function columnOf(ref: string): number {
  let column = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i) & ~32;
    if (c < 65 || c > 90) break;
    column = column * 26 + (c - 64);
    if (column > MAX_COLUMN) throw new Error(`cell reference '${ref.slice(0, 20)}' is past the last column, XFD`);
  }
  if (i === 0) throw new Error(`'${ref.slice(0, 20)}' is not a cell reference`);
  return column;
}

function rowNumberOf(r: string): number {
  const row = /^\d+$/.test(r) ? Number(r) : 0;
  if (row < 1 || row > MAX_ROW) throw new Error(`'${r.slice(0, 20)}' is not a row number from 1 to ${MAX_ROW}`);
  return row;
}

/**
 * A t="d" cell's ISO 8601 value as its style shows it, in the forms
 * serialText writes: the date, the time, or both; as it is when it is not
 * a date and time of that form, or its style shows neither.
 */
function isoCellText(value: string, parts: DateParts): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}))?/.exec(value);
  if (m === null) return value;
  const time = m[2] ?? "00:00:00";
  if (parts === DateParts.DATE) return m[1]!;
  if (parts === DateParts.TIME) return time;
  return parts === DateParts.DATE_TIME || m[2] !== undefined ? `${m[1]} ${time}` : m[1]!;
}

/** The index a t="s" cell names. */
function stringIndex(value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`a cell names shared string '${value.slice(0, 20)}'`);
  return Number(value);
}

/** How the workbook shows numbers: each cell style's formats (date-formats.ts), and its date system. */
export interface NumberStyles extends StyleFormats {
  date1904: boolean;
}

/**
 * The rows of a worksheet, a batch per chunk of the part, each cell as text
 * as a spreadsheet shows it, but for number formats other than dates' and
 * digits': a formula's saved result, a shared string from `shared`, a number
 * in its shortest form (447700900123, 0.1, 1e+21), a number in a date style
 * as its date (date-formats.ts), a whole number in a digit style with its
 * zeros and text (digit-formats.ts: 07700900123, +447700900123), TRUE or FALSE. A formula whose result is an error, or missing, reads #ERROR, so a
 * row that maps it is refused with the cell in its text rather than taken as
 * empty.
 */
export function sheetRows(part: AsyncIterable<Buffer>, shared: (index: number) => string, styles: NumberStyles): AsyncGenerator<SheetRow[]> {
  let row: SheetRow | undefined;
  let lastRow = 0;
  let column = 0;
  let type = "";
  let style = 0;
  let formula = false;
  let value: string | undefined;
  let inValue = false;
  let inInline = false;
  const inline = new StringText();
  const cellText = (): string => {
    switch (type) {
      case "s":
        return value === undefined ? "" : shared(stringIndex(value));
      case "inlineStr":
        return inline.take();
      case "str":
        return value === undefined ? (formula ? "#ERROR" : "") : unescapeOoxml(value);
      case "b":
        return value === undefined ? (formula ? "#ERROR" : "") : value === "1" || value === "true" ? "TRUE" : "FALSE";
      case "e":
        return formula ? "#ERROR" : (value ?? "");
      case "d":
        return value === undefined ? "" : isoCellText(value, styles.parts[style] ?? DateParts.NONE);
      default: {
        if (value === undefined) return formula ? "#ERROR" : "";
        const number = Number.parseFloat(value);
        if (Number.isNaN(number)) return "#ERROR";
        const parts = styles.parts[style] ?? DateParts.NONE;
        if (parts !== DateParts.NONE) return serialText(number, parts, styles.date1904) ?? String(number);
        const digits = styles.digits[style];
        return (digits !== undefined ? digitText(number, digits) : undefined) ?? String(number);
      }
    }
  };
  return parsePart<SheetRow>(part, (parser, emit) => {
    parser.on("opentag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "row") {
        const r = tag.attributes.r;
        lastRow = r === undefined ? lastRow + 1 : rowNumberOf(r);
        if (lastRow > MAX_ROW) throw new Error(`the sheet has rows past row ${MAX_ROW}`);
        row = { number: lastRow, cells: [] };
        column = 0;
      } else if (name === "c" && row !== undefined) {
        const r = tag.attributes.r;
        column = r === undefined ? column + 1 : columnOf(r);
        if (column > MAX_COLUMN) throw new Error("the sheet has cells past the last column, XFD");
        type = tag.attributes.t ?? "n";
        inline.reset();
        inInline = false;
        style = tag.attributes.s === undefined ? 0 : Number.parseInt(tag.attributes.s, 10);
        formula = false;
        value = undefined;
      } else if (name === "f" && row !== undefined) {
        formula = true;
      } else if (name === "v") {
        inValue = true;
        value = "";
      } else if (name === "is") {
        inInline = true;
      } else if (inInline) {
        inline.open(name);
      }
    });
    const add = (t: string) => {
      if (inValue) value += t;
      else if (inInline) inline.add(t);
    };
    parser.on("text", add);
    parser.on("cdata", add);
    parser.on("closetag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "v") inValue = false;
      else if (name === "is") inInline = false;
      else if (inInline) inline.close(name);
      else if (name === "c" && row !== undefined && column > 0) {
        // A cell with no value (a merged range's covered cells, a styled blank) adds no trailing cells to the row.
        if (value !== undefined || formula || type === "inlineStr") {
          const cells = row.cells;
          while (cells.length < column - 1) cells.push("");
          cells[column - 1] = cellText();
        }
      } else if (name === "row" && row !== undefined) {
        emit(row);
        row = undefined;
      }
    });
  });
}
