// Planning an import of an upload: a workbook's parts are inflated and held
// to their checksums on the first look only; a later analysis or start of
// the same upload (which cannot have changed) checks their limits alone.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { ImportOptionsSchema } from "../gen/dnc/v1/import_pb.js";
import { EntryStore } from "../store/entry-store.js";
import { planImport } from "./import-plan.js";
import { DEFAULT_IMPORT_SETTINGS } from "./import-settings.js";
import { UploadStore } from "./upload-store.js";
import { ZipArchive } from "./zip-archive.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/import");

async function* bytesOf(file: string): AsyncGenerator<Uint8Array> {
  yield readFileSync(join(FIXTURES, file));
}

describe("planImport", () => {
  const dir = tempDir();
  let store: EntryStore;
  let uploads: UploadStore;

  beforeEach(() => {
    store = EntryStore.open(join(dir.path, "data"));
    uploads = new UploadStore(store, join(dir.path, "uploads"), DEFAULT_IMPORT_SETTINGS.maxFileBytes, 60_000);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
  });
  afterAll(() => dir.remove());

  for (const file of ["libreoffice-contacts.xlsx", "xlsx-in.zip"]) {
    it(`checks the parts of ${file} once, however often it is planned`, async () => {
      const verify = vi.spyOn(ZipArchive.prototype, "verifyAll");
      const upload = await uploads.receive(file, bytesOf(file));
      const options = create(ImportOptionsSchema, {});
      for (let i = 0; i < 3; i++) {
        const plan = await planImport(uploads, upload.id, options, DEFAULT_IMPORT_SETTINGS);
        expect(plan.preview.length).toBeGreaterThan(0);
        await plan.close();
      }
      expect(verify).toHaveBeenCalledTimes(1);
      expect(uploads.get(upload.id).workbookChecked).toBe(true);
      // A zipped workbook is unpacked once, beside its upload, and goes with it.
      const zipped = file.endsWith(".zip");
      expect(readdirSync(uploads.dir).sort()).toEqual(zipped ? [upload.id, `${upload.id}.xlsx`] : [upload.id]);
      await uploads.remove(upload.id);
      expect(readdirSync(uploads.dir)).toEqual([]);
    });
  }

  it("unpacks a zipped workbook once for looks that come together", async () => {
    const opened = vi.spyOn(ZipArchive.prototype, "openEntry");
    const upload = await uploads.receive("xlsx-in.zip", bytesOf("xlsx-in.zip"));
    const plans = await Promise.all(Array.from({ length: 4 }, () => planImport(uploads, upload.id, create(ImportOptionsSchema, {}), DEFAULT_IMPORT_SETTINGS)));
    for (const plan of plans) await plan.close();
    // The outer zip's entry is opened to unpack it once; the workbook's own parts are opened from the copy.
    expect(opened.mock.calls.filter(([name]) => name === "libreoffice-contacts.xlsx")).toHaveLength(1);
    expect(readdirSync(uploads.dir).sort()).toEqual([upload.id, `${upload.id}.xlsx`]);
    await uploads.remove(upload.id);
  });

  it("stops unpacking a zipped workbook when its caller goes, and leaves nothing", async () => {
    const upload = await uploads.receive("xlsx-in.zip", bytesOf("xlsx-in.zip"));
    const gone = AbortSignal.abort(new Error("the client went away"));
    await expect(planImport(uploads, upload.id, create(ImportOptionsSchema, {}), DEFAULT_IMPORT_SETTINGS, gone)).rejects.toThrow();
    expect(readdirSync(uploads.dir)).toEqual([upload.id]);
  });
});
