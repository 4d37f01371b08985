// `dnc import` as a user runs it, against a real `dnc serve` process over a
// unix socket: a national-format .txt with --country, a workbook mapped by
// header name and by column number in a dry run, a clean import, and the
// errors a user can make.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES } from "./support/import-client.js";
import { tempDir } from "./support/temp-dir.js";

const cli = join(import.meta.dirname, "../bin/dnc.js");
const run = promisify(execFile);
const TOKEN = "import-cli-test-admin-token";

function env(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("DNC_")));
  return { ...clean, DNC_LOG_LEVEL: "silent", DNC_ADMIN_TOKEN: TOKEN };
}

async function dnc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: env() });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("dnc import", () => {
  const dir = tempDir();
  const socket = `unix:${dir.path}/grpc.sock`;
  let server: ChildProcess;

  beforeAll(async () => {
    server = spawn(process.execPath, [cli, "serve", "--data-dir", join(dir.path, "data"), "--grpc-listen", socket, "--http-listen", "127.0.0.1:0"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: env(),
    });
    let out = "";
    server.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!out.includes("dnc serving")) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`dnc serve did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
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
  });

  it("exits 0 for an import without rejections", async () => {
    const res = await dnc("import", join(FIXTURES, "utf16le-bom.csv"), "--channel", "voice", "--server", socket);
    expect(res.stdout).toContain("utf16le-bom.csv: csv, utf-16le, delimiter \",\"; header: phone | channel");
    expect(res.stdout).toMatch(/completed: 2 rows read, 2 added, 0 repeated, 0 rejected\n$/);
    expect(res.code).toBe(0);
  });

  it("says what is wrong with a mapping, a file, or a flag", async () => {
    const noColumn = await dnc("import", join(FIXTURES, "two-files.zip"), "--map", "mobile=phone", "--server", socket);
    expect(noColumn.code).toBe(1);
    expect(noColumn.stderr).toBe("dnc: --map: no column 'mobile'; the header has 'phone', 'channel'\n");
    const badField = await dnc("import", join(FIXTURES, "two-files.zip"), "--map", "1=fax", "--server", socket);
    expect(badField.stderr).toMatch(/^dnc: --map 1: 'fax' is not one of contact, phone, email, customer_id/);
    const bomb = await dnc("import", join(FIXTURES, "bomb.zip"), "--server", socket);
    expect(bomb.stderr).toBe("dnc: 'zeros.csv' in 'bomb.zip' is compressed 1030:1, over the limit of 100:1 (a zip bomb?)\n");
    expect((await dnc("import", "--server", socket)).stderr).toBe("dnc: import: give one FILE\n");
  });
});
