// A full disk under a running list: the write that cannot commit fails with
// UNAVAILABLE naming the cause, the index holds nothing of it, and the
// process goes on (lmdb-js's late rejection of a failed commit, unhandled,
// ended it). The list runs in a child process on a 3 MB tmpfs, which needs
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
  it.skipIf(!mounted)("fails the write that cannot commit with UNAVAILABLE and its cause, and the process goes on", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, "support/fill-disk.mjs"), join(mountPoint, "data")]);
    const report = JSON.parse(stdout.trim()) as { failure?: { code: string; message: string }; added: number; entries: number; indexed: number };
    expect(report.failure?.code).toBe("unavailable");
    expect(report.failure?.message).toMatch(/^the store could not commit the write: /);
    expect(report.failure?.message).not.toMatch(/Commit failed \(see commitError/);
    expect(report.added).toBeGreaterThan(0);
    expect(report.indexed).toBe(report.entries);
  });
});
