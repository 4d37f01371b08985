import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { FilterIndex } from "./filter-index.js";
import { readSnapshot, writeSnapshot } from "./index-snapshot.js";

const CONTACTS = 400_000;

describe("index snapshot", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const path = join(dir.path, "index.snapshot");

  it("reads each section into the array the index keeps, holding no copy of the file besides", () => {
    // Built with room for every contact, as a rebuild is, so no slot growth runs in the background.
    const index = new FilterIndex(undefined, CONTACTS);
    const key = new Uint8Array(8);
    const view = new DataView(key.buffer);
    for (let id = 0; id < CONTACTS; id++) {
      view.setUint32(0, 0x01000000 + id);
      view.setUint32(4, Math.imul(id, 2654435761));
      index.contacts.insert(key, 0, key.length, id);
      index.add(id, 1 + (id % 7), 0, 0);
    }
    writeSnapshot(path, "store-a", 7, CONTACTS, index);
    const fileBytes = statSync(path).size;

    const before = process.memoryUsage().arrayBuffers;
    const snapshot = readSnapshot(path, "store-a");
    const held = process.memoryUsage().arrayBuffers - before;

    expect(snapshot).toBeDefined();
    expect(snapshot!.index.contacts.count).toBe(CONTACTS);
    for (const id of [0, 1, CONTACTS / 2, CONTACTS - 1]) {
      view.setUint32(0, 0x01000000 + id);
      view.setUint32(4, Math.imul(id, 2654435761));
      expect(snapshot!.index.contacts.lookup(key, 0, key.length)).toBe(id);
      expect(snapshot!.index.match(id, 1 + (id % 7), 0, 0, { channel: 0, senderId: 0, accountId: 0 })).toBe(true);
    }
    // The arrays are most of the file (the bitmaps live in roaring's own memory): a whole-file buffer
    // alongside them held twice that until the collector's next major pass.
    expect(held).toBeGreaterThan(0.8 * fileBytes);
    expect(held).toBeLessThan(1.2 * fileBytes);
  });
});
