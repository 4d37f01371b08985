// Webhooks against a real HTTP receiver on 127.0.0.1: every add and removal
// exactly once, in order, signed, through failures and retries, and across
// a restart of the sidecar while the receiver was down.

import { fromJsonString } from "@bufbuild/protobuf";
import { Metadata, status } from "@grpc/grpc-js";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { HistoryAction, HistoryEventSchema, type HistoryEvent } from "../sidecar/gen/dnc/v1/history_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { Sidecar } from "../sidecar/sidecar.js";
import { tempDir } from "./support/temp-dir.js";
import { startTestSidecar } from "./support/test-sidecar.js";
import { grpcError } from "./support/grpc-error.js";

const TOKEN = "test-admin-token-webhooks";
process.env.DNC_ADMIN_TOKEN = TOKEN;

const md = new Metadata();
md.set("authorization", `Bearer ${TOKEN}`);


async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  event: HistoryEvent;
}

/** A webhook receiver: answers 500 to the first `failFirst` posts, 200 after; keeps what it accepted. */
class Receiver {
  readonly accepted: Delivery[] = [];
  posts = 0;
  private server: Server | undefined;
  port = 0;

  constructor(private failFirst: number) {}

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.posts++;
        if (this.failFirst > 0) {
          this.failFirst--;
          res.writeHead(500).end("try later");
          return;
        }
        const body = Buffer.concat(chunks).toString("utf8");
        this.accepted.push({ headers: req.headers, body, event: fromJsonString(HistoryEventSchema, body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/hooks/dnc`;
  }

  async close(): Promise<void> {
    const server = this.server!;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function validSignature(secret: string, d: Delivery): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(d.body).digest("hex")}`);
  const given = Buffer.from(String(d.headers["dnc-signature"]));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const startSidecar = (dataDir: string) => startTestSidecar(dataDir, TOKEN);

const phone = (n: number) => `+4477009006${String(n).padStart(2, "0")}`;

function changeClient(client: GrpcClient) {
  return {
    add: (...ns: number[]) => client.call(AdminService.method.addEntries, { entries: ns.map((n) => ({ contact: phone(n), channel: Channel.SMS })) }, md),
    remove: (...ns: number[]) =>
      client.call(AdminService.method.removeEntries, { keys: ns.map((n) => ({ contact: phone(n), channel: Channel.SMS })), consentConfirmed: true }, md),
    changes: async () => {
      const req = { actions: [HistoryAction.ADDED, HistoryAction.REMOVED], oldestFirst: true, pageSize: 1000 };
      return (await client.call(AdminService.method.getHistory, req, md)).events;
    },
  };
}

describe("webhooks", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;
  let c: ReturnType<typeof changeClient>;

  beforeAll(async () => {
    ({ sidecar, client } = await startSidecar(dir.path));
    c = changeClient(client);
    await c.add(1); // before any webhook: never delivered
  });
  afterAll(async () => {
    client.close();
    await sidecar.stop(500);
    dir.remove();
  });

  it("refuses URLs that are not http or https, and URLs holding credentials", async () => {
    for (const url of ["ftp://example.com/x", "not a url", "", "javascript:alert(1)", `http://example.com/${"x".repeat(3000)}`]) {
      const err = await grpcError(client.call(AdminService.method.createWebhook, { url }, md));
      expect([err.code, err.details], url).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(/^url: /)]);
    }
    // The URL parser would mend these into another address than the one typed.
    for (const [url, problem] of [
      ["http:/relative-host/x", "must name its host after 'http://' or 'https://'"],
      ["http:///nohost/x", "must name its host after 'http://' or 'https://'"],
      ["http:\\\\host/x", "must name its host after 'http://' or 'https://'"],
      [" http://example.com/x", "holds a space or a control character; percent-encode it"],
      ["http://example.com/a\nb", "holds a space or a control character; percent-encode it"],
      ["http://exa\tmple.invalid/", "holds a space or a control character; percent-encode it"],
      ["http://example.com/\u0000nul", "holds a space or a control character; percent-encode it"],
    ]) {
      const err = await grpcError(client.call(AdminService.method.createWebhook, { url }, md));
      expect([err.code, err.details], JSON.stringify(url)).toEqual([status.INVALID_ARGUMENT, `url: ${problem}`]);
    }
    // What is stored, listed and called is the URL as parsed.
    const { webhook } = await client.call(AdminService.method.createWebhook, { url: "HTTP://Example.COM:80/hook" }, md);
    expect(webhook?.url).toBe("http://example.com/hook");
    await client.call(AdminService.method.deleteWebhook, { id: webhook!.id }, md);
    expect((await grpcError(client.call(AdminService.method.deleteWebhook, { id: "" }, md))).details).toBe("id: required");
    // fetch refuses them on every attempt, and the attempt's error would show the password in ListWebhooks.
    for (const url of ["http://user:pw@example.com/hook", "https://user@example.com/hook"]) {
      const err = await grpcError(client.call(AdminService.method.createWebhook, { url }, md));
      expect([err.code, err.details], url).toEqual([
        status.INVALID_ARGUMENT,
        "url: must not hold a user name or password; a receiver checks the deliveries by their dnc-signature header",
      ]);
    }
  });

  it("delivers every change exactly once, in order and signed, to a receiver that fails twice first", async () => {
    const receiver = new Receiver(2);
    const url = await receiver.listen();
    try {
      const created = await client.call(AdminService.method.createWebhook, { url }, md);
      expect(created.secret.length).toBeGreaterThanOrEqual(32);
      expect(created.webhook).toMatchObject({ url, createdBy: "env-admin-token", lastError: "" });
      const startSeq = created.webhook!.deliveredSeq;
      expect(startSeq).toBe((await c.changes()).at(-1)!.seq);

      await c.add(2, 3, 1); // 1 repeats: not a change
      await c.remove(2);
      await c.add(4);
      await until(() => receiver.accepted.length >= 4, "four deliveries");
      await new Promise((r) => setTimeout(r, 300));

      const expected = (await c.changes()).filter((e) => e.seq > startSeq);
      expect(expected.map((e) => e.action)).toEqual([HistoryAction.ADDED, HistoryAction.ADDED, HistoryAction.REMOVED, HistoryAction.ADDED]);
      expect(receiver.accepted.map((d) => d.event)).toEqual(expected);
      expect(receiver.posts).toBe(4 + 2);
      for (const d of receiver.accepted) {
        expect(validSignature(created.secret, d)).toBe(true);
        expect(d.headers["dnc-seq"]).toBe(String(d.event.seq));
        expect(d.headers["dnc-webhook-id"]).toBe(created.webhook!.id);
        expect(d.headers["content-type"]).toBe("application/json");
      }

      const listed = await client.call(AdminService.method.listWebhooks, {}, md);
      expect(listed.webhooks).toEqual([expect.objectContaining({ id: created.webhook!.id, deliveredSeq: expected.at(-1)!.seq, lastError: "" })]);

      await client.call(AdminService.method.deleteWebhook, { id: created.webhook!.id }, md);
      expect((await client.call(AdminService.method.listWebhooks, {}, md)).webhooks).toEqual([]);
      await c.add(5);
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.accepted).toHaveLength(4);
      const err = await grpcError(client.call(AdminService.method.deleteWebhook, { id: created.webhook!.id }, md));
      expect(err.code).toBe(status.NOT_FOUND);
    } finally {
      await receiver.close();
    }
  });
});

describe("a webhook across a restart", () => {
  it("delivers after the restart the changes made while its receiver was down", async () => {
    const dir = tempDir();
    const receiver = new Receiver(0);
    const url = await receiver.listen();
    let { sidecar, client } = await startSidecar(dir.path);
    try {
      let c = changeClient(client);
      const { webhook, secret } = await client.call(AdminService.method.createWebhook, { url }, md);
      await c.add(10);
      await until(() => receiver.accepted.length === 1, "the first delivery");

      await receiver.close();
      await c.add(11, 12);
      await c.remove(10);
      const listed = async () => (await client.call(AdminService.method.listWebhooks, {}, md)).webhooks[0]!;
      await until(async () => (await listed()).lastError !== "", "a failed attempt");
      expect((await listed()).deliveredSeq).toBe(receiver.accepted[0]!.event.seq);

      client.close();
      await sidecar.stop(500);
      ({ sidecar, client } = await startSidecar(dir.path));
      c = changeClient(client);
      await receiver.listen(receiver.port);
      await until(() => receiver.accepted.length >= 4, "the missed deliveries");
      await c.add(13);
      await until(() => receiver.accepted.length >= 5, "a live delivery after the restart");
      await new Promise((r) => setTimeout(r, 300));

      const all = await c.changes();
      expect(receiver.accepted.map((d) => d.event)).toEqual(all.filter((e) => e.seq > webhook!.deliveredSeq));
      expect(receiver.accepted.map((d) => d.event.entry?.contact)).toEqual(["447700900610", "447700900611", "447700900612", "447700900610", "447700900613"]);
      expect(receiver.accepted.every((d) => validSignature(secret, d))).toBe(true);
      const after = (await client.call(AdminService.method.listWebhooks, {}, md)).webhooks;
      expect(after).toEqual([expect.objectContaining({ id: webhook!.id, deliveredSeq: all.at(-1)!.seq, lastError: "" })]);
    } finally {
      client.close();
      await sidecar.stop(500);
      await receiver.close();
      dir.remove();
    }
  });
});
