// API keys and roles on the gRPC door, with real keys in a real LMDB store
// and a real grpc-js client: the role matrix over every AdminService method,
// revocation at once, last_used_at, the principal as added_by, the first
// admin key, restarts, no secret on disk, and --filter-token.

import type { DescMethod } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyStore, hashKey } from "../sidecar/auth/api-key-store.js";
import { METHOD_ROLES } from "../sidecar/auth/method-roles.js";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { Role } from "../sidecar/gen/dnc/v1/api_key_pb.js";
import { FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { methodPath } from "../sidecar/grpc/unary-method.js";
import { Sidecar, type SidecarOptions } from "../sidecar/sidecar.js";
import { EntryStore } from "../sidecar/store/entry-store.js";
import { tempDir } from "./support/temp-dir.js";
import { grpcError } from "./support/grpc-error.js";
import { serverStream } from "./support/server-stream.js";

const ADMIN_TOKEN = "api-keys-test-admin-token";
const KEY_FORMAT = /^dnc_[A-Za-z0-9_-]{43}$/;


const openClients: GrpcClient[] = [];

/** A client closed after all tests. */
function clientOf(address: string, token?: string): GrpcClient {
  const client = new GrpcClient(address, { token });
  openClients.push(client);
  return client;
}

afterAll(() => {
  for (const c of openClients) c.close();
});

function start(dataDir: string, options: Partial<SidecarOptions> = {}): Promise<Sidecar> {
  return Sidecar.start({ dataDir, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch: 100, ...options });
}

type Outcome = "UNAUTHENTICATED" | "PERMISSION_DENIED" | "passed";

function outcomeOf(code: status): Outcome {
  if (code === status.UNAUTHENTICATED) return "UNAUTHENTICATED";
  if (code === status.PERMISSION_DENIED) return "PERMISSION_DENIED";
  return "passed";
}

/**
 * The status of an empty request to `method` (for a client-streaming method,
 * one empty message); a stream that neither fails nor ends within a moment
 * has passed auth.
 */
function callStatus(client: GrpcClient, method: DescMethod, authorization: string | undefined): Promise<status> {
  const metadata = new Metadata();
  if (authorization !== undefined) metadata.set("authorization", authorization);
  const path = methodPath(method);
  if (method.methodKind === "unary") {
    return client.callRaw(path, Buffer.alloc(0), metadata).then(
      () => status.OK,
      (err: ServiceError) => err.code,
    );
  }
  if (method.methodKind === "client_streaming") {
    return new Promise((resolve) => {
      const call = client.raw.makeClientStreamRequest(path, (b: Buffer) => b, (b: Buffer) => b, metadata, {}, (err: ServiceError | null) =>
        resolve(err === null ? status.OK : err.code),
      );
      call.write(Buffer.alloc(0));
      call.end();
    });
  }
  return new Promise((resolve) => {
    const stream = client.raw.makeServerStreamRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), metadata, {});
    const done = (code: status) => {
      clearTimeout(timer);
      stream.removeAllListeners();
      stream.on("error", () => {});
      stream.cancel();
      resolve(code);
    };
    const timer = setTimeout(() => done(status.OK), 500);
    stream.on("data", () => done(status.OK));
    stream.on("error", (err: ServiceError) => done(err.code));
    stream.on("status", (s: { code: status }) => done(s.code));
  });
}

describe("API keys and roles on the gRPC door", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let address: string;
  let admin: GrpcClient;
  let anonymous: GrpcClient;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    sidecar = await start(dir.path, { adminToken: ADMIN_TOKEN });
    address = `127.0.0.1:${sidecar.grpcPort}`;
    admin = clientOf(address, ADMIN_TOKEN);
    anonymous = clientOf(address);
    for (const [name, role] of [
      ["viewer-1", Role.VIEWER],
      ["operator-1", Role.OPERATOR],
      ["admin-1", Role.ADMIN],
      ["gone-1", Role.ADMIN],
    ] as const) {
      const res = await admin.call(AdminService.method.createApiKey, { name, role });
      expect(res.secret).toMatch(KEY_FORMAT);
      expect(res.key).toMatchObject({ name, role, createdBy: "env-admin-token" });
      secrets[name] = res.secret;
    }
    await admin.call(AdminService.method.revokeApiKey, { name: "gone-1" });
  });

  afterAll(async () => {
    await sidecar.stop(1000);
    dir.remove();
  });

  it("every method × no key, wrong key, revoked key, each role: refused or let through as method-roles.ts says", async () => {
    const callers: [string, string | undefined, Role | undefined][] = [
      ["no key", undefined, undefined],
      ["wrong key", `Bearer dnc_${"A".repeat(43)}`, undefined],
      ["revoked key", `Bearer ${secrets["gone-1"]}`, undefined],
      ["viewer", `Bearer ${secrets["viewer-1"]}`, Role.VIEWER],
      ["operator", `Bearer ${secrets["operator-1"]}`, Role.OPERATOR],
      ["admin", `Bearer ${secrets["admin-1"]}`, Role.ADMIN],
    ];
    const actual: Record<string, Record<string, Outcome>> = {};
    const expected: Record<string, Record<string, Outcome>> = {};
    for (const method of AdminService.methods) {
      const least = METHOD_ROLES[method.localName as keyof typeof METHOD_ROLES];
      expect(least, method.name).toBeGreaterThan(Role.UNSPECIFIED);
      actual[method.name] = {};
      expected[method.name] = {};
      for (const [caller, authorization, role] of callers) {
        actual[method.name]![caller] = outcomeOf(await callStatus(anonymous, method, authorization));
        expected[method.name]![caller] = role === undefined ? "UNAUTHENTICATED" : role < least ? "PERMISSION_DENIED" : "passed";
      }
    }
    expect(actual).toEqual(expected);
  });

  it("says what is wrong without echoing the secret", async () => {
    const missing = await grpcError(anonymous.call(AdminService.method.listEntries, {}));
    expect(missing.code).toBe(status.UNAUTHENTICATED);
    expect(missing.details).toMatch(/no API key: send the header `authorization: Bearer <key>`/);
    const basic = new Metadata();
    basic.set("authorization", `Basic ${secrets["viewer-1"]}`);
    const notBearer = await grpcError(anonymous.call(AdminService.method.listEntries, {}, basic));
    expect(notBearer.code).toBe(status.UNAUTHENTICATED);
    expect(notBearer.details).toMatch(/must be `Bearer <key>`/);
    const unknown = await grpcError(clientOf(address, "dnc_nope").call(AdminService.method.listEntries, {}));
    expect(unknown.details).toBe("unknown API key");
    const revoked = await grpcError(clientOf(address, secrets["gone-1"]).call(AdminService.method.listEntries, {}));
    expect(revoked.details).toBe("API key 'gone-1' is revoked");
    const weak = await grpcError(clientOf(address, secrets["viewer-1"]).call(AdminService.method.addEntries, {}));
    expect(weak.code).toBe(status.PERMISSION_DENIED);
    expect(weak.details).toBe("AddEntries needs ROLE_OPERATOR; API key 'viewer-1' has ROLE_VIEWER");
    for (const err of [missing, notBearer, unknown, revoked, weak]) {
      for (const secret of Object.values(secrets)) expect(err.details).not.toContain(secret);
    }
    const lowerCase = new Metadata();
    lowerCase.set("authorization", `bearer ${secrets["viewer-1"]}`);
    await expect(anonymous.call(AdminService.method.listEntries, {}, lowerCase)).resolves.toBeDefined();
  });

  it("a revoked key stops working at once; revoking again keeps the first time; an unknown name is NOT_FOUND", async () => {
    const { secret } = await admin.call(AdminService.method.createApiKey, { name: "short-lived", role: Role.OPERATOR });
    const client = clientOf(address, secret);
    await client.call(AdminService.method.listEntries, {});
    const revoked = await admin.call(AdminService.method.revokeApiKey, { name: "short-lived" });
    expect(revoked.key?.revokedAt).toBeDefined();
    const refused = await grpcError(client.call(AdminService.method.listEntries, {}));
    expect(refused.code).toBe(status.UNAUTHENTICATED);
    const again = await admin.call(AdminService.method.revokeApiKey, { name: "short-lived" });
    expect(again.key?.revokedAt).toEqual(revoked.key?.revokedAt);
    const unknown = await grpcError(admin.call(AdminService.method.revokeApiKey, { name: "no-such-key" }));
    expect(unknown.code).toBe(status.NOT_FOUND);
    const unnamed = await grpcError(admin.call(AdminService.method.revokeApiKey, { name: "" }));
    expect([unnamed.code, unnamed.details]).toEqual([status.INVALID_ARGUMENT, "name: required"]);
  });

  /** WatchChanges under a new viewer key named `name`, once the stream has had time to open. */
  async function watchAs(name: string) {
    const { secret } = await admin.call(AdminService.method.createApiKey, { name, role: Role.VIEWER });
    const md = new Metadata();
    md.set("authorization", `Bearer ${secret}`);
    const watch = serverStream(clientOf(address, secret), AdminService.method.watchChanges, {}, md);
    await new Promise((r) => setTimeout(r, 200));
    return watch;
  }

  it("a change feed opened with a key that is then revoked ends before its next message", async () => {
    const watch = await watchAs("watcher");
    await admin.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900871" }] });
    expect((await watch.waitFor(1))[0]!.event!.entry!.contact).toBe("447700900871");
    await admin.call(AdminService.method.revokeApiKey, { name: "watcher" });
    await admin.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900872" }] });
    await watch.finished();
    // The change made after the revocation never reached the revoked key.
    expect(watch.received).toHaveLength(1);
    expect(watch.error?.code).toBe(status.UNAUTHENTICATED);
  });

  it("a change feed opened with a key that is then revoked ends at once, though no change comes", async () => {
    const watch = await watchAs("idle-watcher");
    await admin.call(AdminService.method.revokeApiKey, { name: "idle-watcher" });
    const ended = await Promise.race([watch.finished().then(() => "ended"), new Promise((r) => setTimeout(() => r("still open"), 2000))]);
    expect(ended).toBe("ended");
    expect(watch.received).toHaveLength(0);
    expect([watch.error?.code, watch.error?.details]).toEqual([status.UNAUTHENTICATED, "API key 'idle-watcher' is revoked"]);
  });

  it("CreateApiKey checks the name and the role, and names stay unique, revoked ones included", async () => {
    const cases: [string, Role, status, RegExp][] = [
      ["", Role.VIEWER, status.INVALID_ARGUMENT, /^name: /],
      ["x".repeat(65), Role.VIEWER, status.INVALID_ARGUMENT, /^name: /],
      ["has space", Role.VIEWER, status.INVALID_ARGUMENT, /^name: /],
      ["env-admin-token", Role.VIEWER, status.INVALID_ARGUMENT, /^name: .*reserved/],
      ["no-role", Role.UNSPECIFIED, status.INVALID_ARGUMENT, /^role: /],
      ["bad-role", 9 as Role, status.INVALID_ARGUMENT, /^role: /],
      ["viewer-1", Role.VIEWER, status.ALREADY_EXISTS, /viewer-1/],
      ["gone-1", Role.VIEWER, status.ALREADY_EXISTS, /gone-1/],
    ];
    for (const [name, role, code, details] of cases) {
      const err = await grpcError(admin.call(AdminService.method.createApiKey, { name, role }));
      expect([name, err.code, err.details]).toEqual([name, code, expect.stringMatching(details)]);
    }
    const ok = await admin.call(AdminService.method.createApiKey, { name: "x".repeat(64), role: Role.VIEWER });
    expect(ok.key?.name).toHaveLength(64);
    await admin.call(AdminService.method.createApiKey, { name: "ci.bot_2@eu-west", role: Role.VIEWER });
  });

  it("ListApiKeys shows each key once, with last_used_at set by use and no secret", async () => {
    const { secret } = await admin.call(AdminService.method.createApiKey, { name: "used-later", role: Role.VIEWER });
    const before = (await admin.call(AdminService.method.listApiKeys, {})).keys.find((k) => k.name === "used-later");
    expect(before?.lastUsedAt).toBeUndefined();
    const t0 = Date.now();
    const client = clientOf(address, secret);
    await client.call(AdminService.method.listEntries, {});
    const listed = await admin.call(AdminService.method.listApiKeys, {});
    const after = listed.keys.find((k) => k.name === "used-later")!;
    expect(timestampMs(after.lastUsedAt!)).toBeGreaterThanOrEqual(t0 - 1);
    expect(after).toMatchObject({ role: Role.VIEWER, createdBy: "env-admin-token" });
    expect(after.revokedAt).toBeUndefined();
    expect(listed.keys.filter((k) => k.name === "gone-1")[0]?.revokedAt).toBeDefined();
    expect(new Set(listed.keys.map((k) => k.name)).size).toBe(listed.keys.length);
    expect(JSON.stringify(listed.keys, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toMatch(/dnc_/);
  });

  it("the key's name is the added_by of what it writes, and the created_by of keys it makes", async () => {
    const operator = clientOf(address, secrets["operator-1"]);
    const root = clientOf(address, secrets["admin-1"]);
    await operator.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900555", channel: Channel.SMS }] });
    const contact = await operator.call(AdminService.method.getContact, { contact: "+447700900555" });
    expect(contact.entries.map((e) => e.addedBy)).toEqual(["operator-1"]);
    const made = await root.call(AdminService.method.createApiKey, { name: "made-by-admin-1", role: Role.VIEWER });
    expect(made.key?.createdBy).toBe("admin-1");
  });

  it("FilterService stays open without --filter-token", async () => {
    const res = await anonymous.call(FilterService.method.check, { request: { recipient: "+447700900555", channel: Channel.SMS } });
    expect(res.blocked).toBe(true);
  });
});

describe("keys across restarts", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("creates one admin key on a store without keys and no DNC_ADMIN_TOKEN, keeps keys and last_used_at, stores no secret", async () => {
    let sidecar = await start(dir.path);
    const first = sidecar.createdAdminKey!;
    expect(first).toMatch(KEY_FORMAT);
    const address = () => `127.0.0.1:${sidecar.grpcPort}`;
    let admin = clientOf(address(), first);
    const listed = await admin.call(AdminService.method.listApiKeys, {});
    expect(listed.keys).toMatchObject([{ name: "admin", role: Role.ADMIN, createdBy: "dnc serve" }]);
    const { secret } = await admin.call(AdminService.method.createApiKey, { name: "ops", role: Role.OPERATOR });
    const { secret: revokedSecret } = await admin.call(AdminService.method.createApiKey, { name: "old", role: Role.VIEWER });
    await admin.call(AdminService.method.revokeApiKey, { name: "old" });
    const envless = await grpcError(clientOf(address(), ADMIN_TOKEN).call(AdminService.method.listApiKeys, {}));
    expect(envless.code).toBe(status.UNAUTHENTICATED);
    const ops = clientOf(address(), secret);
    await ops.call(AdminService.method.listEntries, {});
    const usedAt = (await admin.call(AdminService.method.listApiKeys, {})).keys.find((k) => k.name === "ops")!.lastUsedAt;
    expect(usedAt).toBeDefined();
    await sidecar.stop(500);

    const files = readdirSync(dir.path, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(f.parentPath, f.name))));
    for (const s of [first, secret, revokedSecret]) {
      expect(bytes.includes(s)).toBe(false);
      expect(bytes.includes(s.slice(4))).toBe(false);
      expect(bytes.includes(hashKey(s))).toBe(true);
    }

    sidecar = await start(dir.path);
    try {
      expect(sidecar.createdAdminKey).toBeUndefined();
      admin = clientOf(address(), first);
      const keys = (await admin.call(AdminService.method.listApiKeys, {})).keys;
      expect(keys.map((k) => [k.name, k.role, k.revokedAt !== undefined])).toEqual([
        ["admin", Role.ADMIN, false],
        ["ops", Role.OPERATOR, false],
        ["old", Role.VIEWER, true],
      ]);
      expect(keys.find((k) => k.name === "ops")!.lastUsedAt).toEqual(usedAt);
      await clientOf(address(), secret).call(AdminService.method.listEntries, {});
      const stillRevoked = await grpcError(clientOf(address(), revokedSecret).call(AdminService.method.listEntries, {}));
      expect(stillRevoked.code).toBe(status.UNAUTHENTICATED);
    } finally {
      await sidecar.stop(500);
    }
  });

  it("notes last_used_at in memory and writes it on flush, not on every use", async () => {
    const store = EntryStore.open(join(dir.path, "unit"));
    const keys = ApiKeyStore.open(store);
    try {
      const { secret } = await keys.create("hot", Role.VIEWER, "test");
      const raw = store.openDb<{ lastUsedAt?: number }>("api-keys");
      expect(keys.use(hashKey(secret))?.lastUsedAt).toBeDefined();
      expect(raw.get("hot")?.lastUsedAt).toBeUndefined();
      await keys.flush();
      expect(raw.get("hot")?.lastUsedAt).toBe(keys.list()[0]!.lastUsedAt);
    } finally {
      await keys.close();
      await store.close();
    }
  });
});

describe("--filter-token", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let address: string;
  let viewer: string;

  beforeAll(async () => {
    sidecar = await start(dir.path, { adminToken: ADMIN_TOKEN, filterToken: true });
    address = `127.0.0.1:${sidecar.grpcPort}`;
    const admin = clientOf(address, ADMIN_TOKEN);
    viewer = (await admin.call(AdminService.method.createApiKey, { name: "gateway", role: Role.VIEWER })).secret;
    await admin.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900123" }] });
  });
  afterAll(async () => {
    await sidecar.stop(500);
    dir.remove();
  });

  it("FilterBatch and Check need a valid key of any role", async () => {
    const batch = { channel: Channel.SMS, recipients: ["+447700900123"] };
    const check = { request: { recipient: "+447700900123", channel: Channel.SMS } };
    for (const token of [undefined, "dnc_wrong"]) {
      const client = clientOf(address, token);
      expect((await grpcError(client.call(FilterService.method.filterBatch, batch))).code).toBe(status.UNAUTHENTICATED);
      expect((await grpcError(client.call(FilterService.method.check, check))).code).toBe(status.UNAUTHENTICATED);
    }
    const gateway = clientOf(address, viewer);
    expect((await gateway.call(FilterService.method.filterBatch, batch)).blocked).toHaveLength(1);
    expect((await gateway.call(FilterService.method.check, check)).blocked).toBe(true);
    const admin = clientOf(address, ADMIN_TOKEN);
    await admin.call(AdminService.method.revokeApiKey, { name: "gateway" });
    const revoked = clientOf(address, viewer);
    expect((await grpcError(revoked.call(FilterService.method.check, check))).code).toBe(status.UNAUTHENTICATED);
  });
});
