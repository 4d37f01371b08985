// The README's table of import fixtures, held to what a new user gets: each
// fixture it names is imported with `dnc import` (the bin, in a process of
// its own, with the options the table gives) into an empty store of a real
// sidecar, and the counts the CLI prints, or its refusal, must be the
// table's.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDnc } from "./support/dnc-serve.js";
import { FIXTURES } from "./support/import-client.js";
import { tempDir } from "./support/temp-dir.js";
import { startLoopbackSidecar } from "./support/test-sidecar.js";

const ROOT = join(import.meta.dirname, "..");
const TOKEN = "readme-fixtures-admin-token";

interface Documented {
  /** The file, then the options the table gives it. */
  args: string[];
  /** Rows read, added, repeated, rejected; undefined when the table says the file is refused. */
  counts: number[] | undefined;
}

/** Every fixture the README's table names, with what the table says of it. */
function documented(): Documented[] {
  const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n");
  const start = lines.findIndex((l) => l.startsWith("| fixture and options |"));
  expect(start, "the README's fixture table").toBeGreaterThan(0);
  const rows: Documented[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    const counts = cells[1]!.startsWith("refused") ? undefined : cells.slice(1, 5).map((c) => Number.parseInt(c, 10));
    // Names in parentheses are a fixture's contents, not fixtures.
    const names = cells[0]!.split("(")[0]!;
    for (const [, name] of names.matchAll(/`([^`]+)`/g)) rows.push({ args: name!.split(" "), counts });
  }
  return rows;
}

const dnc = (...args: string[]) => runDnc({ DNC_TOKEN: TOKEN }, ...args);

describe("the README's import fixtures", () => {
  const table = documented();

  it("name every fixture there is", () => {
    const files = readdirSync(FIXTURES, { withFileTypes: true }).filter((f) => f.isFile()).map((f) => f.name);
    expect(table.map((d) => d.args[0]).sort()).toEqual(files.sort());
  });

  it.each(table.map((d) => [d.args.join(" "), d] as const))("%s gives the documented counts", async (_, { args, counts }) => {
    const dir = tempDir();
    const sidecar = await startLoopbackSidecar(dir.path, TOKEN);
    try {
      const res = await dnc("import", join(FIXTURES, args[0]!), ...args.slice(1), "--server", `127.0.0.1:${sidecar.grpcPort}`);
      if (counts === undefined) {
        expect(res.code).toBe(1);
        expect(res.stdout).not.toContain("started");
        expect(res.stderr).toMatch(/^dnc: \S/);
        expect(sidecar.list.store.lastSeq).toBe(0);
      } else {
        const done = /completed: (\d+) rows read, (\d+) added, (\d+) repeated, (\d+) rejected/.exec(res.stdout);
        expect(done, `${res.stdout}${res.stderr}`).not.toBeNull();
        expect(done!.slice(1).map(Number)).toEqual(counts);
        expect(res.code).toBe(counts[3]! > 0 ? 1 : 0);
      }
    } finally {
      await sidecar.stop(1000);
      dir.remove();
    }
  });
});
