// A minimal Redis client (RESP2 over one TCP connection), enough to load a
// set with pipelined SADD and to read INFO and MEMORY USAGE: a handful of
// commands do not justify a Redis client dependency. Replies come back in
// the order the commands were sent, so one FIFO of callbacks matches them.

import { connect, type Socket } from "node:net";

export type RespValue = string | number | null | RespValue[];

interface Waiter {
  resolve: (value: RespValue) => void;
  reject: (err: Error) => void;
}

const CRLF = 0x0d;

/** Parses one reply at `pos`: [value, next position], or undefined while it is incomplete. */
function parse(buf: Buffer, pos: number): [RespValue | Error, number] | undefined {
  const eol = buf.indexOf(CRLF, pos);
  if (eol < 0 || eol + 1 >= buf.length) return undefined;
  const line = buf.toString("latin1", pos + 1, eol);
  const next = eol + 2;
  switch (buf[pos]) {
    case 0x2b: // '+'
      return [line, next];
    case 0x2d: // '-'
      return [new Error(`redis: ${line}`), next];
    case 0x3a: // ':'
      return [Number(line), next];
    case 0x24: {
      // '$'
      const length = Number(line);
      if (length < 0) return [null, next];
      if (next + length + 2 > buf.length) return undefined;
      return [buf.toString("utf8", next, next + length), next + length + 2];
    }
    case 0x2a: {
      // '*'
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, at);
        if (item === undefined) return undefined;
        if (item[0] instanceof Error) return [item[0], item[1]];
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`redis: unexpected reply byte 0x${buf[pos]!.toString(16)}`);
  }
}

export function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export class RespClient {
  private readonly waiting: Waiter[] = [];
  private pending: Buffer = Buffer.alloc(0);

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (err) => this.failAll(err));
    socket.on("close", () => this.failAll(new Error("redis: connection closed")));
  }

  static open(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, noDelay: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RespClient(socket));
      });
    });
  }

  command(...args: string[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  /**
   * Sends every command of `commands` with at most `window` unanswered, so
   * that the connection stays full without buffering the whole load.
   */
  async pipeline(commands: Iterable<string[]>, window = 64): Promise<RespValue[]> {
    const replies: Promise<RespValue>[] = [];
    let oldest = 0;
    for (const args of commands) {
      const reply = this.command(...args);
      reply.catch(() => undefined); // Promise.all below reports it; this only keeps it from counting as unhandled meanwhile
      replies.push(reply);
      if (replies.length - oldest >= window) await replies[oldest++];
    }
    return Promise.all(replies);
  }

  close(): void {
    this.socket.end();
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    for (;;) {
      const reply = parse(this.pending, pos);
      if (reply === undefined) break;
      pos = reply[1];
      const waiter = this.waiting.shift();
      if (waiter === undefined) throw new Error("redis: a reply nobody asked for");
      if (reply[0] instanceof Error) waiter.reject(reply[0]);
      else waiter.resolve(reply[0]);
    }
    this.pending = this.pending.subarray(pos);
  }

  private failAll(err: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(err);
  }
}
