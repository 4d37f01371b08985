// `dnc import` as a user runs it, against a real `dnc serve` process over a
// unix socket: a national-format .txt with --country, a workbook mapped by
// header name and by column number in a dry run, a clean import, and the
// errors a user can make.

import { type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDnc, startServe } from "./support/dnc-serve.js";
import { FIXTURES } from "./support/import-client.js";
import { tempDir } from "./support/temp-dir.js";

const TOKEN = "import-cli-test-admin-token";
const dnc = (...args: string[]) => runDnc({ DNC_ADMIN_TOKEN: TOKEN }, ...args);

/** The files process `pid` holds open. */
function openFiles(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

describe("dnc import", () => {
  const dir = tempDir();
  const socket = `unix:${dir.path}/grpc.sock`;
  let server: ChildProcess;

  beforeAll(async () => {
    server = await startServe(join(dir.path, "data"), socket, { DNC_ADMIN_TOKEN: TOKEN });
  });

  afterAll(async () => {
    server.kill("SIGTERM");
    if (server.exitCode === null) await once(server, "exit");
    dir.remove();
  });

  it("imports bare national numbers with --country, printing the counts and the rejected rows", async () => {
    const res = await dnc("import", join(FIXTURES, "national-numbers.txt"), "--country", "GB", "--server", socket);
    expect(res.stderr).toBe("");
    const lines = res.stdout.trim().split("\n");
    expect(lines[0]).toBe("uploaded national-numbers.txt (93 bytes)");
    expect(lines[1]).toBe("national-numbers.txt: txt, utf-8; no header");
    expect(lines[2]).toBe("mapping: 1 → contact");
    const jobId = /^import (\S+) started$/.exec(lines[3]!)![1]!;
    expect(lines.slice(4)).toEqual([
      `import ${jobId} completed: 8 rows read, 6 added, 1 repeated, 1 rejected`,
      "  row 7: contact is not a possible phone number for its country calling code  [12]",
      `all 1 rejected rows: GET /imports/${jobId}/rejected.csv on the admin HTTP port, or GetImportReport with job_id ${jobId}`,
    ]);
    // Some rows were rejected: a script can tell.
    expect(res.code).toBe(1);
  });

  it("dry-runs a workbook mapped by header name and column number, writing nothing", async () => {
    const args = ["import", join(FIXTURES, "libreoffice-contacts.xlsx"), "--map", "contact=contact", "--map", "2=channel", "--account", "tenant-x", "--dry-run", "--server", socket];
    const res = await dnc(...args);
    const lines = res.stdout.trim().split("\n");
    expect(lines[1]).toBe("libreoffice-contacts.xlsx: xlsx; header: Contact | Channel | Sender | Reason | Campaign | Note");
    expect(lines[2]).toBe("mapping: 1 'Contact' → contact, 2 'Channel' → channel");
    expect(lines[3]).toBe("dry run (nothing written): 13 rows read, 9 added, 1 repeated, 3 rejected");
    expect(lines[4]).toBe("  row 8: contact is not a possible phone number for its country calling code  [12345,sms,ACME,opt-out]");
    // Nothing was written: the same dry run counts the same.
    expect((await dnc(...args)).stdout).toContain("dry run (nothing written): 13 rows read, 9 added, 1 repeated, 3 rejected");
    // Each read (the analysis's first rows, the dry run's) leaves nothing open behind it in a sidecar that runs
    // on: not the upload, nor a temporary file (exceljs's own reader parked sheets in /tmp and kept them open).
    const uploads = join(dir.path, "data", "uploads");
    expect(readdirSync(uploads).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(openFiles(server.pid!).filter((f) => f.startsWith(uploads) || f.startsWith(`${tmpdir()}/tmp-`))).toEqual([]);
  });

  it("exits 0 for an import without rejections", async () => {
    const res = await dnc("import", join(FIXTURES, "utf16le-bom.csv"), "--channel", "voice", "--server", socket);
    expect(res.stdout).toContain("utf16le-bom.csv: csv, utf-16le, delimiter \",\"; header: phone | channel");
    expect(res.stdout).toMatch(/completed: 2 rows read, 2 added, 0 repeated, 0 rejected\n$/);
    expect(res.code).toBe(0);
  });

  it("says when --account replaces the accounts of the file's account column", async () => {
    const file = join(dir.path, "accounts.csv");
    writeFileSync(file, "phone,account\n+44 7700 900951,tenant-own\n");
    const res = await dnc("import", file, "--account", "t1", "--account", "t2", "--dry-run", "--server", socket);
    expect(res.stdout).toContain("note: --account replaces the accounts of column 2: each row is imported into t1, t2\n");
    const plain = await dnc("import", file, "--dry-run", "--server", socket);
    expect(plain.stdout).not.toContain("--account replaces");
  });

  it("says what is wrong with a mapping, a file, or a flag", async () => {
    const noColumn = await dnc("import", join(FIXTURES, "two-files.zip"), "--map", "mobile=phone", "--server", socket);
    expect(noColumn.code).toBe(1);
    expect(noColumn.stderr).toBe("dnc: --map: no column 'mobile'; the header has 'phone', 'channel'\n");
    const badField = await dnc("import", join(FIXTURES, "two-files.zip"), "--map", "1=fax", "--server", socket);
    expect(badField.stderr).toMatch(/^dnc: --map 1: 'fax' is not one of contact, phone, email, customer_id/);
    // Columns as --map numbers them, from 1.
    const twice = await dnc("import", join(FIXTURES, "two-files.zip"), "--map", "1=phone", "--map", "phone=email", "--server", socket);
    expect(twice.stderr).toBe("dnc: --map: column 1 is mapped twice\n");
    const past = await dnc("import", join(FIXTURES, "two-files.zip"), "--map", "3=phone", "--server", socket);
    expect(past.stderr).toBe("dnc: --map 3: the file has 2 columns (1 to 2)\n");
    const unknown = await dnc("frob");
    expect([unknown.code, unknown.stderr]).toEqual([64, "dnc: unknown command 'frob'\n"]);
    const help = await dnc("add", "--help");
    expect([help.code, help.stdout.startsWith("dnc — Do-Not-Contact filter sidecar")]).toEqual([0, true]);
    const bomb = await dnc("import", join(FIXTURES, "bomb.zip"), "--server", socket);
    expect(bomb.stderr).toBe("dnc: 'zeros.csv' in 'bomb.zip' is compressed 1030:1, over the limit of 100:1 (a zip bomb?)\n");
    expect((await dnc("import", "--server", socket)).stderr).toBe("dnc: import: give one FILE\n");
  });
});
