// The data file's pages leave the process's RSS when released, and the next
// read maps them in again with the same bytes; other mappings are left alone.

import { create } from "@bufbuild/protobuf";
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { DncList } from "../engine/dnc-list.js";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { releaseFilePages } from "./file-pages.js";

/** Kilobytes of `file` resident in this process's mappings of it, from /proc/self/smaps. */
function mappedKb(file: string): number {
  let inFile = false;
  let kb = 0;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${file}`);
    else if (inFile && line.startsWith("Rss:")) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb;
}

describe("releaseFilePages", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("takes LMDB's map of the data file out of RSS, and the store reads the same after", async () => {
    const list = DncList.open(dir.path);
    try {
      const phone = (i: number) => `+4477009${String(i).padStart(5, "0")}`;
      await list.addEntries(Array.from({ length: 20_000 }, (_, i) => create(EntrySchema, { contact: phone(i), channel: i % 8, note: `row ${i}` })), undefined, "test");
      const walk = () => {
        const seen: string[] = [];
        list.store.forEachEntryIds((c, ch, s, a) => seen.push(`${c}/${ch}/${s}/${a}`));
        list.store.forEachContactFrom(0, (id, bytes, length) => seen.push(`${id}:${Buffer.from(bytes.subarray(0, length)).toString("hex")}`));
        return seen;
      };
      const data = realpathSync(join(dir.path, "data.mdb"));
      const before = walk();
      expect(before.length).toBeGreaterThan(20_000);
      expect(mappedKb(data)).toBeGreaterThan(1024);

      expect(list.store.releaseMapPages(true)).toBe(true);
      expect(mappedKb(data)).toBeLessThan(64);
      // Asked again at once, it waits its interval.
      expect(list.store.releaseMapPages()).toBe(false);

      expect(walk()).toEqual(before);
      expect(mappedKb(data)).toBeGreaterThan(1024);

      // The lock file's map is writable: left as it is.
      expect(releaseFilePages(realpathSync(join(dir.path, "lock.mdb")))).toBe(0);
      expect(() => releaseFilePages("data.mdb")).toThrow(/an absolute path/);
    } finally {
      await list.close();
    }
  });
});
