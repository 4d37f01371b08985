// Unary gRPC methods over raw bytes, answered straight on the HTTP/2 streams
// of grpc-js's own server, ahead of grpc-js. For a call that is answered at
// once from its request bytes (FilterService), grpc-js's per-call machinery
// (a call object, metadata, an interceptor chain, a stream decoder, a
// status object, a few promise turns) cost a third of the time a FilterBatch
// takes: the do-nothing grpc-js server answered FilterBatch(1,000)-sized
// calls at 0.65× the rate of a bare node:http2 one (scratch/floorput.mjs).
// Everything else on the port (AdminService, health, reflection) and every
// connection-level matter (TLS, HTTP/2 settings, keepalive, shutdown) stays
// grpc-js's. The wire follows grpc-js's own answers, so a client cannot tell
// the two apart.

import { status } from "@grpc/grpc-js";
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { gunzipSync, inflateSync } from "node:zlib";
import { messageOf } from "../errors.js";
import { STATUS_DETAILS_KEY, toGrpcStatus, type GrpcStatus } from "./grpc-status.js";

/** Answers a request message; throws (a DncError, mapped by grpc-status.ts) to fail the call. */
export type NativeUnaryMethod = (request: Buffer, headers: IncomingHttpHeaders) => Buffer;

const PREFIX_BYTES = 5;

const RESPONSE_HEADERS = {
  [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_OK,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
  "grpc-accept-encoding": "identity,deflate,gzip",
  "grpc-encoding": "identity",
};

const OK_TRAILERS = { "grpc-status": String(status.OK), "grpc-message": "OK" };

/** grpc-js ignores a stream's errors too: each is followed by its close, and nothing can be sent on it. */
const ignore = (): void => {};

export class NativeUnaryDoor {
  /** Calls answered here rather than by grpc-js, for tests and the curious. */
  calls = 0;

  constructor(
    private readonly methods: ReadonlyMap<string, NativeUnaryMethod>,
    private readonly maxMessageBytes: number,
  ) {}

  /** The method for a request's `:path`, or undefined when grpc-js is to serve it. */
  methodFor(path: string | undefined): NativeUnaryMethod | undefined {
    return path === undefined ? undefined : this.methods.get(path);
  }

  serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: NativeUnaryMethod): void {
    stream.once("error", ignore);
    const contentType = headers[constants.HTTP2_HEADER_CONTENT_TYPE];
    if (typeof contentType !== "string" || !contentType.startsWith("application/grpc")) {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE }, { endStream: true });
      return;
    }
    this.calls++;
    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    stream.on("data", (chunk: Buffer) => {
      if (refused) return;
      received += chunk.length;
      chunks.push(chunk);
      const declared = declaredLength(chunks, received);
      // A second message makes the body longer than the first's frame: refused at the end, without holding more than one.
      if (declared > this.maxMessageBytes || received > 2 * PREFIX_BYTES + this.maxMessageBytes) {
        refused = true;
        chunks.length = 0;
        fail(stream, { code: status.RESOURCE_EXHAUSTED, message: `Received message larger than max (${declared} vs ${this.maxMessageBytes})` });
        // The client may still be sending: it is told to stop, the answer having gone first.
        stream.close(constants.NGHTTP2_NO_ERROR);
      }
    });
    stream.once("end", () => {
      if (refused || stream.destroyed) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      const request = this.message(body, headers);
      if (!Buffer.isBuffer(request)) {
        fail(stream, request);
        return;
      }
      let response: Buffer;
      try {
        response = method(request, headers);
      } catch (err: unknown) {
        fail(stream, toGrpcStatus(err));
        return;
      }
      if (stream.destroyed) return;
      const frame = Buffer.allocUnsafe(PREFIX_BYTES + response.length);
      frame[0] = 0;
      frame.writeUInt32BE(response.length, 1);
      response.copy(frame, PREFIX_BYTES);
      stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(OK_TRAILERS));
      stream.end(frame);
    });
  }

  /** The one request message of a unary call's body, decompressed, or why there is none. */
  private message(body: Buffer, headers: IncomingHttpHeaders): Buffer | GrpcStatus {
    if (body.length < PREFIX_BYTES || PREFIX_BYTES + body.readUInt32BE(1) > body.length) {
      return { code: status.UNIMPLEMENTED, message: `Received no request message for unary method ${String(headers[":path"])}` };
    }
    const length = body.readUInt32BE(1);
    if (PREFIX_BYTES + length < body.length) {
      return { code: status.UNIMPLEMENTED, message: `Received a second request message for unary method ${String(headers[":path"])}` };
    }
    const message = body.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
    if (body[0] === 0) return message;
    const encoding = headers["grpc-encoding"] ?? "identity";
    const inflate = encoding === "gzip" ? gunzipSync : encoding === "deflate" ? inflateSync : undefined;
    if (inflate === undefined) {
      return { code: status.UNIMPLEMENTED, message: `Received message compressed with unsupported encoding "${String(encoding)}"` };
    }
    try {
      return inflate(message, { maxOutputLength: this.maxMessageBytes });
    } catch (err: unknown) {
      if (err instanceof RangeError) {
        return { code: status.RESOURCE_EXHAUSTED, message: `Received message that decompresses to a size larger than ${this.maxMessageBytes}` };
      }
      return { code: status.INTERNAL, message: `Failed to decompress message: ${messageOf(err)}` };
    }
  }
}

/** The first message's length from its prefix, or 0 while fewer than its five bytes are in. */
function declaredLength(chunks: Buffer[], received: number): number {
  if (received < PREFIX_BYTES) return 0;
  const first = chunks[0]!;
  if (first.length >= PREFIX_BYTES) return first.readUInt32BE(1);
  return Buffer.concat(chunks, received).readUInt32BE(1);
}

/** A trailers-only answer, as grpc-js gives one. */
function fail(stream: ServerHttp2Stream, s: GrpcStatus): void {
  if (stream.destroyed || stream.headersSent) return;
  const trailers: Record<string, string | number> = {
    [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_OK,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
    "grpc-status": String(s.code),
    "grpc-message": encodeURI(s.message),
  };
  if (s.details !== undefined) trailers[STATUS_DETAILS_KEY] = s.details.toString("base64");
  stream.respond(trailers, { endStream: true });
}
