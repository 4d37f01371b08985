// A file mapped shared and writable over the address range it may grow to
// (shared-map.c says why): views made over it stay valid as it grows, none
// reaches past the file's end, and its pages are the page cache's, not the
// process's own memory.

import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import { UnavailableError } from "../errors.js";
import { errnoName } from "./errno-name.js";
import { nativeAddonIfBuilt } from "./native-addon.js";

interface SharedMapAddon {
  mapShared(fd: number, reserveBytes: number): object;
  viewShared(handle: object, bytes: number): ArrayBuffer;
  releaseShared(handle: object, bytes: number): number;
  allocateShared(fd: number, bytes: number): number;
}

const datasync = promisify(fdatasync);

export class SharedFileMap {
  private open = true;
  /** A view of the whole file as it is now, made again when it grows. */
  private view: ArrayBuffer;

  private constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly addon: SharedMapAddon,
    private readonly handle: object,
    /** The most the file may grow to: the address range reserved for it. */
    private readonly reserve: number,
  ) {
    this.view = addon.viewShared(handle, fstatSync(fd).size);
  }

  /**
   * Maps the file at `path`, reserving `reserveBytes` (a multiple of 4096)
   * of address space for it. `fresh` replaces whatever is there with a new,
   * empty file (a new inode: mappings of the old one, still held elsewhere,
   * keep their pages); otherwise the file must exist, and its blocks are
   * allocated now (a copy that left holes in it would have a write through
   * the map to a hole on a full disk end the process). Undefined without
   * the native addon, or when the file is not there to open; throws when
   * it cannot be allocated or mapped.
   */
  static map(path: string, reserveBytes: number, fresh: boolean): SharedFileMap | undefined {
    const addon = sharedMapAddon();
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
      if (length > reserveBytes) throw new UnavailableError(`${path} holds ${length} bytes, more than the ${reserveBytes} it may`);
      if (length > 0) allocate(addon, fd, path, length);
      return new SharedFileMap(fd, path, addon, addon.mapShared(fd, reserveBytes), reserveBytes);
    } catch (err: unknown) {
      closeSync(fd);
      throw err;
    }
  }

  /** The file's length: views may reach this far. */
  get length(): number {
    return this.view.byteLength;
  }

  /**
   * Lengthens the file to at least `min` bytes when it is shorter, to
   * `wanted` where the reservation has room, its disk blocks allocated
   * (shared-map.c says why); the new part reads as zeros. Throws
   * UNAVAILABLE when the disk has no room, the file's length left as it was.
   */
  grow(min: number, wanted = min): void {
    const bytes = Math.max(min, Math.min(wanted, this.reserve));
    if (bytes <= this.length) return;
    this.assertOpen();
    if (bytes > this.reserve) throw new UnavailableError(`${this.path} may hold at most ${this.reserve} bytes; ${bytes} were asked for`);
    allocate(this.addon, this.fd, this.path, bytes);
    this.view = this.addon.viewShared(this.handle, bytes);
  }

  /** The first `length` bytes, which must lie within the file. */
  bytes(length: number): Uint8Array {
    this.within(length);
    return new Uint8Array(this.view, 0, length);
  }

  /** The first `count` 32-bit words, which must lie within the file. */
  words(count: number): Uint32Array {
    this.within(count * 4);
    return new Uint32Array(this.view, 0, count);
  }

  /** Takes the mapping's pages out of the process's RSS; what was written stays in the file. Returns 0, or -errno. */
  release(): number {
    return this.addon.releaseShared(this.handle, this.length);
  }

  /** Writes what the mapping changed to disk, in the thread pool. */
  async flush(): Promise<void> {
    this.assertOpen();
    await datasync(this.fd);
  }

  /** Writes what the mapping changed to disk now. */
  flushNow(): void {
    this.assertOpen();
    fdatasyncSync(this.fd);
  }

  /** Deletes the file (the mapping keeps its pages until it goes). */
  remove(): void {
    rmSync(this.path, { force: true });
  }

  /** Closes the descriptor; views made before stay readable until they are collected. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.fd);
  }

  private within(bytes: number): void {
    if (bytes > this.length) throw new RangeError(`a view of ${bytes} bytes reaches past the file's ${this.length}`);
  }

  /** A closed descriptor's number may be another file's by now. */
  private assertOpen(): void {
    if (!this.open) throw new UnavailableError(`${this.path} is closed`);
  }
}

/** The addon's shared-map functions; undefined without the addon, or for one built before they were (the keys then stay in memory). */
function sharedMapAddon(): SharedMapAddon | undefined {
  const addon = nativeAddonIfBuilt<Partial<SharedMapAddon>>();
  const { mapShared, viewShared, releaseShared, allocateShared } = addon ?? {};
  return mapShared && viewShared && releaseShared && allocateShared ? (addon as SharedMapAddon) : undefined;
}

function allocate(addon: SharedMapAddon, fd: number, path: string, bytes: number): void {
  const result = addon.allocateShared(fd, bytes);
  if (result < 0) throw new UnavailableError(`could not grow ${path} to ${bytes} bytes: ${errnoName(-result)}`);
}
