// The scan in a worker thread reads the same ids, in the same order, as the
// store's own walk of its entry keys; and the list that opened the store
// still reads and writes once the worker is gone.

import { create } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { DncList } from "../engine/dnc-list.js";
import { EntrySchema } from "../gen/dnc/v1/types_pb.js";
import { EntryKeyScan } from "./entry-key-scan.js";

describe("EntryKeyScan", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("reads every entry key's ids in a worker, as the store walks them", async () => {
    const list = DncList.open(dir.path);
    const phone = (i: number) => `+4477009${String(i).padStart(5, "0")}`;
    const added = await list.addEntries(
      Array.from({ length: 3_000 }, (_, i) =>
        create(EntrySchema, { contact: phone(i), channel: i % 8, sender: i % 5 === 0 ? `S${i % 7}` : "", account: i % 11 === 0 ? "acct" : "" }),
      ),
      undefined,
      "test",
    );
    const expected: number[][] = [];
    list.store.forEachEntryIds((contactId, channel, senderId, accountId) => expected.push([contactId, channel, senderId, accountId]));
    // A phone on the email channel is refused: the rest are stored.
    expect(added.added).toBeGreaterThan(2_000);
    expect(expected.length).toBe(added.added);

    const scan = EntryKeyScan.start(list.store.path, list.store.entryCount());
    expect(scan, "a worker (npm test builds it first)").toBeDefined();
    const columns = scan!.collect();
    expect(columns).toBeDefined();
    const got = Array.from({ length: columns!.count }, (_, i) => [columns!.contactIds[i], columns!.channels[i], columns!.senderIds[i], columns!.accountIds[i]]);
    expect(got).toEqual(expected);

    // Fewer slots than keys: the worker fails, and the caller is told to read them itself.
    expect(EntryKeyScan.start(list.store.path, 100)!.collect()).toBeUndefined();

    // Once the workers have ended, the list's own environment still reads and writes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await list.addEntries([create(EntrySchema, { contact: phone(5_000) })], undefined, "test");
    expect(list.store.entryCount()).toBe(added.added + 1);
    expect(list.indexedEntries()).toBe(added.added + 1);
    await list.close();
  });
});
