// A workbook part's XML, read with a SAX parser as its bytes arrive: what
// the handlers complete in each chunk comes out as one batch.

import { SaxesParser } from "saxes";
import { StringDecoder } from "node:string_decoder";

/** `listen` sets the parser's handlers, which `emit` what they complete. */
export async function* parsePart<T>(part: AsyncIterable<Buffer>, listen: (parser: SaxesParser, emit: (item: T) => void) => void): AsyncGenerator<T[]> {
  const parser = new SaxesParser();
  let out: T[] = [];
  listen(parser, (item) => out.push(item));
  let failure: Error | undefined;
  parser.on("error", (err) => {
    failure ??= err;
  });
  // As text-format.ts reads UTF-8: StringDecoder is several times faster than TextDecoder (a BOM is left to saxes, which skips it).
  const decoder = new StringDecoder("utf8");
  for await (const chunk of part) {
    parser.write(decoder.write(chunk));
    if (failure !== undefined) throw failure;
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  parser.write(decoder.end()).close();
  if (failure !== undefined) throw failure;
  if (out.length > 0) yield out;
}

/** A tag's name without its namespace prefix: some writers prefix SpreadsheetML's (x:c). */
export function localName(tag: { name: string }): string {
  const colon = tag.name.indexOf(":");
  return colon < 0 ? tag.name : tag.name.slice(colon + 1);
}
