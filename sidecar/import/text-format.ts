// What a text file looks like, judged from its first bytes: the encoding
// (a BOM says UTF-8 or UTF-16; without one it must be UTF-8), whether it is
// text at all, the delimiter (comma, semicolon or tab: the one that splits
// the most lines into the same number of cells), and the line ending.

import { StringDecoder } from "node:string_decoder";
import { TextDecoder } from "node:util";
import { InvalidArgumentError } from "../errors.js";

export type TextEncoding = "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be";

export interface TextFormat {
  encoding: TextEncoding;
  /** "," ";" or "\t"; empty for a single column. */
  delimiter: string;
  /** "\r" only for files with old Mac line endings and no "\n". */
  newline: "\n" | "\r";
  warnings: string[];
}

/** Bytes looked at. */
export const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 50;
const CANDIDATES = [",", ";", "\t"];
/**
 * Shares of characters past which a file counts as binary: text has next to
 * no control characters, and even a short Latin-1 file read as UTF-8 has
 * far fewer undecodable bytes than random data (about half).
 */
const CONTROL_SHARE = 0.02;
const INVALID_SHARE = 0.3;

/** Decodes a file chunk by chunk: a character split between two chunks comes out whole, the BOM not at all. */
export interface ChunkDecoder {
  write(chunk: Uint8Array): string;
  end(): string;
}

/** Invalid bytes become U+FFFD, which rejects the rows holding them. */
export function decoderFor(encoding: TextEncoding): ChunkDecoder {
  if (encoding === "utf-16be") {
    const d = new TextDecoder("utf-16be");
    return { write: (chunk) => d.decode(chunk, { stream: true }), end: () => d.decode() };
  }
  // Node's StringDecoder decodes UTF-8 several times faster than TextDecoder, and leaves the BOM in.
  const d = new StringDecoder(encoding === "utf-16le" ? "utf16le" : "utf8");
  let first = true;
  return {
    write: (chunk) => {
      const text = d.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (!first || text === "") return text;
      first = false;
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    },
    end: () => d.end(),
  };
}

/** `head`: the file's first SNIFF_BYTES bytes (all of it, if shorter); `name` for messages. */
export function sniffText(head: Uint8Array, name: string): TextFormat {
  const encoding = encodingOf(head);
  const text = decoderFor(encoding).write(head);
  const warnings: string[] = [];
  let control = 0;
  let invalid = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) invalid++;
    else if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || c === 0x7f) control++;
  }
  if (text.includes("\0") || control > text.length * CONTROL_SHARE || invalid > text.length * INVALID_SHARE) {
    throw new InvalidArgumentError("upload_id", `'${name}' is not text (binary data in its first bytes): a .csv or .txt must be UTF-8 or UTF-16 text`);
  }
  if (invalid > 0) {
    warnings.push(
      "the file has bytes that are not UTF-8 (is it Latin-1 or Windows-1252?): rows holding them are rejected; save the file as UTF-8 to import them",
    );
  }
  const newline = !text.includes("\n") && text.includes("\r") ? "\r" : "\n";
  return { encoding, delimiter: delimiterOf(text, newline), newline, warnings };
}

function encodingOf(head: Uint8Array): TextEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return "utf-8-bom";
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  return "utf-8";
}

/** Of the candidates, the one that splits the most sample lines into the same number of cells. */
function delimiterOf(text: string, newline: string): string {
  const lines = sampleLines(text, newline);
  let best = "";
  let bestScore = 0;
  for (const candidate of CANDIDATES) {
    const counts = lines.map((line) => countOutsideQuotes(line, candidate));
    const mode = modeOf(counts.filter((n) => n > 0));
    const score = mode === undefined ? 0 : counts.filter((n) => n === mode).length;
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** Non-empty lines; quoted line breaks join lines, roughly, which is all a guess needs. */
function sampleLines(text: string, newline: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const line of text.split(newline)) {
    current = current === "" ? line : `${current}\n${line}`;
    if (countQuotes(current) % 2 === 1) continue;
    if (current.trim() !== "") lines.push(current);
    current = "";
    if (lines.length === SNIFF_LINES) break;
  }
  return lines;
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n++;
  }
  return n;
}

function modeOf(values: number[]): number | undefined {
  const seen = new Map<number, number>();
  let mode: number | undefined;
  let top = 0;
  for (const v of values) {
    const n = (seen.get(v) ?? 0) + 1;
    seen.set(v, n);
    if (n > top) {
      top = n;
      mode = v;
    }
  }
  return mode;
}
