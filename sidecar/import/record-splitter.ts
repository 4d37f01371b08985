// Splits decoded text into records and cells. Most rows hold no quote and
// are split with String.split; a row that does goes to fast-csv's parser,
// which handles quoted delimiters, doubled quotes and line breaks inside
// quotes. The splitter's own quote tracking only finds where a record ends,
// which also lets it refuse a record longer than the limit before holding
// more of it: memory stays bounded however a file is (mis)quoted.

import { ParserOptions } from "@fast-csv/parse";
import { Parser } from "@fast-csv/parse/build/src/parser/Parser.js";
import { messageOf, ResourceExhaustedError } from "../errors.js";

const QUOTE = 0x22;
const SPACE = 0x20;
const CR = 0x0d;

export class RecordSplitter {
  /** The unfinished record at the end of the text so far. */
  private carry = "";
  /** Where scanning goes on in `carry`. */
  private resume = 0;
  private inQuotes = false;
  /** The current record holds a quote: fast-csv parses it. */
  private quoted = false;
  private records = 0;
  private readonly csv: Parser;
  private readonly delimiterCode: number;

  /** `delimiter` is empty for one column per line; without `keepCells` records are only counted and measured. */
  constructor(
    private readonly delimiter: string,
    private readonly newline: "\n" | "\r",
    private readonly maxChars: number,
    private readonly keepCells = true,
  ) {
    this.delimiterCode = delimiter === "" ? -1 : delimiter.charCodeAt(0);
    this.csv = new Parser(new ParserOptions({ delimiter: delimiter === "" ? "," : delimiter }));
  }

  /** Appends the records `text` completes to `rows`; a record that is not valid CSV goes in `errors` by row number. */
  push(text: string, rows: string[][], errors: Map<number, string>): void {
    const s = this.carry === "" ? text : this.carry + text;
    let start = 0;
    let p = this.resume;
    let nextQuote = s.indexOf('"', p);
    for (;;) {
      if (this.inQuotes) {
        if (nextQuote < 0) {
          p = s.length;
          break;
        }
        // A quote at the very end may be the first of a doubled quote: look again with more text.
        if (nextQuote + 1 === s.length) {
          p = nextQuote;
          break;
        }
        if (s.charCodeAt(nextQuote + 1) === QUOTE) {
          p = nextQuote + 2;
        } else {
          this.inQuotes = false;
          p = nextQuote + 1;
        }
        nextQuote = s.indexOf('"', p);
        continue;
      }
      const end = s.indexOf(this.newline, p);
      if (nextQuote >= 0 && (end < 0 || nextQuote < end)) {
        this.quoted = true;
        if (this.atFieldStart(s, start, nextQuote)) this.inQuotes = true;
        p = nextQuote + 1;
        nextQuote = s.indexOf('"', p);
        continue;
      }
      if (end < 0) {
        p = s.length;
        break;
      }
      this.emit(s, start, end, rows, errors);
      start = p = end + 1;
    }
    if (s.length - start > this.maxChars) throw this.tooLong();
    this.carry = start === 0 ? s : s.slice(start);
    this.resume = p - start;
  }

  /** The last record, when the text does not end with a line break. */
  end(rows: string[][], errors: Map<number, string>): void {
    const s = this.carry;
    if (s === "") return;
    // push held back a quote at the very end of the text in case a second one followed: none does, so it closes its field.
    if (this.inQuotes && this.resume === s.length - 1 && s.charCodeAt(this.resume) === QUOTE) this.inQuotes = false;
    if (this.inQuotes) {
      errors.set(this.records + 1, "not valid CSV: a quoted field is not closed before the end of the file");
      rows.push([s]);
      this.records++;
    } else {
      this.emit(s, 0, s.length, rows, errors);
    }
    this.carry = "";
  }

  private emit(s: string, start: number, end: number, rows: string[][], errors: Map<number, string>): void {
    if (end - start > this.maxChars) throw this.tooLong();
    this.records++;
    if (!this.keepCells) {
      this.quoted = false;
      return;
    }
    if (this.newline === "\n" && end > start && s.charCodeAt(end - 1) === CR) end--;
    const record = s.slice(start, end);
    if (!this.quoted) {
      rows.push(this.delimiter === "" ? [record] : record.split(this.delimiter));
      return;
    }
    this.quoted = false;
    try {
      const parsed = this.csv.parse(record, false).rows;
      if (parsed.length > 1) throw new Error("a carriage return outside quotes");
      rows.push(parsed[0] ?? [""]);
    } catch (err: unknown) {
      errors.set(this.records, `not valid CSV: ${messageOf(err)}`);
      rows.push([record]);
    }
  }

  /** A quote opens a quoted field only at the field's start (spaces allowed before it), as in fast-csv. */
  private atFieldStart(s: string, recordStart: number, quote: number): boolean {
    let i = quote - 1;
    while (i >= recordStart && s.charCodeAt(i) === SPACE) i--;
    return i < recordStart || s.charCodeAt(i) === this.delimiterCode;
  }

  private tooLong(): ResourceExhaustedError {
    return new ResourceExhaustedError(
      `row ${this.records + 1} is longer than ${this.maxChars} characters (a quote that is never closed?): nothing was imported`,
    );
  }
}
