// A client in another language that knows only proto/: `buf curl` (Go) calls
// the sidecar with the schema compiled from proto/ and JSON bodies, and also
// through server reflection, as grpcurl-style tools do.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sidecar } from "../sidecar/sidecar.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(import.meta.dirname, "..");
const buf = join(root, "node_modules/.bin/buf");
const run = promisify(execFile);
const ADMIN_TOKEN = "buf-curl-admin-token";

describe("a client built from proto/ alone (buf curl)", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let base: string;

  beforeAll(async () => {
    sidecar = await Sidecar.start({ dataDir: dir.path, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch: 10_000, adminToken: ADMIN_TOKEN });
    base = `http://127.0.0.1:${sidecar.grpcPort}`;
  });
  afterAll(async () => {
    await sidecar.stop(500);
    dir.remove();
  });

  async function call(method: string, body: unknown, schema: "proto" | "reflection" = "proto"): Promise<Record<string, unknown>> {
    const schemaArgs = schema === "proto" ? ["--schema", join(root, "proto")] : ["--reflect"];
    const { stdout } = await run(buf, ["curl", ...schemaArgs, "--protocol", "grpc", "--http2-prior-knowledge", "-H", `authorization: Bearer ${ADMIN_TOKEN}`, "-d", JSON.stringify(body), `${base}/${method}`], { cwd: root });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it("adds entries and gets the verdicts SPEC §4 gives", async () => {
    const added = await call("dnc.v1.AdminService/AddEntries", {
      entries: [
        { contact: "+33 6 12 34 56 78", channel: "CHANNEL_WHATSAPP" },
        { contact: "ops@Example.org", sender: "news@example.org" },
        { contact: "C-9", kind: "CONTACT_KIND_CUSTOMER_ID", account: "eu" },
      ],
    });
    expect(added).toEqual({ added: 3 });
    const res = await call("dnc.v1.FilterService/FilterBatch", {
      channel: "CHANNEL_WHATSAPP",
      account: "eu",
      requests: [
        { recipient: "0033612345678" },
        { recipient: "+33612345678", channel: "CHANNEL_SMS" },
        { recipient: "OPS@example.org", channel: "CHANNEL_EMAIL", sender: "news@example.org" },
        { recipient: "ops@example.org", channel: "CHANNEL_EMAIL", sender: "billing@example.org" },
        { recipient: "+33699999999", customerId: "C-9" },
        { recipient: "+33699999999", customerId: "C-9", account: "us" },
        { recipient: "hello" },
      ],
    }, "reflection");
    expect(res.checked).toBe(7);
    expect((res.blocked as { index?: number }[]).map((b) => b.index ?? 0)).toEqual([0, 2, 4]);
    expect((res.invalid as { index: number; code: string }[]).map((i) => [i.index, i.code])).toEqual([[6, "INVALID_RECIPIENT"]]);
  });
});
