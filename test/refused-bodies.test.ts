// Calls the admin HTTP port refuses before it reads their bodies, against
// `dnc serve` in a process of its own (in one process, a client writes its
// whole body before the server's turn comes, and never meets a closed
// socket): the client reads the 401 or 403 it was sent, not a broken pipe;
// an upload whose key is revoked while it streams is refused and not kept;
// and a path is not looked at before the key is.

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { Role } from "../sidecar/gen/dnc/v1/api_key_pb.js";
import { startServe } from "./support/dnc-serve.js";
import { tempDir } from "./support/temp-dir.js";

const TOKEN = "refused-bodies-admin-token";

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err: unknown) {
    return ConnectError.from(err).code;
  }
}

describe("bodies of refused calls", () => {
  const dir = tempDir();
  let server: ChildProcess & { output(): string };
  let baseUrl: string;
  const keys: Record<"viewer" | "operator", string> = { viewer: "", operator: "" };
  const admin = () =>
    createClient(AdminService, createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${TOKEN}`), next(req))] }));

  beforeAll(async () => {
    server = await startServe(join(dir.path, "data"), "127.0.0.1:0", { DNC_ADMIN_TOKEN: TOKEN });
    const port = /HTTP on 127\.0\.0\.1:(\d+)/.exec(server.output())?.[1];
    expect(port, server.output()).toBeDefined();
    expect(port).not.toBe("0");
    baseUrl = `http://127.0.0.1:${port}`;
    keys.viewer = (await admin().createApiKey({ name: "viewer", role: Role.VIEWER })).secret;
    keys.operator = (await admin().createApiKey({ name: "operator", role: Role.OPERATOR })).secret;
  });

  afterAll(async () => {
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    dir.remove();
  });

  /** The whole body is written before the answer is read, as HTTP clients do; a broken pipe or a reset rejects. */
  const post = (path: string, key: string | undefined, chunks: Buffer[], contentType = "application/json") =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string> = { "content-type": contentType };
      if (key !== undefined) headers.authorization = `Bearer ${key}`;
      const req = request(`${baseUrl}${path}`, { method: "POST", headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

  it("a Connect or gRPC-web client reads the refusal of a large call, not a broken pipe", async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ contact: `+4477009${String(i).padStart(5, "0")}`, note: "refused, never stored" }));
    for (const transport of [createConnectTransport({ baseUrl, httpVersion: "1.1" }), createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })]) {
      const client = createClient(AdminService, transport);
      const codes = new Set<Code | "ok">();
      for (let i = 0; i < 15; i++) {
        codes.add(await codeOf(client.addEntries({ entries }, { headers: { authorization: `Bearer ${keys.viewer}` } })));
        codes.add(await codeOf(client.addEntries({ entries })));
      }
      expect([...codes].sort()).toEqual([Code.PermissionDenied, Code.Unauthenticated].sort());
    }
    expect((await admin().listEntries({ filter: { contactPrefix: "4477009" } })).totalCount).toBe(0n);
  });

  it("an HTTP upload without the role to make it gets its 401 or 403, and the rest of its body is dropped", async () => {
    const file = Array.from({ length: 32 }, () => Buffer.alloc(64 * 1024, "+447700900123\n"));
    for (let i = 0; i < 5; i++) {
      expect(await post("/imports/uploads?name=a.csv", undefined, file, "text/csv")).toBe(401);
      expect(await post("/imports/uploads?name=a.csv", keys.viewer, file, "text/csv")).toBe(403);
    }
    expect(readdirSync(join(dir.path, "data", "uploads"))).toEqual([]);
  });

  it("a refused upload over the Connect door is dropped up to the import's file limit, past a message's", async () => {
    const client = createClient(AdminService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    const chunk = Buffer.alloc(1024 * 1024, "+447700900123\n");
    // 40 MB: more than one message may hold (32 MB), less than a file may (150 MB).
    const messages = async function* () {
      yield { fileName: "big.csv", chunk };
      for (let i = 1; i < 40; i++) yield { chunk };
    };
    expect(await codeOf(client.uploadImportFile(messages(), { headers: { authorization: `Bearer ${keys.viewer}` } }))).toBe(Code.PermissionDenied);
  });

  it("an upload whose key is revoked while it streams is refused, and nothing of it is kept", async () => {
    const { secret } = await admin().createApiKey({ name: "revoked-midway", role: Role.OPERATOR });
    const chunk = Buffer.alloc(64 * 1024, "+447700900123\n");
    // Over HTTP: the first half, the revocation, then the rest.
    const status = new Promise<number>((resolve, reject) => {
      const req = request(`${baseUrl}/imports/uploads?name=a.csv`, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "text/csv" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.write(chunk);
      setTimeout(() => {
        admin()
          .revokeApiKey({ name: "revoked-midway" })
          .then(() => req.end(chunk), reject);
      }, 200);
    });
    expect(await status).toBe(401);
    // As a Connect client stream: the same.
    const { secret: second } = await admin().createApiKey({ name: "revoked-midway-2", role: Role.OPERATOR });
    const client = createClient(AdminService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    const messages = async function* () {
      yield { fileName: "b.csv", chunk };
      await admin().revokeApiKey({ name: "revoked-midway-2" });
      yield { chunk };
    };
    expect(await codeOf(client.uploadImportFile(messages(), { headers: { authorization: `Bearer ${second}` } }))).toBe(Code.Unauthenticated);
    expect(readdirSync(join(dir.path, "data", "uploads"))).toEqual([]);
    expect((await admin().listImports({})).jobs).toEqual([]);
  });

  it("checks the key of a download before it reads the path", async () => {
    const res = await fetch(`${baseUrl}/imports/%zz/rejected.csv`);
    expect(res.status).toBe(401);
    const keyed = await fetch(`${baseUrl}/imports/%zz/rejected.csv`, { headers: { authorization: `Bearer ${keys.viewer}` } });
    expect([keyed.status, ((await keyed.json()) as { message: string }).message]).toEqual([400, "job_id: '%zz' holds a malformed percent-escape"]);
  });
});
