// Where the contact table keeps its key arena and its id → offset array:
// two files in the data directory, mapped shared (native/shared-map.ts).
// A probe reads a key only when a slot's hash tag matches, so at ten
// million contacts the 170-odd MB of keys need not stay in anonymous
// memory: they are page cache, read in as matches need them and given
// back by the list after each write. The files are the index's, not the
// store's: a rebuild makes them anew, a snapshot names the arena's length
// and both files' CRC-32 so a start never trusts what a crash left in
// them, and a write that adds keys has them on disk before it is
// acknowledged. Where the files cannot be made or mapped (no native addon,
// no room, an address-space limit), the keys stay in memory.

import { join } from "node:path";
import { messageOf } from "../errors.js";
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

  /** New, empty files in `dir`, replacing any there; undefined when they cannot be made (the table then keeps its keys in memory). */
  static create(dir: string): ContactKeyFiles | undefined {
    return ContactKeyFiles.mapBoth(dir, true);
  }

  /** The files in `dir` as they are, for a snapshot that names them; undefined when either is missing or cannot be mapped. */
  static open(dir: string): ContactKeyFiles | undefined {
    return ContactKeyFiles.mapBoth(dir, false);
  }

  /** An arena of at least `min` bytes, `wanted` where the reservation has room, whose first bytes are the file's. */
  arenaOf(min: number, wanted = min): Uint8Array {
    this.arena.grow(min, wanted);
    return this.arena.bytes(this.arena.length);
  }

  /** Offsets for at least `min` ids, `wanted` where the reservation has room, whose first words are the file's. */
  offsetsOf(min: number, wanted = min): Uint32Array {
    this.offsets.grow(4 * min, 4 * wanted);
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

  /** Writes what the files' maps changed to disk, in the thread pool. */
  async flush(): Promise<void> {
    await Promise.all([this.arena.flush(), this.offsets.flush()]);
  }

  /** Writes what the files' maps changed to disk now. */
  flushNow(): void {
    this.arena.flushNow();
    this.offsets.flushNow();
  }

  close(): void {
    this.arena.close();
    this.offsets.close();
  }

  /** Closes the files and deletes them: the views made before keep the pages they map. */
  remove(): void {
    this.close();
    this.arena.remove();
    this.offsets.remove();
  }

  private static mapBoth(dir: string, fresh: boolean): ContactKeyFiles | undefined {
    let arena: SharedFileMap | undefined;
    try {
      arena = SharedFileMap.map(join(dir, ARENA_FILE), ARENA_RESERVE, fresh);
      const offsets = arena === undefined ? undefined : SharedFileMap.map(join(dir, OFFSETS_FILE), OFFSETS_RESERVE, fresh);
      if (arena !== undefined && offsets !== undefined) return new ContactKeyFiles(arena, offsets);
    } catch (err: unknown) {
      // Memory, not data, is at stake: the table holds the keys itself.
      console.error(`dnc: the contact key files in ${dir} could not be ${fresh ? "made" : "mapped"} (${messageOf(err)}): ${fresh ? "the index keeps the keys in memory" : "the index is rebuilt from the store"}`);
    }
    arena?.close();
    return undefined;
  }
}
