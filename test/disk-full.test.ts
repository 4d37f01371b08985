// A full disk under a running list: the write that cannot commit fails with
// UNAVAILABLE naming the cause, the index holds nothing of it, and the
// process goes on (lmdb-js's late rejection of a failed commit, unhandled,
// ended it). The disk fills up under LMDB's data file, or under the contact
// key files (which grow by allocating their blocks first: a write through
// their map to a page with none behind it would end the process with
// SIGBUS). A start whose rebuild finds no room for the key files keeps the
// keys in memory and gives the room back. The lists run on a 3 MB tmpfs,
// which needs root: elsewhere the test says why it cannot run.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DncList } from "../sidecar/engine/dnc-list.js";
import { FilterEngine } from "../sidecar/filter/filter-engine.js";
import { FilterBatchRequestSchema, FilterBatchResponseSchema } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel, EntrySchema } from "../sidecar/gen/dnc/v1/types_pb.js";
import { EntryStore } from "../sidecar/store/entry-store.js";
import { tempDir } from "./support/temp-dir.js";

const mountPoint = mkdtempSync(join(tmpdir(), "dnc-disk-full-"));
let mounted = false;
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint], { stdio: "ignore" });
  mounted = true;
} catch {
  // Not root, or no mount here.
}

afterAll(() => {
  // Lazily: a map of a key file the in-memory rebuild let go may hold the mount until it is collected.
  if (mounted) execFileSync("umount", ["-l", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe("a full disk", () => {
  /** Fills the disk from a child process; what it reports, once it is past the failed write and alive. */
  const fill = async (data: string, pad: number) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, "support/fill-disk.mjs"), join(mountPoint, data), String(pad)]);
    const report = JSON.parse(stdout.trim()) as { failure?: { code: string; message: string }; added: number; rejected: number; entries: number; indexed: number };
    expect(report.failure?.code).toBe("unavailable");
    expect(report.failure?.message).toMatch(/^the store could not commit the write: /);
    expect(report.indexed).toBe(report.entries);
    rmSync(join(mountPoint, data), { recursive: true });
    return { ...report, message: report.failure!.message };
  };

  it.skipIf(!mounted)("fails the write that cannot commit with UNAVAILABLE and its cause, and the process goes on", async () => {
    const report = await fill("short", 0);
    expect(report.added).toBeGreaterThan(0);
    expect(report.message).not.toMatch(/Commit failed \(see commitError|contact-keys/);
  });

  it.skipIf(!mounted)("fails a write whose new contacts the key files have no room for the same way, before LMDB commits it", async () => {
    // Longer keys: the key arena's next doubling meets the full disk before LMDB's file does.
    const report = await fill("long", 30);
    expect(report.added).toBeGreaterThan(0);
    expect(report.message).toMatch(/could not grow .*contact-keys\.arena to \d+ bytes: ENOSPC/);
  });

  it.skipIf(!mounted)("fails a write of rejections alone the same way: the commit promise lmdb-js holds for itself ends nothing", async () => {
    // Every email's local part is past 64 characters: each batch writes its history events and nothing else.
    const report = await fill("rejections", 70);
    expect(report.added).toBe(0);
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.entries).toBe(0);
  });

  it.skipIf(!mounted)("rebuilds with the keys in memory when a start finds no room for the key files, and gives their room back", async () => {
    const email = (i: number) => `someone.with.a.long.address.${i}@example.com`;
    const n = 2_000;
    // The store is made on the ordinary disk, its snapshot then dropped, and only its data moved to the full tmpfs.
    const made = tempDir();
    try {
      const first = DncList.open(made.path);
      await first.addEntries(Array.from({ length: n }, (_, i) => create(EntrySchema, { contact: email(i) })), undefined, "test");
      await first.close();
      const data = join(mountPoint, "restart");
      mkdirSync(data);
      copyFileSync(join(made.path, "data.mdb"), join(data, "data.mdb"));
      // LMDB's lock file and the directory lock are made once, while there is room.
      await EntryStore.open(data).close();
      const free = () => {
        const fs = statfsSync(mountPoint);
        return fs.bavail * fs.bsize;
      };
      // Room for the pid file, not for the 24 kB arena a rebuild of 2,000 contacts starts with.
      writeFileSync(join(mountPoint, "filler"), Buffer.alloc(free() - 16 * 1024));
      const list = DncList.open(data);
      expect(list.index.contacts.keyFiles).toBeUndefined();
      expect(existsSync(join(data, "contact-keys.arena"))).toBe(false);
      const engine = new FilterEngine(list, { maxBatch: 10_000 });
      const recipients = Array.from({ length: n + 1 }, (_, i) => email(i));
      const res = fromBinary(FilterBatchResponseSchema, engine.filterBatch(toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.EMAIL, recipients }))));
      expect(res.blocked.map((b) => b.index)).toEqual(recipients.slice(0, n).map((_, i) => i));
      rmSync(join(mountPoint, "filler"));
      await list.close();
      rmSync(data, { recursive: true });
    } finally {
      made.remove();
    }
  });
});
