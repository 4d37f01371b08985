// Where the contact table keeps its key arena and its id → offset array:
// two files in the data directory, mapped shared (native/shared-map.ts).
// A probe reads a key only when a slot's hash tag matches, so at ten
// million contacts the 160-odd MB of keys need not stay in anonymous
// memory: they are page cache, read in as matches need them and given
// back by the list after each write. The files are the index's, not the
// store's: a rebuild makes them anew, and a snapshot names their length
// and checksum, so a start never trusts what a crash left in them.

import { join } from "node:path";
import { SharedFileMap } from "../native/shared-map.js";

const ARENA_FILE = "contact-keys.arena";
const OFFSETS_FILE = "contact-keys.offsets";
/** The arena's offsets are 32-bit. */
const ARENA_RESERVE = 2 ** 32;
/** One 32-bit offset per id; ids have 28 bits. */
const OFFSETS_RESERVE = 2 ** 30;

export class ContactKeyFiles {
  private constructor(
    readonly arena: SharedFileMap,
    readonly offsets: SharedFileMap,
  ) {}

  /** New, empty files in `dir`, replacing any there; undefined without the native addon (the table then keeps its keys in memory). */
  static create(dir: string): ContactKeyFiles | undefined {
    const arena = SharedFileMap.map(join(dir, ARENA_FILE), ARENA_RESERVE, true);
    if (arena === undefined) return undefined;
    return new ContactKeyFiles(arena, SharedFileMap.map(join(dir, OFFSETS_FILE), OFFSETS_RESERVE, true)!);
  }

  /** The files in `dir` as they are, for a snapshot that names them; undefined when either is missing or the addon is. */
  static open(dir: string): ContactKeyFiles | undefined {
    const arena = SharedFileMap.map(join(dir, ARENA_FILE), ARENA_RESERVE, false);
    if (arena === undefined) return undefined;
    const offsets = SharedFileMap.map(join(dir, OFFSETS_FILE), OFFSETS_RESERVE, false);
    if (offsets === undefined) arena.close();
    return offsets === undefined ? undefined : new ContactKeyFiles(arena, offsets);
  }

  /** An arena of at least `length` bytes whose first bytes are the file's. */
  arenaOf(length: number): Uint8Array {
    this.arena.grow(length);
    return this.arena.bytes(this.arena.length);
  }

  /** Offsets for at least `count` ids whose first words are the file's. */
  offsetsOf(count: number): Uint32Array {
    this.offsets.grow(count * 4);
    return this.offsets.words(Math.floor(this.offsets.length / 4));
  }

  /** Bytes the files hold. */
  get byteLength(): number {
    return this.arena.length + this.offsets.length;
  }

  /** Takes the files' pages out of the process's RSS; false when the kernel refused. */
  release(): boolean {
    return this.arena.release() === 0 && this.offsets.release() === 0;
  }

  sync(): void {
    this.arena.sync();
    this.offsets.sync();
  }

  close(): void {
    this.arena.close();
    this.offsets.close();
  }
}
