// A minimal HTTP/2 client for the open-loop latency figures, writing gRPC
// calls as raw frames on one TCP connection. The pacing has to stay in this
// process (h2load's --rps sends bursts every 10 ms, and its timing scripts
// fall behind at thousands of calls a second), and a full client is too
// heavy for it: grpc-js spends some 130 µs of CPU a call on this machine,
// node:http2 about 50 µs, which at 5,000–15,000 calls a second measures the
// client as much as the sidecar. Here a call is two pre-encoded frames with
// the stream id patched in: about 10 µs.
//
// It sends nothing it cannot handle: no dynamic HPACK table, no Huffman
// strings, windows opened wide. It does not decode headers: a call
// succeeds when its stream carries DATA and ends; a gRPC error comes as
// headers alone ("trailers-only"), and a stream reset or GOAWAY fails it.
// The open-loop runs take no answer (the harness checks the same requests'
// answers through grpc-js first); a caller that needs the answer asks for
// the message the DATA carried (the status in the trailers after it is not
// read: a gRPC error after a message does not happen on these calls).

import { connect, type Socket } from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const MAX_WINDOW = 0x7fff_ffff;
const DEFAULT_WINDOW = 65_535;

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(stream, 5);
  payload.copy(out, 9);
  return out;
}

/** An HPACK string literal, not Huffman-coded. */
function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  if (bytes.length >= 127) throw new Error("hpack: header value too long for a one-byte length");
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** A request header block: static-table entries and literals "without indexing", so the server's table is never touched. */
function requestHeaders(authority: string, path: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x83, 0x86]), // :method POST, :scheme http (static 3, 6)
    Buffer.from([0x04]), // :path, name from static 4
    hpackString(path),
    Buffer.from([0x01]), // :authority, name from static 1
    hpackString(authority),
    Buffer.from([0x0f, 0x10]), // content-type, name from static 31
    hpackString("application/grpc"),
    Buffer.from([0x00]), // te, literal name
    hpackString("te"),
    hpackString("trailers"),
  ]);
}

/** The message of a gRPC-framed answer: a flag byte (0: not compressed), its length, then the message. */
function unframe(framed: Buffer): Buffer | Error {
  if (framed.length < 5 || framed[0] !== 0) return new Error("grpc: the answer is not one uncompressed message");
  const length = framed.readUInt32BE(1);
  if (framed.length !== 5 + length) return new Error(`grpc: the answer's message is ${framed.length - 5} bytes, its frame says ${length}`);
  return framed.subarray(5);
}

interface Pending {
  resolve: (message: Buffer | undefined) => void;
  reject: (err: Error) => void;
  sawData: boolean;
  /** The DATA payloads, kept for a caller that asked for the message. */
  chunks: Buffer[] | undefined;
}

export class RawH2Client {
  private readonly streams = new Map<number, Pending>();
  private readonly templates = new Map<string, Buffer>();
  /** Calls waiting for the send window or a free stream. */
  private readonly queue: { path: string; body: Buffer; pending: Pending }[] = [];
  private nextStream = 1;
  private sendWindow = DEFAULT_WINDOW;
  private maxStreams = Number.MAX_SAFE_INTEGER;
  private received = 0;
  private buffered: Buffer = Buffer.alloc(0);
  private failed: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly authority: string,
  ) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("http2: connection closed")));
  }

  static open(port: number): Promise<RawH2Client> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, noDelay: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        const settings = Buffer.alloc(12);
        settings.writeUInt16BE(0x2, 0); // ENABLE_PUSH
        settings.writeUInt32BE(0, 2);
        settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 6);
        settings.writeUInt32BE(MAX_WINDOW, 8);
        const increment = Buffer.alloc(4);
        increment.writeUInt32BE(MAX_WINDOW - DEFAULT_WINDOW);
        socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, settings), frame(WINDOW_UPDATE, 0, 0, increment)]));
        resolve(new RawH2Client(socket, `127.0.0.1:${port}`));
      });
    });
  }

  /** One unary call with a gRPC-framed body; resolves with the answer's message when `keepMessage`, else with nothing. */
  call(path: string, framedBody: Buffer, keepMessage = false): Promise<Buffer | undefined> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, sawData: false, chunks: keepMessage ? [] : undefined };
      if (this.queue.length > 0 || !this.canSend(framedBody)) this.queue.push({ path, body: framedBody, pending });
      else this.send(path, framedBody, pending);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private canSend(body: Buffer): boolean {
    return this.sendWindow >= body.length && this.streams.size < this.maxStreams;
  }

  private send(path: string, body: Buffer, pending: Pending): void {
    let headers = this.templates.get(path);
    if (headers === undefined) {
      headers = frame(HEADERS, END_HEADERS, 0, requestHeaders(this.authority, path));
      this.templates.set(path, headers);
    }
    const stream = this.nextStream;
    this.nextStream += 2;
    const out = Buffer.allocUnsafe(headers.length + 9 + body.length);
    headers.copy(out, 0);
    out.writeUInt32BE(stream, 5);
    const data = headers.length;
    out.writeUIntBE(body.length, data, 3);
    out[data + 3] = DATA;
    out[data + 4] = END_STREAM;
    out.writeUInt32BE(stream, data + 5);
    body.copy(out, data + 9);
    this.sendWindow -= body.length;
    this.streams.set(stream, pending);
    this.socket.write(out);
  }

  private drainQueue(): void {
    while (this.queue.length > 0 && this.canSend(this.queue[0]!.body)) {
      const { path, body, pending } = this.queue.shift()!;
      this.send(path, body, pending);
    }
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let pos = 0;
    while (this.buffered.length - pos >= 9) {
      const length = this.buffered.readUIntBE(pos, 3);
      if (this.buffered.length - pos < 9 + length) break;
      const type = this.buffered[pos + 3]!;
      const flags = this.buffered[pos + 4]!;
      const stream = this.buffered.readUInt32BE(pos + 5) & MAX_WINDOW;
      this.onFrame(type, flags, stream, this.buffered.subarray(pos + 9, pos + 9 + length));
      pos += 9 + length;
    }
    this.buffered = this.buffered.subarray(pos);
    // Give back what was read at once, as node:http2 does: the window hardly
    // needs it, but the server should see the traffic a real client makes,
    // and the segment acknowledges the answers now rather than when the
    // kernel's delayed-ACK timer or the next request gets round to it.
    if (this.received > 0) {
      const increment = Buffer.alloc(4);
      increment.writeUInt32BE(this.received);
      this.socket.write(frame(WINDOW_UPDATE, 0, 0, increment));
      this.received = 0;
    }
    this.drainQueue();
  }

  private onFrame(type: number, flags: number, stream: number, payload: Buffer): void {
    switch (type) {
      case DATA: {
        const pending = this.streams.get(stream);
        // A padded frame: its first byte is the padding's length, and the padding ends it.
        const data = flags & PADDED ? payload.subarray(1, Math.max(1, payload.length - payload[0]!)) : payload;
        if (pending !== undefined && data.length > 0) {
          pending.sawData = true;
          pending.chunks?.push(data);
        }
        this.received += payload.length;
        if (flags & END_STREAM) this.end(stream);
        break;
      }
      case HEADERS:
        if (flags & END_STREAM) this.end(stream);
        break;
      case RST_STREAM: {
        const pending = this.streams.get(stream);
        this.streams.delete(stream);
        pending?.reject(new Error(`http2: stream reset, code ${payload.readUInt32BE(0)}`));
        break;
      }
      case SETTINGS:
        if (flags & ACK) break;
        for (let at = 0; at + 6 <= payload.length; at += 6) {
          const id = payload.readUInt16BE(at);
          const value = payload.readUInt32BE(at + 2);
          if (id === SETTINGS_MAX_CONCURRENT_STREAMS) this.maxStreams = value;
          // Request bodies are far below any stream window, so only the connection window is tracked.
        }
        this.socket.write(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
        break;
      case PING:
        if (!(flags & ACK)) this.socket.write(frame(PING, ACK, 0, payload));
        break;
      case GOAWAY:
        this.fail(new Error(`http2: GOAWAY, code ${payload.readUInt32BE(4)}`));
        break;
      case WINDOW_UPDATE:
        if (stream === 0) this.sendWindow += payload.readUInt32BE(0) & MAX_WINDOW;
        break;
    }
  }

  private end(stream: number): void {
    const pending = this.streams.get(stream);
    if (pending === undefined) return;
    this.streams.delete(stream);
    if (!pending.sawData) pending.reject(new Error("grpc: the answer carried no message (a gRPC error, sent as trailers only)"));
    else if (pending.chunks === undefined) pending.resolve(undefined);
    else {
      const message = unframe(Buffer.concat(pending.chunks));
      if (message instanceof Error) pending.reject(message);
      else pending.resolve(message);
    }
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const pending of this.streams.values()) pending.reject(err);
    this.streams.clear();
    for (const { pending } of this.queue.splice(0)) pending.reject(err);
  }
}
