// The `dnc` command as a user runs it: a real `dnc serve` process, `dnc add`,
// `dnc check` and `dnc keys` against it, and a graceful stop on SIGTERM that
// leaves the data readable by the next start.

import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDnc, startServe } from "./support/dnc-serve.js";
import { tempDir } from "./support/temp-dir.js";

const ADMIN_TOKEN = "cli-test-admin-token";

const dnc = (...args: string[]) => runDnc({}, ...args);

describe("dnc CLI", () => {
  const dir = tempDir();
  const socket = `unix:${dir.path}/grpc.sock`;
  afterAll(() => dir.remove());

  it("serves, adds, checks, and stops cleanly on SIGTERM", async () => {
    let server = await startServe(join(dir.path, "data"), socket, { DNC_ADMIN_TOKEN: ADMIN_TOKEN });
    expect(server.output()).not.toMatch(/created admin API key/);
    const added = await runDnc({ DNC_ADMIN_TOKEN: ADMIN_TOKEN }, "add", "+44 7700 900123", "nonsense", "--channel", "sms", "--reason", "opt-out", "--server", socket);
    expect(added.stdout).toMatch(/added 1, repeated 0, rejected 1/);
    expect(added.stdout).toMatch(/rejected nonsense: contact is not a phone number/);
    expect(added.code).toBe(1);
    const blocked = await dnc("check", "0044 7700 900123", "--channel", "sms", "--server", socket);
    expect(blocked.code).toBe(2);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ blocked: true, code: "DNC_BLOCKED", entry: { contact: "447700900123", reason: "REASON_OPT_OUT" } });
    const allowed = await dnc("check", "+447700900123", "--channel", "voice", "--server", socket);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ blocked: false, code: "" });
    const invalid = await dnc("check", "nope", "--channel", "sms", "--server", socket);
    expect([invalid.code, JSON.parse(invalid.stdout).code]).toEqual([3, "INVALID_RECIPIENT"]);

    // Several channels, senders or accounts are several entries; any other flag given twice is refused, never cut to its last value.
    const several = await runDnc({ DNC_ADMIN_TOKEN: ADMIN_TOKEN }, "add", "+44 7700 900124", "--channel", "sms", "--channel", "voice", "--account", "t1", "--account", "t2", "--server", socket);
    expect(several.stdout).toMatch(/added 4, repeated 0, rejected 0/);
    for (const [channel, account] of [["sms", "t1"], ["voice", "t2"]]) {
      expect((await dnc("check", "+447700900124", "--channel", channel!, "--account", account!, "--server", socket)).code).toBe(2);
    }
    const twice = await dnc("check", "+447700900124", "--channel", "sms", "--channel", "voice", "--server", socket);
    expect([twice.code, twice.stderr]).toEqual([1, "dnc: --channel is given twice ('sms', 'voice'); it takes one value\n"]);
    const importTwice = await runDnc({ DNC_ADMIN_TOKEN: ADMIN_TOKEN }, "import", "x.csv", "--sender", "A", "--sender", "B", "--server", socket);
    expect(importTwice.stderr).toBe("dnc: --sender is given twice ('A', 'B'); it takes one value\n");
    // -h is a note's text where it follows --note=; as a flag of its own it asks for the usage.
    const noted = await runDnc({ DNC_ADMIN_TOKEN: ADMIN_TOKEN }, "add", "+44 7700 900125", "--note=-h", "--server", socket);
    expect(noted.stdout).toMatch(/added 1/);
    const help = await dnc("add", "+44 7700 900126", "-h");
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("dnc add CONTACT...")]);

    server.kill("SIGTERM");
    const [code] = await once(server, "exit");
    expect(code).toBe(0);

    server = await startServe(join(dir.path, "data"), socket);
    const afterRestart = await dnc("check", "+447700900123", "--channel", "sms", "--server", socket);
    expect(JSON.parse(afterRestart.stdout)).toMatchObject({ blocked: true });
    // A second sidecar on the same data directory would hand out the first one's ids and sequence numbers.
    const second = await runDnc({}, "serve", "--data-dir", join(dir.path, "data"), "--grpc-listen", `unix:${dir.path}/second.sock`, "--http-listen", "127.0.0.1:0");
    expect(second).toMatchObject({ code: 1, stderr: expect.stringMatching(`data directory ${join(dir.path, "data")} is in use by process ${server.pid}`) });
    server.kill("SIGINT");
    expect((await once(server, "exit"))[0]).toBe(0);
  });

  it("names the flag that is wrong", async () => {
    const bad = await dnc("check", "+447700900123", "--channel", "pigeon");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--channel: 'pigeon' is not one of sms, mms, rcs, viber, whatsapp, email, voice/);
    const role = await dnc("keys", "create", "--name", "x", "--role", "boss");
    expect(role.stderr).toMatch(/--role: 'boss' is not one of viewer, operator, admin/);
    const batch = await dnc("serve", "--data-dir", join(dir.path, "never"), "--max-batch", "0");
    expect(batch).toMatchObject({ code: 1, stderr: expect.stringMatching(/--max-batch: expected a whole number from 1 to 2147483647, got 0/) });
    const short = await runDnc({ DNC_ADMIN_TOKEN: "short" }, "serve", "--data-dir", join(dir.path, "never"));
    expect(short).toMatchObject({ code: 1, stderr: expect.stringMatching(/DNC_ADMIN_TOKEN: use at least 16 characters/) });
    const spaced = await runDnc({ DNC_ADMIN_TOKEN: "correct horse battery staple" }, "serve", "--data-dir", join(dir.path, "never"));
    expect(spaced).toMatchObject({ code: 1, stderr: expect.stringMatching(/DNC_ADMIN_TOKEN: must not hold spaces or line breaks/) });
  });

  it("prints the first admin key once; keys create, list and revoke; --filter-token", async () => {
    const data = join(dir.path, "keys-data");
    const sock = `unix:${dir.path}/keys.sock`;
    // A first start that fails to bind its port makes no key: the start that works prints it.
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const failed = await runDnc({}, "serve", "--data-dir", data, "--grpc-listen", sock, "--http-listen", `127.0.0.1:${(busy.address() as AddressInfo).port}`);
    busy.close();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^dnc: cannot serve HTTP on 127\.0\.0\.1:\d+ \(--http-listen\): .*EADDRINUSE/);
    expect(failed.stderr + failed.stdout).not.toMatch(/created admin API key/);
    let server = await startServe(data, sock);
    const adminKey = /dnc: created admin API key 'admin': (dnc_\S+) {2}\(shown once; store it now\)\n/.exec(server.output())?.[1];
    expect(adminKey).toBeDefined();

    const created = await dnc("keys", "create", "--name", "ci", "--role", "operator", "--server", sock, "--token", adminKey!);
    expect(created.code).toBe(0);
    const [said, ciKey] = created.stdout.trim().split("\n");
    expect(said).toBe("created API key 'ci' with role operator; the key, shown this once:");
    expect(ciKey).toMatch(/^dnc_[A-Za-z0-9_-]{43}$/);
    expect((await runDnc({ DNC_TOKEN: ciKey! }, "add", "+447700900555", "--server", sock)).stdout).toMatch(/added 1/);

    const weak = await runDnc({ DNC_TOKEN: ciKey! }, "keys", "list", "--server", sock);
    expect(weak).toMatchObject({ code: 1, stderr: "dnc: ListApiKeys needs ROLE_ADMIN; API key 'ci' has ROLE_OPERATOR\n" });
    const none = await dnc("keys", "list", "--server", sock);
    expect(none.stderr).toMatch(/^dnc: no API key: .* \(give --token KEY, or set DNC_TOKEN\)$/m);

    const time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
    const listed = await runDnc({ DNC_ADMIN_TOKEN: "not-a-key-but-a-fallback", DNC_TOKEN: adminKey! }, "keys", "list", "--server", sock);
    expect(listed.stdout.split("\n").slice(0, 3)).toEqual([
      expect.stringMatching(/^NAME +ROLE +CREATED +LAST USED +REVOKED$/),
      expect.stringMatching(new RegExp(`^admin +admin +${time} +${time} +-$`)),
      expect.stringMatching(new RegExp(`^ci +operator +${time} +${time} +-$`)),
    ]);

    const revoked = await dnc("keys", "revoke", "ci", "--server", sock, "--token", adminKey!);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked API key 'ci' at ${time}$`, "m"));
    const refused = await dnc("add", "+447700900556", "--server", sock, "--token", ciKey!);
    expect(refused.stderr).toMatch(/API key 'ci' is revoked/);
    const after = await dnc("keys", "list", "--server", sock, "--token", adminKey!);
    expect(after.stdout).toMatch(new RegExp(`^ci +operator +${time} +${time} +${time}$`, "m"));
    server.kill("SIGTERM");
    expect((await once(server, "exit"))[0]).toBe(0);

    server = await startServe(data, sock, {}, "--filter-token");
    expect(server.output()).not.toMatch(/created admin API key/);
    const open = await dnc("check", "+447700900555", "--channel", "sms", "--server", sock);
    expect(open.stderr).toMatch(/no API key/);
    const blocked = await dnc("check", "+447700900555", "--channel", "sms", "--server", sock, "--token", adminKey!);
    expect(blocked.code).toBe(2);
    server.kill("SIGTERM");
    expect((await once(server, "exit"))[0]).toBe(0);
  });
});
