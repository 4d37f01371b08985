// The running CRC-32 over pieces equals the CRC-32 of the whole, empty
// pieces included, wherever their bytes live.

import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Update } from "./running-crc32.js";

describe("crc32Update", () => {
  it("gives the whole's CRC-32 over pieces, an empty one over an empty ArrayBuffer among them", () => {
    const a = Buffer.from("first piece");
    const b = new Uint8Array(new ArrayBuffer(0));
    const c = new Uint8Array(new Uint32Array([1, 2, 3]).buffer, 4, 8);
    const running = [a, b, c].reduce(crc32Update, 0);
    expect(running).toBe(crc32(Buffer.concat([a, Buffer.from(c)])));
    expect(running).not.toBe(0);
  });
});
