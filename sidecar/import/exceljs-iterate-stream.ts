// exceljs's streaming reader reads a workbook's parts through a helper
// (exceljs/lib/utils/iterate-stream.js) that pauses the stream around every
// item it hands on. unzipper's Parse, the stream of a zip's entries, emits
// 'end' itself as soon as it has read the archive's last record, whether or
// not the entries it pushed were read: an entry still in the paused stream's
// buffer never comes out, and the workbook reads without its shared strings,
// its workbook part or its sheets, the more often the busier the machine
// (exceljs issue 3064). This module puts, before exceljs loads, a helper of
// its own in the place of that one: it pauses a stream only when many items
// wait unread, and on 'end' reads out what the stream still holds.
// ./exceljs.ts imports it first; nothing else imports exceljs's reader.

import { createRequire, Module } from "node:module";
import type { Readable } from "node:stream";

/** Items waiting unread before the stream is paused, and when it flows again. */
const HIGH_WATER = 64;
const LOW_WATER = 16;

/** The stream's items (chunks, or a zip's entries) in order, until it ends or fails. */
export async function* iterateStream(stream: Readable): AsyncGenerator<unknown> {
  const waiting: unknown[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on("data", (item: unknown) => {
    waiting.push(item);
    if (waiting.length >= HIGH_WATER) stream.pause();
    notify();
  });
  stream.on("end", () => {
    // Each item read comes out through the 'data' listener above.
    while (stream.read() !== null);
    ended = true;
    notify();
  });
  stream.on("error", (error: unknown) => {
    failure = { error };
    notify();
  });
  stream.resume();
  for (;;) {
    if (failure !== undefined) throw failure.error;
    if (waiting.length > 0) {
      const item = waiting.shift();
      if (waiting.length <= LOW_WATER && stream.isPaused()) stream.resume();
      yield item;
    } else if (ended) {
      return;
    } else {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}

const require = createRequire(import.meta.url);
/** Where exceljs's own helper is, which its reader requires by this path. */
export const EXCELJS_ITERATE_STREAM = require.resolve("exceljs/lib/utils/iterate-stream.js");
const replacement = new Module(EXCELJS_ITERATE_STREAM);
replacement.filename = EXCELJS_ITERATE_STREAM;
replacement.loaded = true;
replacement.exports = iterateStream;
require.cache[EXCELJS_ITERATE_STREAM] = replacement;
