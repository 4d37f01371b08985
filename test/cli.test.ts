// The `dnc` command as a user runs it: a real `dnc serve` process, `dnc add`
// and `dnc check` against it, and a graceful stop on SIGTERM that leaves the
// data readable by the next start.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./support/temp-dir.js";

const cli = join(import.meta.dirname, "../bin/dnc.js");
const run = promisify(execFile);

async function serve(dataDir: string, grpc: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, "serve", "--data-dir", dataDir, "--grpc-listen", grpc, "--http-listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!out.includes("dnc serving")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dnc serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

async function dnc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("dnc CLI", () => {
  const dir = tempDir();
  const socket = `unix:${dir.path}/grpc.sock`;
  afterAll(() => dir.remove());

  it("serves, adds, checks, and stops cleanly on SIGTERM", async () => {
    let server = await serve(join(dir.path, "data"), socket);
    const added = await dnc("add", "+44 7700 900123", "nonsense", "--channel", "sms", "--reason", "opt-out", "--server", socket);
    expect(added.stdout).toMatch(/added 1, repeated 0, rejected 1/);
    expect(added.stdout).toMatch(/rejected nonsense: contact is not a phone number/);
    expect(added.code).toBe(1);
    const blocked = await dnc("check", "0044 7700 900123", "--channel", "sms", "--server", socket);
    expect(blocked.code).toBe(2);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ blocked: true, code: "DNC_BLOCKED", entry: { contact: "447700900123", reason: "REASON_OPT_OUT" } });
    const allowed = await dnc("check", "+447700900123", "--channel", "voice", "--server", socket);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ blocked: false, code: "" });

    server.kill("SIGTERM");
    const [code] = await once(server, "exit");
    expect(code).toBe(0);

    server = await serve(join(dir.path, "data"), socket);
    const afterRestart = await dnc("check", "+447700900123", "--channel", "sms", "--server", socket);
    expect(JSON.parse(afterRestart.stdout)).toMatchObject({ blocked: true });
    server.kill("SIGINT");
    expect((await once(server, "exit"))[0]).toBe(0);
  });

  it("names the flag that is wrong", async () => {
    const bad = await dnc("check", "+447700900123", "--channel", "pigeon");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--channel: 'pigeon' is not one of sms, mms, rcs, viber, whatsapp, email, voice/);
  });
});
