// Unary gRPC methods over raw bytes, answered straight on the HTTP/2 streams
// of grpc-js's own server, ahead of grpc-js. For a call that is answered at
// once from its request bytes (FilterService), grpc-js's per-call machinery
// (a call object, metadata, an interceptor chain, a stream decoder, a
// status object, a few promise turns) is the difference between the bench's
// two do-nothing floors (bench/floor-process.ts), grpc-js's and bare
// node:http2's, and it came on top of every FilterBatch.
// Everything else on the port (AdminService, health, reflection) and every
// connection-level matter (TLS, HTTP/2 settings, keepalive, shutdown) stays
// grpc-js's. A call gets grpc-js 1.14's answers: its statuses and their
// texts, its reading of the body's frames, the compressed flag, grpc-timeout,
// the message limits and the authorization header.

import { status } from "@grpc/grpc-js";
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { gunzip, inflate, type InputType, type ZlibOptions } from "node:zlib";
import { STATUS_DETAILS_KEY, toGrpcStatus, type GrpcStatus } from "./grpc-status.js";

/**
 * Answers a request message; throws (a DncError, mapped by grpc-status.ts)
 * to fail the call. `authorization` is the header as grpc-js's metadata
 * gives it: undefined when absent or not printable ASCII.
 */
export type NativeUnaryMethod = (request: Buffer, authorization: string | undefined) => Buffer;

/** A method whose answer may come later: the filter port's, answered by the main thread (filter-front.ts). */
export type DeferredUnaryMethod = (request: Buffer, authorization: string | undefined) => Buffer | Promise<Buffer>;

const PREFIX_BYTES = 5;

const RESPONSE_HEADERS = {
  [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_OK,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
  "grpc-accept-encoding": "identity,deflate,gzip",
  "grpc-encoding": "identity",
};

const OK_TRAILERS = { "grpc-status": String(status.OK), "grpc-message": "OK" };

/** grpc-js's reading of grpc-timeout. */
const TIMEOUT = /(\d{1,8})\s*([HMSmun])/;
const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

/** grpc-js drops a metadata value that is not printable ASCII. */
const PRINTABLE = /^[ -~]*$/;

type Inflate = (buf: InputType, options: ZlibOptions, callback: (err: Error | null, result: Buffer) => void) => void;
const INFLATE = new Map<string, Inflate>([
  ["gzip", gunzip],
  ["deflate", inflate],
]);

/** grpc-js ignores a stream's errors too: each is followed by its close, and nothing can be sent on it. */
const ignore = (): void => {};

/** A stream the client reset or that closed: nothing can be sent on it. */
function gone(stream: ServerHttp2Stream): boolean {
  return stream.destroyed || stream.closed;
}

export class NativeUnaryDoor {
  /** Calls answered here rather than by grpc-js, for tests and the curious. */
  calls = 0;

  constructor(
    private readonly methods: ReadonlyMap<string, DeferredUnaryMethod>,
    private readonly maxReceiveBytes: number,
    private readonly maxSendBytes: number,
  ) {}

  /** The method for a request's `:path`, or undefined when grpc-js is to serve it. */
  methodFor(path: string | undefined): DeferredUnaryMethod | undefined {
    return path === undefined ? undefined : this.methods.get(path);
  }

  serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: DeferredUnaryMethod): void {
    stream.once("error", ignore);
    const contentType = headers[constants.HTTP2_HEADER_CONTENT_TYPE];
    if (typeof contentType !== "string" || !contentType.startsWith("application/grpc")) {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE }, { endStream: true });
      return;
    }
    this.calls++;
    const path = String(headers[constants.HTTP2_HEADER_PATH]);
    const body = new UnaryBody(this.maxReceiveBytes, path);
    let timer: NodeJS.Timeout | undefined;
    // Once a status has gone, the call is over: the rest of the body is read and dropped, and the method never runs.
    let done = false;
    const finish = (s: GrpcStatus) => {
      done = true;
      clearTimeout(timer);
      fail(stream, s);
    };
    const timeout = headers["grpc-timeout"];
    if (timeout !== undefined) {
      const match = TIMEOUT.exec(String(timeout));
      if (match === null) {
        fail(stream, { code: status.INTERNAL, message: `Invalid grpc-timeout value "${String(timeout)}"` });
        stream.resume();
        return;
      }
      timer = setTimeout(() => finish({ code: status.DEADLINE_EXCEEDED, message: "Deadline exceeded" }), (Number(match[1]) * TIMEOUT_UNIT_MS[match[2]!]!) | 0);
      stream.once("close", () => clearTimeout(timer));
    }
    stream.on("data", (chunk: Buffer) => {
      if (done) return;
      body.push(chunk);
      if (body.refusal !== undefined) finish(body.refusal);
    });
    stream.once("end", () => {
      if (done || gone(stream)) return;
      const first = body.first;
      if (first === undefined) {
        finish({ code: status.UNIMPLEMENTED, message: `Received no request message for server streaming method ${path}` });
        return;
      }
      // As in grpc-js, only a flagged message under an encoding other than identity is compressed.
      const encoding = body.compressed ? String(headers["grpc-encoding"] ?? "identity") : "identity";
      const inflater = encoding === "identity" ? undefined : INFLATE.get(encoding);
      if (encoding !== "identity" && inflater === undefined) {
        finish({ code: status.UNIMPLEMENTED, message: `Received message compressed with unsupported encoding "${encoding}"` });
        return;
      }
      // The deadline stays armed while a deferred answer is awaited: whichever comes first is the call's end.
      const answer = (request: Buffer) => {
        done = true;
        this.answer(stream, headers, method, request, timer);
      };
      if (inflater === undefined) {
        answer(first);
        return;
      }
      // Off the main thread: inflating up to 32 MB would hold every other call.
      inflater(first, { maxOutputLength: this.maxReceiveBytes }, (err, request) => {
        if (done || gone(stream)) return;
        if (err === null) answer(request);
        else if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
          finish({ code: status.RESOURCE_EXHAUSTED, message: `Received message that decompresses to a size larger than ${this.maxReceiveBytes}` });
        } else finish({ code: status.INTERNAL, message: "Failed to decompress message" });
      });
    });
  }

  /** Ends the call with `s` and reads the rest of its body, as grpc-js does with a method it does not serve. */
  refuse(stream: ServerHttp2Stream, s: GrpcStatus): void {
    stream.once("error", ignore);
    fail(stream, s);
    stream.resume();
  }

  /** `deadline`, the call's grpc-timeout timer, is cleared once the answer (or a failure) is in. */
  private answer(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: DeferredUnaryMethod, request: Buffer, deadline: NodeJS.Timeout | undefined): void {
    const header = headers.authorization;
    const authorization = typeof header === "string" && PRINTABLE.test(header) ? header : undefined;
    let response: Buffer | Promise<Buffer>;
    try {
      response = method(request, authorization);
    } catch (err: unknown) {
      clearTimeout(deadline);
      fail(stream, toGrpcStatus(err));
      return;
    }
    if (!(response instanceof Promise)) {
      clearTimeout(deadline);
      this.send(stream, response);
      return;
    }
    response.then(
      (r) => {
        clearTimeout(deadline);
        this.send(stream, r);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        fail(stream, toGrpcStatus(err));
      },
    );
  }

  private send(stream: ServerHttp2Stream, response: Buffer): void {
    // A status (the deadline) may have ended the call while its answer was awaited.
    if (gone(stream) || stream.headersSent) return;
    if (response.length > this.maxSendBytes) {
      fail(stream, { code: status.RESOURCE_EXHAUSTED, message: `Sent message larger than max (${PREFIX_BYTES + response.length} vs. ${this.maxSendBytes})` });
      return;
    }
    // One write, the prefix and the message together: written apart they went out as two DATA frames, and the
    // filter port's FilterBatch(1,000) answered about a tenth fewer calls a second (scratch A/B, h2load). The
    // copy costs less than the second write did.
    const frame = Buffer.allocUnsafe(PREFIX_BYTES + response.length);
    frame[0] = 0;
    frame.writeUInt32BE(response.length, 1);
    frame.set(response, PREFIX_BYTES);
    try {
      stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(OK_TRAILERS));
      stream.end(frame);
    } catch {
      // The session went as the answer was written: there is no one to tell, and a throw here would end the process.
    }
  }
}

/**
 * A unary call's body read as grpc-js's stream decoder reads it: the first
 * message is the request, a prefix over the limit or a second whole message
 * refuses the call as it arrives, and bytes after the first message that
 * never make a second are ignored.
 */
class UnaryBody {
  first: Buffer | undefined;
  compressed = false;
  refusal: GrpcStatus | undefined;
  /** Bytes not yet making a whole message: the first's, then a second's. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** The held message's length once its prefix is in, else -1: the bytes are joined once, when all are in. */
  private heldLength = -1;

  constructor(
    private readonly max: number,
    private readonly path: string,
  ) {}

  push(chunk: Buffer): void {
    if (this.heldBytes === 0 && this.first === undefined && chunk.length >= PREFIX_BYTES) {
      // Most requests come whole in one DATA frame: their message is a view, nothing is copied.
      const length = chunk.readUInt32BE(1);
      if (length <= this.max && chunk.length >= PREFIX_BYTES + length) {
        this.take(chunk, length);
        if (chunk.length > PREFIX_BYTES + length) this.hold(chunk.subarray(PREFIX_BYTES + length));
        return;
      }
    }
    this.hold(chunk);
  }

  private hold(chunk: Buffer): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < PREFIX_BYTES) return;
    if (this.heldLength < 0) {
      const prefix = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
      this.held = [prefix];
      this.heldLength = prefix.readUInt32BE(1);
      if (this.heldLength > this.max) {
        this.refusal = { code: status.RESOURCE_EXHAUSTED, message: `Received message larger than max (${this.heldLength} vs ${this.max})` };
        return;
      }
    }
    const length = this.heldLength;
    if (this.heldBytes < PREFIX_BYTES + length) return;
    if (this.first !== undefined) {
      this.refusal = { code: status.UNIMPLEMENTED, message: `Received a second request message for server streaming method ${this.path}` };
      return;
    }
    const bytes = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    this.heldLength = -1;
    this.take(bytes, length);
    if (bytes.length > PREFIX_BYTES + length) this.hold(bytes.subarray(PREFIX_BYTES + length));
  }

  private take(bytes: Buffer, length: number): void {
    this.compressed = bytes[0] === 1;
    this.first = bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
  }
}

/** A trailers-only answer, as grpc-js gives one. */
function fail(stream: ServerHttp2Stream, s: GrpcStatus): void {
  if (gone(stream) || stream.headersSent) return;
  const trailers: Record<string, string | number> = {
    "grpc-status": String(s.code),
    "grpc-message": encodeURI(s.message),
    [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_OK,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
  };
  if (s.details !== undefined) trailers[STATUS_DETAILS_KEY] = s.details.toString("base64");
  try {
    stream.respond(trailers, { endStream: true });
  } catch {
    // As in answer(): the session went meanwhile.
  }
}
