// A full disk under a running list: the write that cannot commit fails with
// UNAVAILABLE naming the cause, the index holds nothing of it, and the
// process goes on (lmdb-js's late rejection of a failed commit, unhandled,
// ended it). The disk fills up under LMDB's data file, or under the contact
// key files (which grow by allocating their blocks first: a write through
// their map to a page with none behind it would end the process with
// SIGBUS). The list runs in a child process on a 3 MB tmpfs, which needs
// root: elsewhere the test says why it cannot run.

import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const mountPoint = mkdtempSync(join(tmpdir(), "dnc-disk-full-"));
let mounted = false;
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint], { stdio: "ignore" });
  mounted = true;
} catch {
  // Not root, or no mount here.
}

afterAll(() => {
  if (mounted) execFileSync("umount", [mountPoint]);
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
});
