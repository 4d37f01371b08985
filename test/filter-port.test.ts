// The filter port (--filter-listen, sidecar/grpc/filter-front.ts): a real
// sidecar, real grpc-js clients and a raw HTTP/2 client over real sockets.
// Its answers must be the gRPC port's, at the same moment: a write
// acknowledged on one port is what the next call on the other sees.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { credentials, status } from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { CheckRequestSchema, FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { BadRequestSchema } from "../sidecar/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../sidecar/gen/google/rpc/status_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { createLogger } from "../sidecar/logging/logger.js";
import { Sidecar } from "../sidecar/sidecar.js";
import { startServe } from "./support/dnc-serve.js";
import { grpcError } from "./support/grpc-error.js";
import { parsePrometheusText, sampleValue } from "./support/prometheus-text.js";
import { makeTestCerts } from "./support/test-certs.js";
import { tempDir } from "./support/temp-dir.js";

const ADMIN_TOKEN = "filter-port-admin-token";
const BLOCKED = "+447700900123";
const CHECK = "/dnc.v1.FilterService/Check";
const HOLD = new Int32Array(new SharedArrayBuffer(4));

/** One raw call whose body is sent and ended; the status from the trailers, or the headers of a trailers-only answer. */
function rawStatus(session: ClientHttp2Session, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ code: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let answer: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    req.on("response", (h) => (answer = h));
    req.on("trailers", (t) => (trailers = t));
    req.on("data", () => undefined);
    req.on("error", reject);
    req.on("close", () => {
      const h = trailers["grpc-status"] !== undefined ? trailers : answer;
      resolve({ code: Number(h["grpc-status"]), message: decodeURI(String(h["grpc-message"] ?? "")) });
    });
    req.end(body);
  });
}

/** A sample of the sidecar's /metrics, read as Prometheus would read it. */
async function metricOf(sidecar: Sidecar, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${sidecar.httpPort}/metrics`)).text();
  return sampleValue(parsePrometheusText(text), name);
}

function framed(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

describe("the filter port", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let admin: GrpcClient;
  let grpcPort: GrpcClient;
  let filterPort: GrpcClient;

  beforeAll(async () => {
    sidecar = await Sidecar.start({
      dataDir: join(dir.path, "plain"),
      grpcListen: "127.0.0.1:0",
      httpListen: "127.0.0.1:0",
      filterListen: "127.0.0.1:0",
      maxBatch: 10_000,
      adminToken: ADMIN_TOKEN,
    });
    admin = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: ADMIN_TOKEN });
    grpcPort = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`);
    filterPort = new GrpcClient(`127.0.0.1:${sidecar.filterFront!.port}`);
    await admin.call(AdminService.method.addEntries, {
      entries: [
        { contact: BLOCKED, channel: Channel.SMS, note: "STOP reply" },
        { contact: "+447700900124", sender: "ACME" },
        { contact: "ann@example.com" },
      ],
    });
  });

  afterAll(async () => {
    admin.close();
    grpcPort.close();
    filterPort.close();
    await sidecar.stop(1_000);
    dir.remove();
  });

  it("gives the gRPC port's answers, byte for byte, in both forms and for Check", async () => {
    const fast = { channel: Channel.SMS, recipients: ["+447700900999", BLOCKED, "+447700900124", "not a number", "ann@example.com"] };
    const full = {
      channel: Channel.SMS,
      requests: [
        { recipient: "+447700900124", sender: "ACME" },
        { recipient: "+447700900124", sender: "OTHER" },
        { recipient: "ann@example.com", channel: Channel.EMAIL },
      ],
    };
    for (const request of [fast, full]) {
      const viaFilterPort = await filterPort.call(FilterService.method.filterBatch, request);
      expect(viaFilterPort).toEqual(await grpcPort.call(FilterService.method.filterBatch, request));
      expect(viaFilterPort.checked).toBe(request === fast ? 5 : 3);
    }
    const blocked = await filterPort.call(FilterService.method.filterBatch, fast);
    expect(blocked.blocked.map((b) => [b.index, b.entry?.contact, b.entry?.note])).toEqual([[1, "447700900123", "STOP reply"]]);
    expect(blocked.invalid.map((i) => i.index)).toEqual([3, 4]);
    const check = { request: { recipient: "+447700900124", channel: Channel.VOICE, sender: "ACME" } };
    const answer = await filterPort.call(FilterService.method.check, check);
    expect(answer.blocked).toBe(true);
    expect(answer).toEqual(await grpcPort.call(FilterService.method.check, check));
  });

  it("sees a write acknowledged on the gRPC port in its very next call, and a removal too", async () => {
    for (let i = 0; i < 20; i++) {
      const contact = `+4477009011${String(i).padStart(2, "0")}`;
      const batch = { channel: Channel.WHATSAPP, recipients: [contact] };
      expect((await filterPort.call(FilterService.method.filterBatch, batch)).blocked).toEqual([]);
      await admin.call(AdminService.method.addEntries, { entries: [{ contact, channel: Channel.WHATSAPP }] });
      expect((await filterPort.call(FilterService.method.filterBatch, batch)).blocked.map((b) => b.index)).toEqual([0]);
      await admin.call(AdminService.method.removeEntries, { keys: [{ contact, channel: Channel.WHATSAPP }], consentConfirmed: true });
      expect((await filterPort.call(FilterService.method.filterBatch, batch)).blocked).toEqual([]);
    }
  });

  it("carries INVALID_ARGUMENT and its field from the main thread unchanged", async () => {
    const err = await grpcError(filterPort.call(FilterService.method.filterBatch, { channel: 99 as Channel, recipients: [BLOCKED] }));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe("channel: unknown channel 99");
    const rich = fromBinary(StatusSchema, err.metadata.get("grpc-status-details-bin")[0] as Buffer);
    expect(anyUnpack(rich.details[0]!, BadRequestSchema)?.fieldViolations.map((v) => [v.field, v.description])).toEqual([["channel", "unknown channel 99"]]);
    const tooMany = { channel: Channel.SMS, recipients: Array.from({ length: 10_001 }, () => BLOCKED) };
    const refused = await grpcError(filterPort.call(FilterService.method.filterBatch, tooMany));
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details).toBe((await grpcError(grpcPort.call(FilterService.method.filterBatch, tooMany))).details);
  });

  it("serves FilterService alone: the admin methods are UNIMPLEMENTED there", async () => {
    const client = new GrpcClient(`127.0.0.1:${sidecar.filterFront!.port}`, { token: ADMIN_TOKEN });
    try {
      const err = await grpcError(client.call(AdminService.method.listEntries, { pageSize: 1 }));
      expect(err.code).toBe(status.UNIMPLEMENTED);
      expect(err.details).toBe("The server does not implement the method /dnc.v1.AdminService/ListEntries");
    } finally {
      client.close();
    }
  });

  it("ends a call at its deadline while the main thread is busy, and drops the late answer", async () => {
    const message = framed(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: BLOCKED, channel: Channel.SMS } })));
    // A client in a process of its own, so that it sends while this thread (the sidecar's main thread) is held.
    const client = spawn(process.execPath, ["-e", DEADLINE_CLIENT, String(sidecar.filterFront!.port), message.toString("base64")], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    client.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    // Held for two seconds: the client starts, sends, and meets its deadline meanwhile, all on other threads.
    const until = Date.now() + 2_000;
    while (Date.now() < until) Atomics.wait(HOLD, 0, 0, 10);
    expect(await new Promise((r) => client.once("exit", r))).toBe(0);
    expect(JSON.parse(out)).toEqual({ code: status.DEADLINE_EXCEEDED, message: "Deadline exceeded" });
    const session = connect(`http://127.0.0.1:${sidecar.filterFront!.port}`);
    try {
      expect(await rawStatus(session, CHECK, message, { "grpc-timeout": "10S" })).toEqual({ code: status.OK, message: "OK" });
    } finally {
      session.close();
    }
  });

  it("answers every call of a burst that piles up while the main thread is busy, and keeps its worker", async () => {
    const message = framed(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: BLOCKED, channel: Channel.SMS } })));
    const restarts = () => metricOf(sidecar, "dnc_filter_port_restarts_total");
    expect(await restarts()).toBe(0);
    const sentMark = join(dir.path, "burst-sent");
    const client = spawn(process.execPath, ["-e", BURST_CLIENT, String(sidecar.filterFront!.port), message.toString("base64"), String(BURST_CALLS), sentMark], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    client.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    // Held until the client has sent the whole burst (its mark, a file: this thread's events wait meanwhile),
    // so that every call waits in the worker for this thread at once.
    const until = Date.now() + 20_000;
    while (!existsSync(sentMark) && Date.now() < until) Atomics.wait(HOLD, 0, 0, 10);
    expect(existsSync(sentMark)).toBe(true);
    expect(await new Promise((r) => client.once("exit", r))).toBe(0);
    expect(JSON.parse(out)).toEqual({ answered: BURST_CALLS, ok: BURST_CALLS, blocked: BURST_CALLS });
    expect(await restarts()).toBe(0);
  });
});

/** Calls in the burst: a busy gateway's backlog of a second or two, each held as a stream of the worker's. */
const BURST_CALLS = 20_000;

/**
 * Sends a burst of Checks on one connection, writes the mark file once the
 * last has gone out, and prints how many were answered, with OK, and blocked.
 */
const BURST_CLIENT = `
const http2 = require("node:http2");
const { writeFileSync } = require("node:fs");
const [port, body, count, mark] = process.argv.slice(1);
const message = Buffer.from(body, "base64");
// Node's own client refuses its streams past 10 MB of session memory by default, with a reset each, and the
// server's nghttp2 then ends the connection as a flood of resets: the burst would measure the client.
const session = http2.connect("http://127.0.0.1:" + port, { peerMaxConcurrentStreams: Number(count), maxSessionMemory: 1000 });
const n = Number(count);
let answered = 0, ok = 0, blocked = 0, sent = 0;
for (let i = 0; i < n; i++) {
  const req = session.request({ ":method": "POST", ":path": "${CHECK}", "content-type": "application/grpc", te: "trailers" });
  const chunks = [];
  let trailers = {};
  req.on("trailers", (t) => (trailers = t));
  req.on("data", (c) => chunks.push(c));
  req.on("error", () => {});
  req.on("close", () => {
    answered++;
    const bytes = Buffer.concat(chunks);
    if (trailers["grpc-status"] === "0") ok++;
    // CheckResponse.blocked is field 1, a varint: 0x08 0x01 right after the 5-byte prefix.
    if (bytes.length > 6 && bytes[5] === 0x08 && bytes[6] === 0x01) blocked++;
    if (answered === n) {
      process.stdout.write(JSON.stringify({ answered, ok, blocked }));
      session.close();
    }
  });
  req.end(message, () => {
    if (++sent === n) writeFileSync(mark, "");
  });
}
`;

/** A Check with a 100 ms deadline; prints its status as JSON. */
const DEADLINE_CLIENT = `
const http2 = require("node:http2");
const [port, body] = process.argv.slice(1);
const session = http2.connect("http://127.0.0.1:" + port);
const req = session.request({ ":method": "POST", ":path": "${CHECK}", "content-type": "application/grpc", te: "trailers", "grpc-timeout": "100m" });
let headers = {};
let trailers = {};
req.on("response", (h) => (headers = h));
req.on("trailers", (t) => (trailers = t));
req.on("data", () => {});
req.on("close", () => {
  const h = trailers["grpc-status"] !== undefined ? trailers : headers;
  process.stdout.write(JSON.stringify({ code: Number(h["grpc-status"]), message: decodeURI(String(h["grpc-message"] ?? "")) }));
  session.close();
});
req.end(Buffer.from(body, "base64"));
`;

describe("the filter port when its worker is lost", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it.each(["tcp", "unix"])("starts the worker again on the same %s address, says so in the log and the metrics, and answers as before", async (kind) => {
    const logLines: string[] = [];
    const sidecar = await Sidecar.start({
      dataDir: join(dir.path, kind),
      grpcListen: "127.0.0.1:0",
      httpListen: "127.0.0.1:0",
      filterListen: kind === "tcp" ? "127.0.0.1:0" : `unix:${join(dir.path, "filter.sock")}`,
      maxBatch: 100,
      adminToken: ADMIN_TOKEN,
      logger: createLogger("info", { write: (line: string) => void logLines.push(line) }),
    });
    const admin = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: ADMIN_TOKEN });
    const address = kind === "tcp" ? `127.0.0.1:${sidecar.filterFront!.port}` : `unix:${join(dir.path, "filter.sock")}`;
    const metric = (name: string) => metricOf(sidecar, name);
    const logged = async (start: string) => {
      for (let i = 0; i < 100; i++) {
        const line = logLines.find((l) => (JSON.parse(l) as { msg?: string }).msg?.startsWith(start) === true);
        if (line !== undefined) return JSON.parse(line) as { level: number; msg: string };
        await new Promise((r) => setTimeout(r, 50));
      }
      return undefined;
    };
    // As a crash would end it: the thread goes, and with it the port's socket and connections.
    const loseWorker = () => (sidecar.filterFront as unknown as { current: { worker: Worker } }).current.worker.terminate();
    const blocked = async () => {
      const client = new GrpcClient(address);
      try {
        return (await client.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: ["+447700900555"] })).blocked.map((b) => b.index);
      } finally {
        client.close();
      }
    };
    try {
      await admin.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900555" }] });
      expect(await blocked()).toEqual([0]);
      expect(await metric("dnc_filter_port_up")).toBe(1);
      expect(await metric("dnc_filter_port_restarts_total")).toBe(0);
      await loseWorker();
      expect(await logged("the filter port's worker")).toMatchObject({
        level: 50,
        msg: "the filter port's worker exited (1): the port is closed until it starts again, in 100 ms",
      });
      expect(await logged("the filter port serves again")).toMatchObject({ level: 30, msg: `the filter port serves again on ${address}: its worker started again` });
      expect(await blocked()).toEqual([0]);
      expect(await metric("dnc_filter_port_up")).toBe(1);
      expect(await metric("dnc_filter_port_restarts_total")).toBe(1);
      if (kind !== "tcp") return;
      // Lost again soon after (the wait doubles: a worker that served under 10 s is not taken as healthy), with
      // another server on the port meanwhile: the starts fail, less and less often, until it goes.
      logLines.length = 0;
      await loseWorker();
      const squatter = createNetServer();
      await new Promise<void>((resolve) => squatter.listen(sidecar.filterFront!.port, "127.0.0.1", resolve));
      expect((await logged("the filter port's worker exited"))?.msg).toMatch(/in 200 ms$/);
      const failed = await logged("the filter port's worker could not start again");
      expect(failed).toMatchObject({ level: 50 });
      expect(failed?.msg).toMatch(/EADDRINUSE.*; next try in 400 ms$/);
      expect(await metric("dnc_filter_port_up")).toBe(0);
      await new Promise((resolve) => squatter.close(resolve));
      expect(await logged("the filter port serves again")).toMatchObject({ level: 30 });
      expect(await blocked()).toEqual([0]);
      expect(await metric("dnc_filter_port_restarts_total")).toBe(2);
    } finally {
      admin.close();
      await sidecar.stop(1_000);
    }
  });
});

describe("the filter port with keys and TLS", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("asks for a key with --filter-token, and holds to the gRPC port's mutual TLS", async () => {
    const certs = makeTestCerts(dir.path);
    const sidecar = await Sidecar.start({
      dataDir: join(dir.path, "mtls"),
      grpcListen: "127.0.0.1:0",
      httpListen: "127.0.0.1:0",
      filterListen: "127.0.0.1:0",
      maxBatch: 100,
      adminToken: ADMIN_TOKEN,
      filterToken: true,
      tls: { cert: certs.pem("server.crt"), key: certs.pem("server.key"), clientCa: certs.pem("ca.crt") },
    });
    const address = `localhost:${sidecar.filterFront!.port}`;
    const trusted = credentials.createSsl(certs.pem("ca.crt"), certs.pem("client.key"), certs.pem("client.crt"));
    const check = { request: { recipient: BLOCKED, channel: Channel.SMS } };
    const keyed = new GrpcClient(address, { token: ADMIN_TOKEN, credentials: trusted });
    const keyless = new GrpcClient(address, { credentials: trusted });
    const noCertificate = new GrpcClient(address, { token: ADMIN_TOKEN, credentials: credentials.createSsl(certs.pem("ca.crt")) });
    const plain = new GrpcClient(address, { token: ADMIN_TOKEN });
    try {
      expect((await keyed.call(FilterService.method.check, check)).blocked).toBe(false);
      expect((await grpcError(keyless.call(FilterService.method.check, check))).code).toBe(status.UNAUTHENTICATED);
      expect((await grpcError(noCertificate.call(FilterService.method.check, check))).code).toBe(status.UNAVAILABLE);
      expect((await grpcError(plain.call(FilterService.method.check, check))).code).toBe(status.UNAVAILABLE);
    } finally {
      for (const c of [keyed, keyless, noCertificate, plain]) c.close();
      await sidecar.stop(500);
    }
  });

  it("is named by dnc serve --filter-listen, and closes with the sidecar", async () => {
    const serve = await startServe(join(dir.path, "cli"), "127.0.0.1:0", { DNC_ADMIN_TOKEN: ADMIN_TOKEN }, "--filter-listen", "127.0.0.1:0");
    const port = Number(/FilterService alone on 127\.0\.0\.1:(\d+)/.exec(serve.output())?.[1]);
    expect(port).toBeGreaterThan(0);
    const client = new GrpcClient(`127.0.0.1:${port}`);
    try {
      expect((await client.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: [BLOCKED] })).checked).toBe(1);
    } finally {
      client.close();
    }
    serve.kill("SIGTERM");
    expect(await new Promise((r) => serve.once("exit", r))).toBe(0);
    const after = new GrpcClient(`127.0.0.1:${port}`);
    try {
      expect((await grpcError(after.call(FilterService.method.check, { request: { recipient: BLOCKED, channel: Channel.SMS } }))).code).toBe(status.UNAVAILABLE);
    } finally {
      after.close();
    }
  });
});
