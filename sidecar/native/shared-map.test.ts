// A shared file mapping: what is written through it is the file's, for
// another mapping and after a release; it grows without moving; a view may
// not reach past the file; a fresh map leaves the old file's views whole.

import { readFileSync, realpathSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mappedKb } from "../../test/support/smaps.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { UnavailableError } from "../errors.js";
import { SharedFileMap } from "./shared-map.js";

const RESERVE = 1 << 30;
const MB = 1 << 20;

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (Math.imul(i + seed, 2654435761) >>> 24) & 255;
  return out;
}

describe("SharedFileMap", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("writes through to the file, which another mapping and a plain read then see", () => {
    const path = join(dir.path, "a");
    const map = SharedFileMap.map(path, RESERVE, true)!;
    expect(map.length).toBe(0);
    map.grow(10_000);
    const early = map.bytes(10_000);
    early.set(pattern(10_000, 1));
    map.grow(3 * MB);
    // A view made before the growth reads on; the new part is zeros, then takes what is written.
    expect(Buffer.from(map.bytes(10_000)).equals(Buffer.from(pattern(10_000, 1)))).toBe(true);
    const whole = map.bytes(3 * MB);
    expect(whole[3 * MB - 1]).toBe(0);
    whole.set(pattern(MB, 2), 2 * MB);
    map.flushNow();
    map.close();
    expect(statSync(path).size).toBe(3 * MB);
    const onDisk = readFileSync(path);
    expect(onDisk.subarray(0, 10_000).equals(Buffer.from(pattern(10_000, 1)))).toBe(true);
    expect(onDisk.subarray(2 * MB).equals(Buffer.from(pattern(MB, 2)))).toBe(true);
    const again = SharedFileMap.map(path, RESERVE, false)!;
    expect(again.length).toBe(3 * MB);
    expect(Buffer.from(again.bytes(3 * MB)).equals(onDisk)).toBe(true);
    expect(again.words(2)[1]).toBe(onDisk.readUInt32LE(4));
    again.close();
  });

  it("takes its pages out of the RSS on release, and reads the same bytes after", () => {
    const path = join(dir.path, "b");
    const map = SharedFileMap.map(path, RESERVE, true)!;
    map.grow(64 * MB);
    const bytes = map.bytes(64 * MB);
    const written = pattern(64 * MB, 3);
    bytes.set(written);
    const real = realpathSync(path);
    expect(mappedKb(real)).toBeGreaterThanOrEqual(60 * 1024);
    expect(map.release()).toBe(0);
    expect(mappedKb(real)).toBeLessThan(1024);
    // Nothing written was lost: the dirty pages stayed in the page cache.
    expect(Buffer.from(bytes).equals(Buffer.from(written))).toBe(true);
    map.close();
  });

  it("refuses a view past the file and a growth past what it reserved; no view it gives reaches past the file", () => {
    const map = SharedFileMap.map(join(dir.path, "c"), 1 << 16, true)!;
    map.grow(4096);
    expect(() => map.bytes(4097)).toThrow(RangeError);
    expect(() => map.words(1025)).toThrow(RangeError);
    // The ArrayBuffer under a view is the file's length, not the reservation's: a copy of it all reads only the file.
    expect(new Uint8Array(map.bytes(1).buffer).slice().length).toBe(4096);
    expect(() => map.grow((1 << 16) + 1)).toThrow(UnavailableError);
    map.grow(1 << 16);
    expect(map.bytes(1 << 16).length).toBe(1 << 16);
    map.close();
    expect(() => map.grow(1 << 17)).toThrow(UnavailableError);
  });

  it("allocates the blocks of a file it maps as it is, so that no write through the map meets a hole", () => {
    const path = join(dir.path, "sparse");
    // A file of holes, as a sparse copy leaves the tail a mapping had allocated but not written.
    writeFileSync(path, "");
    truncateSync(path, 1 * MB);
    expect(statSync(path).blocks).toBe(0);
    const map = SharedFileMap.map(path, RESERVE, false)!;
    expect(statSync(path).blocks * 512).toBeGreaterThanOrEqual(1 * MB);
    map.close();
  });

  it("replaces a file with a new one when fresh, leaving the old one's views readable", () => {
    const path = join(dir.path, "d");
    writeFileSync(path, Buffer.from(pattern(8192, 4)));
    const old = SharedFileMap.map(path, RESERVE, false)!;
    const view = old.bytes(8192);
    const fresh = SharedFileMap.map(path, RESERVE, true)!;
    expect(fresh.length).toBe(0);
    expect(statSync(path).size).toBe(0);
    expect(Buffer.from(view).equals(Buffer.from(pattern(8192, 4)))).toBe(true);
    old.close();
    fresh.close();
  });

  it("answers undefined for a file that is not there unless it is to be made", () => {
    expect(SharedFileMap.map(join(dir.path, "missing"), RESERVE, false)).toBeUndefined();
  });
});
