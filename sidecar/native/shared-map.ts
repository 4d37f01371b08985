// A file mapped shared and writable over the address range it may grow to
// (shared-map.c says why): views made over it stay valid as it grows, and
// its pages are the page cache's, not the process's own memory.

import { closeSync, fsyncSync, fstatSync, openSync, rmSync } from "node:fs";
import { constants } from "node:os";
import { nativeAddonIfBuilt } from "./native-addon.js";

interface SharedMapAddon {
  mapShared(fd: number, reserveBytes: number): ArrayBuffer;
  releaseShared(buffer: ArrayBuffer, bytes: number): number;
  allocateShared(fd: number, bytes: number): number;
}

export class SharedFileMap {
  private open = true;

  private constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly addon: SharedMapAddon,
    /** The whole reserved range: touch only what lies below `length`. */
    private readonly buffer: ArrayBuffer,
    private fileLength: number,
  ) {}

  /**
   * Maps the file at `path`, reserving `reserveBytes` (a multiple of 4096)
   * of address space for it. `fresh` replaces whatever is there with a new,
   * empty file (a new inode: mappings of the old one, still held elsewhere,
   * keep their pages); otherwise the file must exist. Undefined without the
   * native addon, or when the file is not there to open.
   */
  static map(path: string, reserveBytes: number, fresh: boolean): SharedFileMap | undefined {
    const addon = nativeAddonIfBuilt<SharedMapAddon>();
    if (addon === undefined) return undefined;
    let fd: number;
    if (fresh) {
      rmSync(path, { force: true });
      fd = openSync(path, "wx+");
    } else {
      try {
        fd = openSync(path, "r+");
      } catch {
        return undefined;
      }
    }
    try {
      const length = fstatSync(fd).size;
      if (length > reserveBytes) throw new RangeError(`${path} holds ${length} bytes, more than the ${reserveBytes} it may`);
      return new SharedFileMap(fd, path, addon, addon.mapShared(fd, reserveBytes), length);
    } catch (err: unknown) {
      closeSync(fd);
      throw err;
    }
  }

  /** The file's length: views may reach this far. */
  get length(): number {
    return this.fileLength;
  }

  /**
   * Lengthens the file to `bytes` when it is shorter, its disk blocks
   * allocated (shared-map.c says why); the new part reads as zeros. Throws
   * when the disk has no room, the file's length left as it was.
   */
  grow(bytes: number): void {
    if (bytes <= this.fileLength) return;
    if (bytes > this.buffer.byteLength) throw new RangeError(`a mapped file may hold at most ${this.buffer.byteLength} bytes; ${bytes} were asked for`);
    const result = this.addon.allocateShared(this.fd, bytes);
    if (result < 0) throw new Error(`could not grow ${this.path} to ${bytes} bytes: ${errnoName(-result)}`);
    this.fileLength = bytes;
  }

  /** The first `length` bytes, which must lie within the file. */
  bytes(length: number): Uint8Array {
    this.within(length);
    return new Uint8Array(this.buffer, 0, length);
  }

  /** The first `count` 32-bit words, which must lie within the file. */
  words(count: number): Uint32Array {
    this.within(count * 4);
    return new Uint32Array(this.buffer, 0, count);
  }

  /** Takes the mapping's pages out of the process's RSS; what was written stays in the file. Returns 0, or -errno. */
  release(): number {
    return this.addon.releaseShared(this.buffer, this.fileLength);
  }

  /** Writes what the mapping changed to disk. */
  sync(): void {
    fsyncSync(this.fd);
  }

  /** Closes the descriptor; views made before stay readable until they are collected. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.fd);
  }

  private within(bytes: number): void {
    if (bytes > this.fileLength) throw new RangeError(`a view of ${bytes} bytes reaches past the file's ${this.fileLength}`);
  }
}

function errnoName(errno: number): string {
  const name = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0];
  return name === undefined ? `errno ${errno}` : `${name} (errno ${errno})`;
}
