// HTTP/2 frames written by hand, for sequences node's client never sends
// (a stream reset with NO_ERROR while its request is still open, say).
// Headers go as HPACK literals without indexing or Huffman coding.

import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

function literal(value: string): Buffer {
  const bytes = Buffer.from(value, "latin1");
  if (bytes.length > 126) throw new RangeError("a header this long needs a multi-byte length");
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

export function headersFrame(streamId: number, headers: [string, string][], endStream = false): Buffer {
  const block = Buffer.concat(headers.flatMap(([name, value]) => [Buffer.from([0]), literal(name), literal(value)]));
  return frame(1, 0x4 | (endStream ? 1 : 0), streamId, block);
}

export function dataFrame(streamId: number, payload: Buffer, endStream = false): Buffer {
  return frame(0, endStream ? 1 : 0, streamId, payload);
}

export function resetFrame(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(3, 0, streamId, payload);
}

/** Opens a connection, sends the preface and `steps` (frames, or milliseconds to wait), waits `settleMs`, closes. */
export async function sendFrames(port: number, steps: (Buffer | number)[], settleMs = 200): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  // The server's frames are read and dropped; its SETTINGS need no acknowledgement for this.
  socket.resume();
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(Buffer.concat([PREFACE, frame(4, 0, 0)]));
  for (const step of steps) {
    if (typeof step === "number") await sleep(step);
    else socket.write(step);
  }
  await sleep(settleMs);
  socket.destroy();
}
