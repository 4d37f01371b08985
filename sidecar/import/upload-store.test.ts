// Uploads on disk and in LMDB: the size limit while the chunks stream in,
// nothing left of a refused upload, and the sweep of expired uploads and of
// files no record names.

import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EntryStore } from "../store/entry-store.js";
import { MAX_RECEIVING, UploadStore } from "./upload-store.js";

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

describe("UploadStore", () => {
  let dir: string;
  let store: EntryStore;
  let uploads: UploadStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "dnc-uploads-"));
    store = EntryStore.open(join(dir, "data"));
    uploads = new UploadStore(store, join(dir, "uploads"), 10, 60_000);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps a file within the limit under its id, the name without directories", async () => {
    const upload = await uploads.receive("C:\\exports\\list.CSV", chunks("a,b\n", "c\n"));
    expect(upload).toMatchObject({ fileName: "list.CSV", size: 6 });
    expect(uploads.get(upload.id)).toEqual(upload);
    expect(readdirSync(uploads.dir)).toEqual([upload.id]);
  });

  it("refuses a file over the limit mid-stream, and an empty one, keeping nothing", async () => {
    await expect(uploads.receive("a.csv", chunks("123456", "7890", "x"))).rejects.toThrow("the file is larger than the import limit of 10 bytes");
    await expect(uploads.receive("a.csv", chunks())).rejects.toThrow("chunk: the file is empty: there is nothing to import");
    expect(readdirSync(uploads.dir)).toEqual([]);
  });

  it("keeps nothing of a stream cancelled just after its last chunk, as grpc-js reports a client's reset", async () => {
    const cancel = new AbortController();
    async function* endsThenCancels(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("a,b\n");
      // grpc-js ends the messages of a reset stream, and emits 'cancelled' on the next tick.
      process.nextTick(() => cancel.abort(new Error("the client cancelled")));
    }
    await expect(uploads.receive("a.csv", endsThenCancels(), cancel.signal)).rejects.toThrow("the client cancelled");
    expect(readdirSync(uploads.dir)).toEqual([]);
  });

  it("sweeps expired uploads, files without a record, and old partial files", async () => {
    const old = await uploads.receive("old.csv", chunks("b\n"));
    await new Promise((r) => setTimeout(r, 30));
    const kept = await uploads.receive("kept.csv", chunks("a\n"));
    writeFileSync(join(uploads.dir, "stray"), "x");
    writeFileSync(join(uploads.dir, "fresh.part"), "x");
    writeFileSync(join(uploads.dir, "stale.part"), "x");
    utimesSync(join(uploads.dir, "stale.part"), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    // A moment past the TTL of `old`, not yet of `kept`.
    await uploads.sweep(old.createdAt + 60_010);
    expect(() => uploads.get(old.id)).toThrow(/no upload with id/);
    expect(uploads.get(kept.id).fileName).toBe("kept.csv");
    expect(readdirSync(uploads.dir).sort()).toEqual([kept.id, "fresh.part"].sort());
    expect(existsSync(uploads.path(old.id))).toBe(false);
  });

  it("at a start, removes every partial upload and unpacked workbook, however fresh: nothing can be using them", async () => {
    const kept = await uploads.receive("kept.csv", chunks("a\n"));
    for (const file of ["cut-off.part", `${kept.id}.0b1c.xlsx.tmp`]) writeFileSync(join(uploads.dir, file), "x");
    await uploads.sweep(Date.now(), true);
    expect(readdirSync(uploads.dir)).toEqual([kept.id]);
  });

  it("takes at most MAX_RECEIVING uploads at once", async () => {
    const release: (() => void)[] = [];
    async function* held(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("a\n");
      await new Promise<void>((resolve) => release.push(resolve));
    }
    const open = Array.from({ length: MAX_RECEIVING }, (_, i) => uploads.receive(`held-${i}.csv`, held()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(uploads.receive("one-more.csv", chunks("a\n"))).rejects.toThrow(`${MAX_RECEIVING} uploads are in progress; send this one when one of them ends`);
    for (const r of release) r();
    expect(await Promise.all(open)).toHaveLength(MAX_RECEIVING);
    expect((await uploads.receive("after.csv", chunks("a\n"))).fileName).toBe("after.csv");
  });
});
