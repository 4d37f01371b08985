// The XML of a workbook's shared strings and of one worksheet, read with a
// SAX parser into the text of each string and each cell. exceljs's stream
// readers changed text on the way: a shared string's phonetic reading
// (Excel writes one for Japanese typed with an input method) replaced its
// text, an inline string kept only its last run and was decoded twice, white
// space between tags joined a string, and a cell without a reference ended
// the read. Here a string is the text of its <t> elements, its runs joined,
// readings left out; a row or cell without a reference follows the one
// before it.

import { SaxesParser, type SaxesTagPlain } from "saxes";
import { unescapeOoxml } from "../export/ooxml-escape.js";
import { DateParts, serialText } from "./date-formats.js";

export interface SheetRow {
  /** From 1, as the sheet numbers it. */
  number: number;
  cells: string[];
}

/** A parser fed a part's bytes; `listen` sets its handlers, which `emit` what each chunk completes. */
async function* parse<T>(part: AsyncIterable<Buffer>, listen: (parser: SaxesParser, emit: (item: T) => void) => void): AsyncGenerator<T[]> {
  const parser = new SaxesParser();
  let out: T[] = [];
  listen(parser, (item) => out.push(item));
  let failure: Error | undefined;
  parser.on("error", (err) => {
    failure ??= err;
  });
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of part) {
    parser.write(decoder.decode(chunk, { stream: true }));
    if (failure !== undefined) throw failure;
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  parser.write(decoder.decode()).close();
  if (failure !== undefined) throw failure;
  if (out.length > 0) yield out;
}

function localName(tag: { name: string }): string {
  const colon = tag.name.indexOf(":");
  return colon < 0 ? tag.name : tag.name.slice(colon + 1);
}

/**
 * Tracks the <t> elements whose text is a string's: those of the string and
 * of its runs, not those of a phonetic reading (<rPh>).
 */
class StringText {
  text = "";
  private inText = false;
  private inReading = 0;

  open(name: string): void {
    if (name === "rPh") this.inReading++;
    else if (name === "t" && this.inReading === 0) this.inText = true;
  }

  close(name: string): void {
    if (name === "rPh") this.inReading--;
    else if (name === "t") this.inText = false;
  }

  add(text: string): void {
    if (this.inText) this.text += text;
  }

  take(): string {
    const text = unescapeOoxml(this.text);
    this.text = "";
    return text;
  }
}

/** The shared strings in index order, a batch per chunk of the part. */
export function sharedStrings(part: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const text = new StringText();
  let inString = false;
  return parse<string>(part, (parser, emit) => {
    parser.on("opentag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "si") inString = true;
      else if (inString) text.open(name);
    });
    parser.on("text", (t) => {
      if (inString) text.add(t);
    });
    parser.on("closetag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "si") {
        inString = false;
        emit(text.take());
      } else if (inString) text.close(name);
    });
  });
}

/** "AB12" → 28. */
function columnOf(ref: string): number {
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    column = column * 26 + (c - 64);
  }
  return column;
}

/** How the workbook shows numbers as dates: each cell style's date parts, and its date system. */
export interface DateStyles {
  parts: DateParts[];
  date1904: boolean;
}

/**
 * The rows of a worksheet, a batch per chunk of the part, each cell as text
 * as a spreadsheet shows it, but for number formats other than dates': a
 * formula's saved result, a shared string from `shared`, a number as
 * written, a number in a date style as its date (date-formats.ts), TRUE or
 * FALSE. A formula whose result is an error, or missing, reads #ERROR, so a
 * row that maps it is refused with the cell in its text rather than taken as
 * empty.
 */
export function sheetRows(part: AsyncIterable<Buffer>, shared: (index: number) => string, dates: DateStyles): AsyncGenerator<SheetRow[]> {
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
        return value === undefined ? "" : shared(Number.parseInt(value, 10));
      case "inlineStr":
        return inline.take();
      case "str":
        return value === undefined ? (formula ? "#ERROR" : "") : unescapeOoxml(value);
      case "b":
        return value === undefined ? (formula ? "#ERROR" : "") : Number.parseInt(value, 10) !== 0 ? "TRUE" : "FALSE";
      case "e":
        return formula ? "#ERROR" : (value ?? "");
      case "d":
        return value ?? "";
      default: {
        if (value === undefined) return formula ? "#ERROR" : "";
        const number = Number.parseFloat(value);
        if (Number.isNaN(number)) return "#ERROR";
        const parts = dates.parts[style] ?? DateParts.NONE;
        return (parts !== DateParts.NONE ? serialText(number, parts, dates.date1904) : undefined) ?? String(number);
      }
    }
  };
  return parse<SheetRow>(part, (parser, emit) => {
    parser.on("opentag", (tag: SaxesTagPlain) => {
      const name = localName(tag);
      if (name === "row") {
        const r = tag.attributes.r;
        lastRow = r === undefined ? lastRow + 1 : Number.parseInt(r, 10);
        row = { number: lastRow, cells: [] };
        column = 0;
      } else if (name === "c" && row !== undefined) {
        const r = tag.attributes.r;
        column = r === undefined ? column + 1 : columnOf(r);
        type = tag.attributes.t ?? "n";
        style = tag.attributes.s === undefined ? 0 : Number.parseInt(tag.attributes.s, 10);
        formula = false;
        value = undefined;
      } else if (name === "f") {
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
    parser.on("text", (t) => {
      if (inValue) value += t;
      else if (inInline) inline.add(t);
    });
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
