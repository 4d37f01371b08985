// The FilterService answered on the gRPC port's HTTP/2 streams ahead of
// grpc-js (sidecar/grpc/native-unary.ts): a real sidecar, real grpc-js
// clients (plain and compressing) and a raw HTTP/2 client for what a gRPC
// library would never send.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { status } from "@grpc/grpc-js";
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../sidecar/gen/dnc/v1/admin_service_pb.js";
import { CheckRequestSchema, CheckResponseSchema, FilterBatchRequestSchema, FilterBatchResponseSchema, FilterService } from "../sidecar/gen/dnc/v1/filter_service_pb.js";
import { BadRequestSchema } from "../sidecar/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../sidecar/gen/google/rpc/status_pb.js";
import { Channel } from "../sidecar/gen/dnc/v1/types_pb.js";
import { GrpcClient } from "../sidecar/grpc/grpc-client.js";
import { MAX_MESSAGE_BYTES } from "../sidecar/grpc/grpc-server.js";
import { Sidecar } from "../sidecar/sidecar.js";
import { grpcError } from "./support/grpc-error.js";
import { dataFrame, headersFrame, resetFrame, sendFrames } from "./support/raw-h2-frames.js";
import { tempDir } from "./support/temp-dir.js";

const ADMIN_TOKEN = "native-door-admin-token";
const FILTER_BATCH = "/dnc.v1.FilterService/FilterBatch";
const CHECK = "/dnc.v1.FilterService/Check";

interface RawAnswer {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Buffer;
  /** The body's DATA frames: Node's client gives each frame's payload as one chunk. */
  chunks: number;
}

function frame(message: Uint8Array, compressed = false): Buffer {
  const f = Buffer.alloc(5 + message.length);
  f[0] = compressed ? 1 : 0;
  f.writeUInt32BE(message.length, 1);
  f.set(message, 5);
  return f;
}

/** One request on `session`, its body written as given; the headers, trailers and body that came back. */
function rawCall(session: ClientHttp2Session, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let answer: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on("response", (h) => (answer = h));
    req.on("trailers", (t) => (trailers = t));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", reject);
    req.on("close", () => resolve({ headers: answer, trailers, body: Buffer.concat(chunks), chunks: chunks.length }));
    req.end(body);
  });
}

/** grpc-status and grpc-message, from the trailers or, for a trailers-only answer, the headers. */
function statusOf(a: RawAnswer): { code: number; message: string } {
  const h = a.trailers["grpc-status"] !== undefined ? a.trailers : a.headers;
  return { code: Number(h["grpc-status"]), message: decodeURI(String(h["grpc-message"] ?? "")) };
}

describe("native FilterService door", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let client: GrpcClient;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    sidecar = await Sidecar.start({ dataDir: dir.path, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch: 10_000, adminToken: ADMIN_TOKEN });
    client = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { token: ADMIN_TOKEN });
    await client.call(AdminService.method.addEntries, { entries: [{ contact: "+447700900123", channel: Channel.SMS }] });
    session = connect(`http://127.0.0.1:${sidecar.grpcPort}`);
  });

  afterAll(async () => {
    session.close();
    client.close();
    await sidecar.stop(1000);
    dir.remove();
  });

  it("answers FilterBatch and Check itself, and leaves the other services to grpc-js", async () => {
    const before = sidecar.grpc.native.calls;
    const batch = await client.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: ["+447700900999", "+447700900123"] });
    expect(batch.blocked.map((b) => [b.index, b.entry?.contact])).toEqual([[1, "447700900123"]]);
    const check = await client.call(FilterService.method.check, { request: { recipient: "+447700900123", channel: Channel.SMS } });
    expect(check.blocked).toBe(true);
    expect(sidecar.grpc.native.calls).toBe(before + 2);
    await client.call(AdminService.method.listEntries, { pageSize: 1 });
    expect(sidecar.grpc.native.calls).toBe(before + 2);
  });

  it("answers with grpc-js's headers and trailers", async () => {
    const a = await rawCall(session, CHECK, frame(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: "+447700900123", channel: Channel.SMS } }))));
    expect(a.headers[":status"]).toBe(200);
    expect(a.headers["content-type"]).toBe("application/grpc+proto");
    expect(a.headers["grpc-accept-encoding"]).toBe("identity,deflate,gzip");
    expect(statusOf(a)).toEqual({ code: status.OK, message: "OK" });
    expect(a.body[0]).toBe(0);
    expect(a.body.readUInt32BE(1)).toBe(a.body.length - 5);
    expect(fromBinary(CheckResponseSchema, a.body.subarray(5)).blocked).toBe(true);
  });

  it("sends an answer's prefix and message in one DATA frame", async () => {
    const check = await rawCall(session, CHECK, frame(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: "+447700900123", channel: Channel.SMS } }))));
    const batch = await rawCall(session, FILTER_BATCH, frame(toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients: ["+447700900123"] }))));
    for (const a of [check, batch]) {
      expect(statusOf(a).code).toBe(status.OK);
      expect(a.body.readUInt32BE(1)).toBe(a.body.length - 5);
      expect(a.chunks).toBe(1);
    }
  });

  it("gives INVALID_ARGUMENT with the field in google.rpc.BadRequest, as the admin methods do", async () => {
    const err = await grpcError(client.call(FilterService.method.filterBatch, { channel: 99 as Channel, recipients: ["+447700900123"] }));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe("channel: unknown channel 99");
    const [bin] = err.metadata.get("grpc-status-details-bin");
    const rich = fromBinary(StatusSchema, bin as Buffer);
    expect(rich.code).toBe(status.INVALID_ARGUMENT);
    const bad = anyUnpack(rich.details[0]!, BadRequestSchema);
    expect(bad?.fieldViolations.map((v) => [v.field, v.description])).toEqual([["channel", "unknown channel 99"]]);
  });

  it("reads a large request that comes in many small pieces", async () => {
    const recipients = Array.from({ length: 5_000 }, (_, i) => (i === 4_321 ? "+447700900123" : `+4477009${String(10_000 + i).padStart(5, "0")}`));
    const body = frame(toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients })));
    const answer = await new Promise<RawAnswer>((resolve, reject) => {
      const req = session.request({ ":method": "POST", ":path": FILTER_BATCH, "content-type": "application/grpc", te: "trailers" });
      const chunks: Buffer[] = [];
      let headers: IncomingHttpHeaders = {};
      req.on("response", (h) => (headers = h));
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("error", reject);
      req.on("close", () => resolve({ headers, trailers: {}, body: Buffer.concat(chunks), chunks: chunks.length }));
      const write = (at: number): void => {
        if (at >= body.length) {
          req.end();
          return;
        }
        req.write(body.subarray(at, at + 1_000), () => write(at + 1_000));
      };
      write(0);
    });
    expect(fromBinary(FilterBatchResponseSchema, answer.body.subarray(5)).blocked.map((b) => b.index)).toEqual([4_321]);
  });

  it("reads a message that a client compressed, with gzip or deflate", async () => {
    const gzipping = new GrpcClient(`127.0.0.1:${sidecar.grpcPort}`, { channelOptions: { "grpc.default_compression_algorithm": 2 } });
    try {
      const res = await gzipping.call(FilterService.method.filterBatch, { channel: Channel.SMS, recipients: ["+447700900123"] });
      expect(res.blocked.map((b) => b.index)).toEqual([0]);
    } finally {
      gzipping.close();
    }
    const message = toBinary(FilterBatchRequestSchema, create(FilterBatchRequestSchema, { channel: Channel.SMS, recipients: ["+447700900123"] }));
    const a = await rawCall(session, FILTER_BATCH, frame(gzipSync(message), true), { "grpc-encoding": "gzip" });
    expect(statusOf(a).code).toBe(status.OK);
    expect(fromBinary(FilterBatchResponseSchema, a.body.subarray(5)).blocked.map((b) => b.index)).toEqual([0]);
    const unknown = await rawCall(session, FILTER_BATCH, frame(message, true), { "grpc-encoding": "snappy" });
    expect(statusOf(unknown)).toEqual({ code: status.UNIMPLEMENTED, message: 'Received message compressed with unsupported encoding "snappy"' });
    const broken = await rawCall(session, FILTER_BATCH, frame(Buffer.from("not gzip"), true), { "grpc-encoding": "gzip" });
    expect(statusOf(broken)).toEqual({ code: status.INTERNAL, message: "Failed to decompress message" });
    // The flag alone does not compress: with identity, or no encoding, the message is read as it is.
    const flagged = await rawCall(session, FILTER_BATCH, frame(message, true), { "grpc-encoding": "identity" });
    expect(fromBinary(FilterBatchResponseSchema, flagged.body.subarray(5)).blocked.map((b) => b.index)).toEqual([0]);
    const bomb = gzipSync(Buffer.alloc(MAX_MESSAGE_BYTES + 1));
    const inflated = await rawCall(session, FILTER_BATCH, frame(bomb, true), { "grpc-encoding": "gzip" });
    expect(statusOf(inflated)).toEqual({ code: status.RESOURCE_EXHAUSTED, message: `Received message that decompresses to a size larger than ${MAX_MESSAGE_BYTES}` });
  });

  it("reads grpc-timeout as grpc-js does: a malformed one is refused, and a body late past it is DEADLINE_EXCEEDED", async () => {
    const message = frame(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: "+447700900123", channel: Channel.SMS } })));
    const malformed = await rawCall(session, CHECK, message, { "grpc-timeout": "abc" });
    expect(statusOf(malformed)).toEqual({ code: status.INTERNAL, message: 'Invalid grpc-timeout value "abc"' });
    const inTime = await rawCall(session, CHECK, message, { "grpc-timeout": "10S" });
    expect(statusOf(inTime).code).toBe(status.OK);
    // The request never ends: the answer comes at the deadline, with the client still sending.
    const late = await new Promise<RawAnswer>((resolve, reject) => {
      const req = session.request({ ":method": "POST", ":path": CHECK, "content-type": "application/grpc", te: "trailers", "grpc-timeout": "100m" });
      req.on("response", (headers) => {
        req.close();
        resolve({ headers, trailers: {}, body: Buffer.alloc(0), chunks: 0 });
      });
      req.on("error", reject);
      req.write(message.subarray(0, 7));
    });
    expect(statusOf(late)).toEqual({ code: status.DEADLINE_EXCEEDED, message: "Deadline exceeded" });
  });

  it("refuses an answer over the send limit, as grpc-js does", async () => {
    const wide = "\u{1D11E}".repeat(128);
    await client.call(AdminService.method.addEntries, {
      entries: [{ contact: "+447700900555", channel: Channel.SMS, sender: wide, account: wide, note: "\u{1D11E}".repeat(500), campaignRef: wide }],
    });
    const request = { channel: Channel.SMS, sender: wide, account: wide, recipients: Array.from({ length: 10_000 }, () => "+447700900555") };
    const err = await grpcError(client.call(FilterService.method.filterBatch, request));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/^Sent message larger than max \(\d+ vs\. 33554432\)$/);
  });

  it("survives a client resetting its stream with NO_ERROR before its request ends, on every path", async () => {
    const message = frame(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: "+447700900123", channel: Channel.SMS } })));
    const headers = (): [string, string][] => [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", CHECK],
      [":authority", "127.0.0.1"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ];
    await sendFrames(sidecar.grpcPort, [headersFrame(1, headers()), resetFrame(1, 0)]);
    await sendFrames(sidecar.grpcPort, [headersFrame(1, headers()), 50, resetFrame(1, 0)]);
    await sendFrames(sidecar.grpcPort, [headersFrame(1, headers()), dataFrame(1, message), resetFrame(1, 0)]);
    await sendFrames(sidecar.grpcPort, [headersFrame(1, headers()), dataFrame(1, Buffer.concat([message, message])), resetFrame(1, 0)]);
    const after = await rawCall(session, CHECK, message);
    expect(fromBinary(CheckResponseSchema, after.body.subarray(5)).blocked).toBe(true);
  });

  it("refuses a body that is not one message: none, a cut one, two, or one over the limit", async () => {
    const message = toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: "+447700900123", channel: Channel.SMS } }));
    const none = await rawCall(session, CHECK, Buffer.alloc(0));
    expect(statusOf(none)).toEqual({ code: status.UNIMPLEMENTED, message: `Received no request message for server streaming method ${CHECK}` });
    const cut = await rawCall(session, CHECK, frame(message).subarray(0, 8));
    expect(statusOf(cut).code).toBe(status.UNIMPLEMENTED);
    // Bytes after the request that never make a second message are ignored, as grpc-js ignores them.
    const trailing = await rawCall(session, CHECK, Buffer.concat([frame(message), Buffer.from([0, 0])]));
    expect(fromBinary(CheckResponseSchema, trailing.body.subarray(5)).blocked).toBe(true);
    const two = await rawCall(session, CHECK, Buffer.concat([frame(message), frame(message)]));
    expect(statusOf(two)).toEqual({ code: status.UNIMPLEMENTED, message: `Received a second request message for server streaming method ${CHECK}` });
    const huge = Buffer.alloc(5);
    huge.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 1);
    const tooLarge = await rawCall(session, CHECK, Buffer.concat([huge, Buffer.alloc(64 * 1024)]));
    expect(statusOf(tooLarge)).toEqual({ code: status.RESOURCE_EXHAUSTED, message: `Received message larger than max (${MAX_MESSAGE_BYTES + 1} vs ${MAX_MESSAGE_BYTES})` });
    const secondTooLarge = await rawCall(session, CHECK, Buffer.concat([frame(message), huge]));
    expect(statusOf(secondTooLarge)).toEqual({ code: status.RESOURCE_EXHAUSTED, message: `Received message larger than max (${MAX_MESSAGE_BYTES + 1} vs ${MAX_MESSAGE_BYTES})` });
    const wrongType = await rawCall(session, CHECK, frame(message), { "content-type": "application/json" });
    expect(wrongType.headers[":status"]).toBe(constants.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE);
    // The connection still serves.
    const after = await rawCall(session, CHECK, frame(message));
    expect(fromBinary(CheckResponseSchema, after.body.subarray(5)).blocked).toBe(true);
  });
});

describe("native FilterService door under --filter-token", () => {
  const dir = tempDir();
  let sidecar: Sidecar;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    sidecar = await Sidecar.start({ dataDir: dir.path, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", maxBatch: 100, adminToken: ADMIN_TOKEN, filterToken: true });
    session = connect(`http://127.0.0.1:${sidecar.grpcPort}`);
  });

  afterAll(async () => {
    session.close();
    await sidecar.stop(1000);
    dir.remove();
  });

  it("reads the key as grpc-js's metadata gives it: a value that is not printable ASCII is no key", async () => {
    const message = frame(toBinary(CheckRequestSchema, create(CheckRequestSchema, { request: { recipient: "+447700900123", channel: Channel.SMS } })));
    const withKey = await rawCall(session, CHECK, message, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(statusOf(withKey).code).toBe(status.OK);
    for (const authorization of [`Bearer\t${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}é`]) {
      const refused = await rawCall(session, CHECK, message, { authorization });
      expect(statusOf(refused).code, authorization).toBe(status.UNAUTHENTICATED);
      expect(statusOf(refused).message, authorization).toMatch(/^no API key/);
    }
  });
});
