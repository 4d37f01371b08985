// The data file's pages leave the process's RSS when released, and the next
// read maps them in again with the same bytes, also while LMDB's write
// thread commits; other mappings are left alone.

import { create } from "@bufbuild/protobuf";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mappedKb } from "../../test/support/smaps.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { DncList } from "../engine/dnc-list.js";
import { Channel, EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { releaseFilePages } from "./file-pages.js";

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
      // Asked again at once, it waits its interval.
      expect(list.store.releaseMapPages()).toBe(false);
      expect(mappedKb(data)).toBeLessThan(64);

      expect(walk()).toEqual(before);
      expect(mappedKb(data)).toBeGreaterThan(1024);

      // The lock file's map is writable: left as it is.
      const lock = realpathSync(join(dir.path, "lock.mdb"));
      const lockKb = mappedKb(lock);
      expect(lockKb).toBeGreaterThan(0);
      expect(releaseFilePages(lock)).toBe(0);
      expect(mappedKb(lock)).toBe(lockKb);
      expect(() => releaseFilePages("data.mdb")).toThrow(/an absolute path/);

      // Released over and over while LMDB's write thread commits more: every write is there after.
      const more = list.addEntries(Array.from({ length: 20_000 }, (_, i) => create(EntrySchema, { contact: phone(20_000 + i), channel: Channel.SMS })), undefined, "test");
      let releases = 0;
      for (let settled = false; !settled; releases++) {
        expect(releaseFilePages(data)).toBeGreaterThan(0);
        settled = await Promise.race([more.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
      }
      expect((await more).added).toBe(20_000);
      expect(releases).toBeGreaterThan(1);
      const after = walk();
      expect(after.length).toBe(before.length + 40_000);
      const kept = new Set(after);
      expect(before.filter((x) => !kept.has(x))).toEqual([]);
    } finally {
      await list.close();
    }
  });
});
