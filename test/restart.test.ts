// Restarts: the index comes back from its snapshot, from the snapshot plus
// the history after a process was killed mid-life, or from the store alone
// when the snapshot is unusable; every way gives the same verdicts.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DncList } from "../sidecar/engine/dnc-list.js";
import { FilterEngine } from "../sidecar/filter/filter-engine.js";
import { ContactKeyFiles } from "../sidecar/index/contact-key-files.js";
import { readSnapshot, writeSnapshot } from "../sidecar/index/index-snapshot.js";
import { FilterBatchRequestSchema, FilterBatchResponseSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel, EntryKeySchema, EntrySchema } from "../sidecar/gen/dnc/v1/types_pb.js";
import { tempDir } from "./support/temp-dir.js";

const phone = (i: number) => `+4477009${String(i).padStart(5, "0")}`;

/** Which of contacts 0..n-1 are blocked on SMS from sender S0..S6 or none. */
function verdicts(list: DncList, n: number): string {
  const engine = new FilterEngine(list, { maxBatch: 10_000 });
  const out: string[] = [];
  for (const sender of ["", "S0", "S3"]) {
    const body = toBinary(
      FilterBatchRequestSchema,
      create(FilterBatchRequestSchema, { channel: Channel.SMS, sender, recipients: Array.from({ length: n }, (_, i) => phone(i)) }),
    );
    const res = fromBinary(FilterBatchResponseSchema, engine.filterBatch(body));
    out.push(res.blocked.map((b) => b.index).join(","));
  }
  return out.join("|");
}

async function crashWriter(dir: string, ...range: number[]): Promise<void> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "support/crash-writer.mjs"), dir, ...range.map(String)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  while (!out.includes("written")) {
    if (child.exitCode !== null) throw new Error("crash writer exited early");
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await once(child, "exit");
}

describe("restart", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const snapshot = join(dir.path, "index.snapshot");

  it("comes back from the snapshot, then from snapshot + history after a kill, then from the store alone", async () => {
    let list = DncList.open(dir.path);
    await list.addEntries(Array.from({ length: 400 }, (_, i) => create(EntrySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" })), undefined, "test");
    const first = verdicts(list, 600);
    await list.close();
    expect(existsSync(snapshot)).toBe(true);

    list = DncList.open(dir.path);
    expect(verdicts(list, 600)).toBe(first);
    await list.close();

    // A killed process leaves the snapshot behind the store: 400..599 added, 0..99 removed.
    await crashWriter(dir.path, 400, 600, 0, 100);
    list = DncList.open(dir.path);
    const afterCrash = verdicts(list, 600);
    expect(afterCrash).not.toBe(first);
    expect(list.indexedEntries()).toBe(500);
    expect(list.store.entryCount()).toBe(500);
    await list.close();

    truncateSync(snapshot, 100);
    list = DncList.open(dir.path);
    expect(verdicts(list, 600)).toBe(afterCrash);
    await list.close();

    // A fresh list with the same writes and no restarts agrees too.
    const control = tempDir();
    const fresh = DncList.open(control.path);
    await fresh.addEntries(Array.from({ length: 600 }, (_, i) => create(EntrySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" })), undefined, "test");
    await fresh.removeEntries(Array.from({ length: 100 }, (_, i) => create(EntryKeySchema, { contact: phone(i), channel: i % 3, sender: i % 5 === 0 ? `S${i % 7}` : "" })), "c", undefined, "test");
    expect(verdicts(fresh, 600)).toBe(afterCrash);
    await fresh.close();
    control.remove();
  });

  it("keeps the contact order in the snapshot, and places contacts added after it", async () => {
    const orderDir = tempDir();
    const control = tempDir();
    const entries = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => k % 2 === 0 ? create(EntrySchema, { contact: phone(from + k), channel: Channel.SMS }) : create(EntrySchema, { contact: `u${from + k}@example.com`, channel: Channel.EMAIL }));
    const walk = (list: DncList) => [...list.entryKeysByContact("")].map((k) => k.toString("hex"));
    try {
      let list = DncList.open(orderDir.path);
      await list.addEntries(entries(0, 300), undefined, "test");
      await list.contactOrderReady();
      const storeId = list.store.id;
      await list.close();
      const saved = readSnapshot(join(orderDir.path, "index.snapshot"), storeId, () => ContactKeyFiles.open(orderDir.path));
      expect(saved?.order?.upTo).toBe(300);
      expect(saved?.order?.sorted.length).toBe(300);

      // The list walks the saved order as it is, without sorting again: a reversed one walks reversed.
      const path = join(orderDir.path, "index.snapshot");
      writeSnapshot(path, storeId, saved!.seq, saved!.entryCount, saved!.index, { sorted: saved!.order!.sorted.slice().reverse(), upTo: 300 });
      list = DncList.open(orderDir.path);
      const reversed = walk(list);
      await list.close();
      writeSnapshot(path, storeId, saved!.seq, saved!.entryCount, saved!.index, saved!.order);

      list = DncList.open(orderDir.path);
      expect(walk(list)).toEqual(reversed.slice().reverse());
      await list.addEntries(entries(300, 340), undefined, "test");
      const fresh = DncList.open(control.path);
      await fresh.addEntries(entries(0, 340), undefined, "test");
      await fresh.contactOrderReady();
      expect(walk(list)).toEqual(walk(fresh));
      expect(walk(list)).toHaveLength(340);
      await list.close();
      await fresh.close();
      saved!.index.contacts.keyFiles!.close();
    } finally {
      orderDir.remove();
      control.remove();
    }
  });

  it("answers from the store, not from a snapshot of another store, one with a flipped bit, or one a crash left behind", async () => {
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => create(EntrySchema, { contact: phone(from + k) }));
    try {
      // Two stores with other contacts; B is given A's snapshot.
      let list = DncList.open(a.path);
      await list.addEntries(entries(0, 20), undefined, "test");
      await list.close();
      list = DncList.open(b.path);
      await list.addEntries(entries(20, 40), undefined, "test");
      const truth = verdicts(list, 40);
      await list.close();
      writeFileSync(join(b.path, "index.snapshot"), readFileSync(join(a.path, "index.snapshot")));
      list = DncList.open(b.path);
      expect(verdicts(list, 40)).toBe(truth);
      // Loaded, the snapshot is gone until the next clean close.
      expect(existsSync(join(b.path, "index.snapshot"))).toBe(false);
      await list.close();

      // A flipped bit in the contacts' arena: same counts, another contact.
      const snapshotPath = join(b.path, "index.snapshot");
      const file = readFileSync(snapshotPath);
      const bodyStart = 4 + file.readUInt32LE(0);
      file[bodyStart + 3] ^= 0x01;
      writeFileSync(snapshotPath, file);
      list = DncList.open(b.path);
      expect(verdicts(list, 40)).toBe(truth);
      await list.close();

      // A changed header: the sequence the replay starts after is covered by the checksum too.
      list = DncList.open(b.path);
      await list.close();
      const headed = readFileSync(snapshotPath);
      const seqAt = headed.indexOf('"seq":') + 6;
      headed[seqAt] = headed[seqAt] === 0x39 ? 0x38 : headed[seqAt]! + 1;
      writeFileSync(snapshotPath, headed);
      expect(readSnapshot(snapshotPath, list.store.id, () => ContactKeyFiles.open(b.path))).toBeUndefined();

      // The store rolled back to a copy taken before some writes (a restored backup): the snapshot of the later
      // state is refused, and removed, so that after writes and a crash (no close, no new snapshot) it is not
      // taken for a state whose history it shares up to its sequence number.
      const backup = readFileSync(join(b.path, "data.mdb"));
      list = DncList.open(b.path);
      await list.addEntries(entries(40, 45), undefined, "test");
      await list.close();
      writeFileSync(join(b.path, "data.mdb"), backup);
      expect(existsSync(snapshotPath)).toBe(true);
      await crashWriter(b.path, 45, 52);
      expect(existsSync(snapshotPath)).toBe(false);
      list = DncList.open(b.path);
      const expected = DncList.open(c.path);
      await expected.addEntries([...entries(20, 40), ...Array.from({ length: 7 }, (_, k) => create(EntrySchema, { contact: phone(45 + k), channel: (45 + k) % 3, sender: (45 + k) % 5 === 0 ? `S${(45 + k) % 7}` : "" }))], undefined, "test");
      expect(verdicts(list, 52)).toBe(verdicts(expected, 52));
      await list.close();
      await expected.close();
    } finally {
      a.remove();
      b.remove();
      c.remove();
    }
  });
});
