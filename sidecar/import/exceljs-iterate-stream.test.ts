// The iteration helper put in place of exceljs's own: it delivers every item
// of a stream that, like unzipper's Parse, says it ended while items were
// still waiting, and exceljs's stream reader is loaded with it.

import { createRequire } from "node:module";
import { Readable } from "node:stream";
import { setImmediate } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import ExcelJS from "./exceljs.js";
import { EXCELJS_ITERATE_STREAM, iterateStream } from "./exceljs-iterate-stream.js";

/** Reads `stream` through the helper; after the first item, `afterFirst` runs while the consumer waits a turn. */
async function readAll(stream: Readable, afterFirst: () => void): Promise<unknown[]> {
  const got: unknown[] = [];
  for await (const item of iterateStream(stream)) {
    got.push(item);
    if (got.length === 1) {
      await setImmediate();
      afterFirst();
    }
  }
  return got;
}

describe("exceljs's stream iteration, replaced", () => {
  it("delivers items pushed while the consumer waits, when the stream then says it ended", async () => {
    const stream = new Readable({ objectMode: true, read() {} });
    stream.push("a");
    stream.push("b");
    const got = await readAll(stream, () => {
      stream.push("c");
      stream.push("d");
      // What unzipper's Parse does once it has read the zip's last record.
      stream.emit("end");
    });
    expect(got).toEqual(["a", "b", "c", "d"]);
  });

  it("pauses a stream with many items waiting, and still delivers all of them when it ends paused", async () => {
    const stream = new Readable({ objectMode: true, read() {} });
    const items = Array.from({ length: 300 }, (_, i) => i);
    const reading = readAll(stream, () => {
      for (const i of items.slice(1)) stream.push(i);
      expect(stream.isPaused()).toBe(true);
      stream.emit("end");
    });
    stream.push(items[0]);
    expect(await reading).toEqual(items);
  });

  it("passes a stream's error on", async () => {
    const stream = new Readable({ objectMode: true, read() {} });
    const reading = readAll(stream, () => stream.destroy(new Error("truncated zip")));
    stream.push("a");
    await expect(reading).rejects.toThrow("truncated zip");
  });

  it("is what exceljs's reader loaded, in place of its own", () => {
    const require = createRequire(import.meta.url);
    expect(require(EXCELJS_ITERATE_STREAM)).toBe(iterateStream);
    // Loaded after the replacement: a reader loaded before it would have required exceljs's own helper first.
    const loaded = Object.keys(require.cache);
    const reader = require.resolve("exceljs/lib/stream/xlsx/workbook-reader.js");
    expect(ExcelJS.stream.xlsx.WorkbookReader).toBeDefined();
    expect(loaded.indexOf(EXCELJS_ITERATE_STREAM)).toBeGreaterThanOrEqual(0);
    expect(loaded.indexOf(reader)).toBeGreaterThan(loaded.indexOf(EXCELJS_ITERATE_STREAM));
  });
});
