// The guard lets a failed commit's unclaimed promise go, and nothing else:
// each case runs in a child process, where an unhandled rejection would end it.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const GUARD_MODULE = pathToFileURL(join(import.meta.dirname, "../../dist/sidecar/store/orphan-commit-guard.js")).href;

function runGuarded(rejection: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import { guardOrphanCommitFailures } from ${JSON.stringify(GUARD_MODULE)};
guardOrphanCommitFailures();
${rejection};
setTimeout(() => console.log("alive"), 100);`;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
}

describe("guardOrphanCommitFailures", () => {
  it("lets a failed commit's rejection, as lmdb-js makes it, go unclaimed", () => {
    // The cause is shared by every write of the failed commit, and handled through the writes the writer holds.
    const run = runGuarded(`const cause = Promise.reject(new Error("ENOSPC"));
cause.catch(() => undefined);
const error = Object.assign(new Error("Commit failed (see commitError for details)"), { commitError: cause });
Promise.reject(error)`);
    expect(run.stdout).toBe("alive\n");
    expect(run.status).toBe(0);
  });

  it("ends the process on any other unhandled rejection, as Node does", () => {
    const other = runGuarded(`Promise.reject(new Error("something else"))`);
    expect(other.status).not.toBe(0);
    expect(other.stdout).toBe("");
    expect(other.stderr).toMatch(/something else/);
    // The message alone is not enough: lmdb-js puts the cause beside it.
    const lookalike = runGuarded(`Promise.reject(new Error("Commit failed (see commitError for details)"))`);
    expect(lookalike.status).not.toBe(0);
    expect(lookalike.stdout).toBe("");
  });
});
