// The Connect door on the admin HTTP port, with connect-node's own clients
// over real sockets: the Connect protocol (binary and JSON) and gRPC-web,
// auth and a role matrix, rich INVALID_ARGUMENT details on both doors,
// WatchChanges over gRPC-web, curl-style JSON, CORS, and the call log.

import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type CallOptions, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { Role } from "../sidecar/gen/dnc/v1/api_key_pb.js";
import { HistoryAction } from "../sidecar/gen/dnc/v1/history_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { BadRequestSchema } from "../sidecar/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../sidecar/gen/google/rpc/status_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { createLogger } from "../sidecar/logging/logger.js";
import type { Sidecar } from "../sidecar/sidecar.js";
import { tempDir } from "./support/temp-dir.js";
import { startLoopbackSidecar } from "./support/test-sidecar.js";

const TOKEN = "connect-door-test-admin-token";
const ADMIN_PRINCIPAL = "env-admin-token";

type AdminClient = Client<typeof AdminService>;
type Protocol = "connect-binary" | "connect-json" | "grpc-web";
const PROTOCOLS: Protocol[] = ["connect-binary", "connect-json", "grpc-web"];

/** `null` sends no authorization header at all. */
const bearer =
  (key: string | null): Interceptor =>
  (next) =>
  (req) => {
    if (key !== null) req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };

async function connectError(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err: unknown) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

/** The first message of a server stream, or its error; a stream that stays quiet is cut off after `ms`. */
async function firstMessage<T>(stream: (signal: AbortSignal) => AsyncIterable<T>, ms: number): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    for await (const msg of stream(ac.signal)) return msg;
    throw new Error("the stream ended without a message");
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

describe("Connect door", () => {
  const dir = tempDir();
  const logLines: string[] = [];
  let sidecar: Sidecar;
  let baseUrl: string;
  const keys: Partial<Record<"viewer" | "operator" | "admin", string>> = {};

  const transport = (protocol: Protocol, key: string | null): Transport => {
    const interceptors = [bearer(key)];
    return protocol === "grpc-web"
      ? createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors })
      : createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: protocol === "connect-binary", interceptors });
  };
  const client = (protocol: Protocol, key: string | null = TOKEN): AdminClient => createClient(AdminService, transport(protocol, key));
  const logs = () => logLines.map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    sidecar = await startLoopbackSidecar(dir.path, TOKEN, {
      maxBatch: 500,
      logger: createLogger("info", { write: (line: string) => void logLines.push(line) }),
    });
    baseUrl = `http://127.0.0.1:${sidecar.httpPort}`;
    const admin = client("connect-binary");
    for (const [name, role] of [
      ["viewer", Role.VIEWER],
      ["operator", Role.OPERATOR],
      ["admin", Role.ADMIN],
    ] as const) {
      keys[name] = (await admin.createApiKey({ name: `${name}-key`, role })).secret;
    }
  });

  afterAll(async () => {
    await sidecar.stop(1000);
    dir.remove();
  });

  describe.each(PROTOCOLS)("over %s", (protocol) => {
    it("adds and lists entries with the admin key, as that principal", async () => {
      const c = client(protocol);
      const contact = `${protocol}@example.com`;
      const added = await c.addEntries({ entries: [{ contact, channel: Channel.EMAIL }] });
      expect(added.added).toBe(1);
      const listed = await c.listEntries({ filter: { contact } });
      expect(listed.entries.map((e) => [e.contact, e.addedBy])).toEqual([[contact, ADMIN_PRINCIPAL]]);
    });

    it("INVALID_ARGUMENT carries a google.rpc.BadRequest naming the field", async () => {
      const err = await connectError(client(protocol).listEntries({ pageSize: 5000 }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toBe("page_size: at most 1000");
      const [bad] = err.findDetails(BadRequestSchema);
      expect(bad?.fieldViolations.map((v) => [v.field, v.description])).toEqual([["page_size", "at most 1000"]]);
    });

    it("no key or a wrong key is UNAUTHENTICATED; too weak a role is PERMISSION_DENIED", async () => {
      expect((await connectError(client(protocol, null).listEntries({}))).code).toBe(Code.Unauthenticated);
      expect((await connectError(client(protocol, "not-a-key").listEntries({}))).code).toBe(Code.Unauthenticated);
      expect((await connectError(client(protocol, keys.viewer!).addEntries({}))).code).toBe(Code.PermissionDenied);
    });
  });

  describe("role matrix: every method × no key, wrong key, each role", () => {
    const OPERATOR_METHODS = new Set(["AddEntries", "RemoveEntries", "RemoveByFilter", "UploadImportFile", "AnalyzeImport", "StartImport", "CancelImport", "ExportEntries"]);
    const ADMIN_METHODS = new Set(["CreateApiKey", "ListApiKeys", "RevokeApiKey", "CreateWebhook", "ListWebhooks", "DeleteWebhook"]);
    const leastRole = (method: string) => (ADMIN_METHODS.has(method) ? Role.ADMIN : OPERATOR_METHODS.has(method) ? Role.OPERATOR : Role.VIEWER);
    const callers = [
      ["no key", undefined],
      ["wrong key", "wrong"],
      ["viewer", Role.VIEWER],
      ["operator", Role.OPERATOR],
      ["admin", Role.ADMIN],
    ] as const;

    /** The call's code, with an empty request (one, for a client stream); a stream that stays open counts as let in. */
    async function outcome(c: AdminClient, method: (typeof AdminService.methods)[number]): Promise<Code | "ok"> {
      const fn = (c as unknown as Record<string, (req: object, options?: CallOptions) => unknown>)[method.localName]!;
      try {
        if (method.methodKind === "server_streaming") {
          await firstMessage((signal) => fn({}, { signal }) as AsyncIterable<unknown>, 300);
        } else if (method.methodKind === "client_streaming") {
          await fn((async function* () {
            yield {};
          })());
        } else {
          await fn({});
        }
        return "ok";
      } catch (err: unknown) {
        return ConnectError.from(err).code;
      }
    }

    it.each(AdminService.methods.map((m) => [m.name, m] as const))("%s", async (_name, method) => {
      for (const [caller, who] of callers) {
        const key = who === undefined ? null : who === "wrong" ? "wrong-key-0123456789" : keys[caller as "viewer" | "operator" | "admin"]!;
        const code = await outcome(client("connect-json", key), method);
        if (typeof who !== "number") expect(code, `${method.name} with ${caller}`).toBe(Code.Unauthenticated);
        else if (who < leastRole(method.name)) expect(code, `${method.name} as ${caller}`).toBe(Code.PermissionDenied);
        else expect([Code.Unauthenticated, Code.PermissionDenied], `${method.name} as ${caller}`).not.toContain(code);
      }
    });
  });

  it("the gRPC door sends the same BadRequest in grpc-status-details-bin", async () => {
    const grpc = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`);
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${TOKEN}`);
    let err: ServiceError | undefined;
    try {
      await grpc.call(AdminService.method.listEntries, { pageSize: 5000 }, metadata);
    } catch (e: unknown) {
      err = e as ServiceError;
    } finally {
      grpc.close();
    }
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    const [bin] = err!.metadata.get("grpc-status-details-bin");
    const rich = fromBinary(StatusSchema, bin as Buffer);
    expect(rich.code).toBe(status.INVALID_ARGUMENT);
    expect(rich.message).toBe("page_size: at most 1000");
    const bad = anyUnpack(rich.details[0]!, BadRequestSchema);
    expect(bad?.fieldViolations.map((v) => [v.field, v.description])).toEqual([["page_size", "at most 1000"]]);
  });

  it("WatchChanges over gRPC-web receives a change committed after it started", async () => {
    const c = client("grpc-web");
    const ac = new AbortController();
    const stream = c.watchChanges({}, { signal: ac.signal })[Symbol.asyncIterator]();
    const first = stream.next();
    // The subscription is made when the server runs the handler; give it that moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await c.addEntries({ entries: [{ contact: "watched@example.com", channel: Channel.EMAIL }] });
    const timeout = setTimeout(() => ac.abort(), 5000);
    const res = await first;
    clearTimeout(timeout);
    ac.abort();
    expect(res.done).toBe(false);
    expect(res.value?.event).toMatchObject({ action: HistoryAction.ADDED, actor: ADMIN_PRINCIPAL, entry: { contact: "watched@example.com" } });
  });

  describe("plain HTTP", () => {
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${baseUrl}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

    it("curl-style JSON POST to /dnc.v1.AdminService/ListEntries", async () => {
      await client("connect-binary").addEntries({ entries: [{ contact: "curl@example.com", channel: Channel.EMAIL }] });
      const res = await post("/dnc.v1.AdminService/ListEntries", JSON.stringify({ filter: { contact: "curl@example.com" } }), {
        authorization: `Bearer ${TOKEN}`,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      const body = (await res.json()) as { entries: { contact: string; channel: string }[]; totalCount: string };
      expect(body.entries).toEqual([expect.objectContaining({ contact: "curl@example.com", channel: "CHANNEL_EMAIL" })]);
      expect(body.totalCount).toBe("1");
    });

    it("errors are Connect JSON errors with the HTTP status of their code", async () => {
      const unauth = await post("/dnc.v1.AdminService/ListEntries", "{}", {});
      expect(unauth.status).toBe(401);
      expect(await unauth.json()).toMatchObject({ code: "unauthenticated" });
      const bad = await post("/dnc.v1.AdminService/ListEntries", JSON.stringify({ pageSize: 5000 }), { authorization: `Bearer ${TOKEN}` });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: "invalid_argument", details: [expect.objectContaining({ type: "google.rpc.BadRequest" })] });
    });

    it("a JSON field or enum name the API does not have is INVALID_ARGUMENT, and nothing is touched", async () => {
      const admin = client("connect-binary");
      await admin.addEntries({ entries: [{ contact: "+447700955001", channel: Channel.SMS }, { contact: "+447700955002", channel: Channel.VOICE }] });
      const auth = { authorization: `Bearer ${TOKEN}` };
      const typo = await post(
        "/dnc.v1.AdminService/RemoveByFilter",
        JSON.stringify({ filter: { contactPrefix: "4477009550", channels: ["CHANNEL_SMSS"] }, consentConfirmed: true, note: "typo" }),
        auth,
      );
      expect(typo.status).toBe(400);
      expect(await typo.json()).toMatchObject({ code: "invalid_argument", message: expect.stringContaining("CHANNEL_SMSS") });
      const misspelt = await post("/dnc.v1.AdminService/RemoveByFilter", JSON.stringify({ filter: { contactPrefix: "4477009550", chanels: ["CHANNEL_SMS"] }, consentConfirmed: true, note: "typo" }), auth);
      expect(misspelt.status).toBe(400);
      expect(await misspelt.json()).toMatchObject({ code: "invalid_argument", message: expect.stringContaining("chanels") });
      expect((await admin.listEntries({ filter: { contactPrefix: "4477009550" } })).totalCount).toBe(2n);
    });

    it("checks the key before it reads the body: no key is 401 whatever the body, and a body still on its way is not waited for", async () => {
      const garbled = await post("/dnc.v1.AdminService/RemoveByFilter", '{"filter":{"chanels":', {});
      expect(garbled.status).toBe(401);
      expect(await garbled.json()).toMatchObject({ code: "unauthenticated" });
      const weak = await post("/dnc.v1.AdminService/CreateApiKey", "not json", { authorization: `Bearer ${keys.viewer}` });
      expect(weak.status).toBe(403);
      const answered = await new Promise<number>((resolve, reject) => {
        const req = request(`${baseUrl}/dnc.v1.AdminService/ListEntries`, { method: "POST", headers: { "content-type": "application/json", "content-length": "1000000" } }, (res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          req.destroy();
        });
        req.on("error", reject);
        req.write('{"filter":');
      });
      expect(answered).toBe(401);
    });

    it("a refused call with a large body is answered and its body dropped; the next call is served", async () => {
      // About 300 KB of JSON: more than a socket takes before its writer must wait for the reader.
      const large = JSON.stringify({ entries: Array.from({ length: 6000 }, (_, i) => ({ contact: `+4477007${String(i).padStart(5, "0")}`, note: "refused" })) });
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      // The whole body is written before the answer is read, as clients do; a broken pipe rejects.
      const send = (key: string | undefined, body = large) =>
        new Promise<number>((resolve, reject) => {
          const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
          if (key !== undefined) headers.authorization = `Bearer ${key}`;
          const req = request(`${baseUrl}/dnc.v1.AdminService/AddEntries`, { method: "POST", headers, agent }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          });
          req.on("error", reject);
          req.end(body);
        });
      try {
        for (let i = 0; i < 10; i++) {
          expect(await send(undefined)).toBe(401);
          expect(await send(keys.viewer)).toBe(403);
        }
        const grpcWeb = client("grpc-web", keys.viewer!);
        const entries = Array.from({ length: 6000 }, (_, i) => ({ contact: `+4477008${String(i).padStart(5, "0")}` }));
        for (let i = 0; i < 10; i++) expect((await connectError(grpcWeb.addEntries({ entries }))).code).toBe(Code.PermissionDenied);
        // The refused bodies were dropped, not stored, and an admitted call is served after them.
        expect(await send(keys.operator, JSON.stringify({ entries: [{ contact: "+447700699999" }] }))).toBe(200);
        for (const contactPrefix of ["4477007", "4477008"]) expect((await client("connect-binary").listEntries({ filter: { contactPrefix } })).totalCount).toBe(0n);
      } finally {
        agent.destroy();
      }
    });

    it("CORS: preflight allows the Connect and gRPC-web headers, responses expose the gRPC status headers", async () => {
      const origin = "http://console.example";
      const pre = await fetch(`${baseUrl}/dnc.v1.AdminService/ListEntries`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,x-grpc-web" },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe(origin);
      const allowed = (pre.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(["authorization", "content-type", "connect-protocol-version", "x-grpc-web", "grpc-timeout"]));
      const res = await post("/dnc.v1.AdminService/ListEntries", "{}", { origin, authorization: `Bearer ${TOKEN}` });
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin"]));
    });

    it("keeps /healthz and /readyz, and 404s anything else", async () => {
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
      for (const path of ["/healthz", "/readyz", "/metrics"]) {
        const posted = await fetch(`${baseUrl}${path}`, { method: "POST" });
        expect([posted.status, posted.headers.get("allow")], path).toEqual([405, "GET, HEAD"]);
      }
      const put = await fetch(`${baseUrl}/imports/uploads?name=a.csv`, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}` } });
      expect([put.status, put.headers.get("allow")]).toEqual([405, "POST"]);
      const deleted = await fetch(`${baseUrl}/imports/job/rejected.csv`, { method: "DELETE" });
      expect([deleted.status, deleted.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
      const preflight = await fetch(`${baseUrl}/exports?format=csv`, { method: "OPTIONS", headers: { origin: "http://console.example" } });
      expect([preflight.status, preflight.headers.get("access-control-allow-origin")]).toEqual([204, "http://console.example"]);
      const download = await fetch(`${baseUrl}/exports?format=csv`, { headers: { origin: "http://console.example", authorization: `Bearer ${TOKEN}` } });
      const exposed = (download.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(["content-disposition", "dnc-rows-total"]));
      await download.arrayBuffer();
      expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
      expect((await fetch(`${baseUrl}/nothing-here`)).status).toBe(404);
    });
  });

  it("logs one line per admin call on both doors, refused attempts included, never the key", async () => {
    logLines.length = 0;
    await client("connect-json").listEntries({});
    await connectError(client("grpc-web", "wrong-key-0123456789").getStats({}));
    const grpc = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`);
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${keys.viewer}`);
    await grpc.call(AdminService.method.listEntries, {}, metadata);
    await grpc.call(AdminService.method.addEntries, {}, metadata).catch(() => undefined);
    grpc.close();

    expect(logs().map((l) => [l.door, l.method, l.principal, l.outcome])).toEqual([
      ["connect", "ListEntries", ADMIN_PRINCIPAL, "ok"],
      ["connect", "GetStats", null, "unauthenticated"],
      ["grpc", "ListEntries", "viewer-key", "ok"],
      ["grpc", "AddEntries", "viewer-key", "permission_denied"],
    ]);
    for (const l of logs()) {
      expect(l.durationMs).toEqual(expect.any(Number));
      expect(l.peer).toEqual(expect.stringContaining("127.0.0.1"));
    }
    expect(logs().map((l) => l.level)).toEqual([30, 40, 30, 40]);
    const all = logLines.join("");
    for (const secret of [TOKEN, keys.viewer!]) expect(all).not.toContain(secret);
  });
});
