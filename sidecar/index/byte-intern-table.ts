// Interns byte strings to dense 32-bit ids in typed arrays: one arena of
// length-prefixed keys, an id → offset array and an open-addressing slot
// array. Millions of contacts cost a few bytes each and no JS objects, and a
// lookup reads straight from a request's bytes. The contacts' table keeps
// its arena and offsets in files (contact-key-files.ts), the rest in memory.

import { performance } from "node:perf_hooks";
import { adviseHugePages } from "../native/huge-pages.js";
import { hashBytes } from "../normalise/contact-key.js";
import type { ContactKeyFiles } from "./contact-key-files.js";

const EMPTY = 0;
const LONG_KEY = 255;
/**
 * A slot holds id + 1 in its low 28 bits and 4 bits of the key's hash above
 * them, so most probes that hit another key are rejected without reading the
 * arena.
 */
const ID_BITS = 28;
const ID_MASK = (1 << ID_BITS) - 1;
export const MAX_INTERNED_ID = ID_MASK - 1;

function tagOf(hash: number): number {
  return (hash >>> ID_BITS) << ID_BITS;
}

/**
 * A blocked Bloom filter in front of the slots: one 64-byte block per key,
 * three bits in it, half a byte per slot. With millions of keys the slots
 * live in main memory while the filter stays in the CPU's last-level cache,
 * so a key that is not there (most recipients) costs no trip to memory.
 */
const BLOOM_BLOCK_WORDS = 16;
const BLOOM_BYTES_PER_SLOT = 0.5;

function bloomBlock(hash: number, blockMask: number): number {
  const g = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return ((g ^ (g >>> 13)) & blockMask) * BLOOM_BLOCK_WORDS;
}

function bloomBits(hash: number): number {
  const g = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return (g ^ (g >>> 12)) >>> 5;
}

/**
 * Arrays double while small and grow by a quarter from a million elements:
 * a list loaded to millions of contacts would otherwise hold up to half of
 * its key arena and offsets unused until a restart reads them back trimmed.
 */
function grown(length: number): number {
  return length < 1 << 20 ? length * 2 : Math.ceil(length * 1.25);
}

/**
 * A new array of `length` in memory, advised onto huge pages before the
 * first `used` elements of `from` are copied in (advice is best taken
 * before the pages are written).
 */
function inMemory<T extends Uint8Array | Uint32Array>(from: T, length: number, used: number): T {
  const next = (from instanceof Uint8Array ? new Uint8Array(length) : new Uint32Array(length)) as T;
  adviseHugePages(next);
  next.set(from.subarray(0, used));
  return next;
}

function bloomWords(slots: number): number {
  return Math.max(BLOOM_BLOCK_WORDS, (slots * BLOOM_BYTES_PER_SLOT) / 4);
}

/**
 * Load at which the slots grow; a large table starts at GROW_LOAD in the
 * background and must be done by MAX_LOAD, or finishes at once. Probes past
 * 0.6 get longer only for keys that are there: the Bloom filter answers
 * most of the others.
 */
const GROW_LOAD = 0.6;
const MAX_LOAD = 0.7;
/**
 * Below this many keys the slots grow at once. Above it, rehashing every
 * key in one go held the event loop (a fifth of a second at a million
 * contacts, seconds at ten million), so the next slots are filled a slice at
 * a time while lookups and inserts go on in the current ones.
 */
const BACKGROUND_GROWTH_KEYS = 1 << 16;
/**
 * A slice of the growth runs at most this long, once a millisecond at most
 * (a timer, not every turn: a filter call takes a few turns, and would wait
 * for a slice in each).
 */
const GROWTH_SLICE_MS = 0.5;
/** Keys whose slots insertInRun places together. */
const RUN_KEYS = 256;
/** Keys moved between looks at the clock. */
const GROWTH_CLOCK_KEYS = 128;

/** The slots and Bloom filter a large table is moving its keys into. */
interface NextSlots {
  slots: Uint32Array;
  mask: number;
  bloom: Uint32Array;
  bloomMask: number;
  /** The keys of ids below this are in them. */
  movedUpTo: number;
}

export interface InternTableState {
  arena: Uint8Array;
  offsets: Uint32Array;
  slots: Uint32Array;
  bloom: Uint32Array;
  size: number;
  nextId: number;
}

export interface LookupArrays {
  arena: Uint8Array;
  offsets: Uint32Array;
  slots: Uint32Array;
  bloom: Uint32Array;
  idBase: number;
}

export class ByteInternTable {
  private arena: Uint8Array;
  private arenaUsed = 0;
  private offsets: Uint32Array;
  private slots: Uint32Array;
  private mask: number;
  private bloom: Uint32Array;
  private bloomMask: number;
  private size = 0;
  private growing: NextSlots | undefined;
  /** Keys insertInRun has put in the arena whose slots are still to be placed. */
  private readonly runHashes = new Uint32Array(RUN_KEYS);
  private readonly runIds = new Uint32Array(RUN_KEYS);
  private runLength = 0;
  /** The slot and Bloom words a run read first, mixed: kept where the compiler cannot drop the reads. */
  runTouched = 0;
  /** One past the highest id handed out. */
  nextId: number;

  /**
   * `firstId` lets a table reserve 0 (names use 0 for "any"). A table with
   * an `idBase` holds only ids from there on (the ids a write hands out
   * before they join the index's table), and no offsets below it. With
   * `files` the arena and offsets live in them rather than in memory (new,
   * empty files; `fromState` takes files that hold a snapshot's keys).
   */
  constructor(
    firstId = 0,
    capacity = 1024,
    private readonly idBase = 0,
    private files?: ContactKeyFiles,
  ) {
    this.nextId = firstId;
    const slots = 1 << Math.max(4, Math.ceil(Math.log2(capacity / 0.6)));
    this.slots = new Uint32Array(slots);
    this.mask = slots - 1;
    this.bloom = new Uint32Array(bloomWords(slots));
    this.bloomMask = this.bloom.length / BLOOM_BLOCK_WORDS - 1;
    const offsets = Math.max(16, capacity + firstId - idBase);
    const arena = Math.max(1024, capacity * 12);
    this.offsets = files === undefined ? new Uint32Array(offsets) : files.offsetsOf(offsets);
    this.arena = files === undefined ? new Uint8Array(arena) : files.arenaOf(arena);
    for (const array of this.largeArrays()) adviseHugePages(array);
  }

  /** The files holding the keys, when they are not in memory. */
  get keyFiles(): ContactKeyFiles | undefined {
    return this.files;
  }

  /**
   * Copies the keys out of the files into memory, and leaves the files
   * (which the caller closes): for files that can no longer be trusted to
   * read back what was written, while the page cache still holds it.
   */
  moveKeysToMemory(): void {
    if (this.files === undefined) return;
    this.arena = inMemory(this.arena, this.arena.length, this.arenaUsed);
    this.offsets = inMemory(this.offsets, this.offsets.length, this.offsets.length);
    this.files = undefined;
  }

  get count(): number {
    return this.size;
  }

  /**
   * Moves the table's arrays, written already, onto huge pages now (a
   * snapshot's or a rebuild's, once the index is loaded and before it
   * serves); the arrays made afterwards are advised as they are made.
   * Returns how many 2 MB pages were advised.
   */
  collapseHugePages(): number {
    let pages = 0;
    for (const array of this.largeArrays()) pages += Math.max(0, adviseHugePages(array, true));
    return pages;
  }

  /** The arrays in memory that grow with the keys: what huge pages are for (a file's pages cannot be huge). */
  private largeArrays(): (Uint8Array | Uint32Array)[] {
    return this.files === undefined ? [this.slots, this.bloom, this.offsets, this.arena] : [this.slots, this.bloom];
  }

  /** The id of `key[start..end)`, or -1. */
  lookup(key: Uint8Array, start: number, end: number): number {
    return this.lookupHashed(key, start, end, hashBytes(key, start, end));
  }

  /**
   * Reads the Bloom filter words a key with this hash would test, and
   * returns them mixed (a caller keeps the value so the reads stay): a batch
   * touches all its keys' words first, so the cache misses of a large table
   * overlap instead of following one another.
   */
  touch(hash: number): number {
    const block = bloomBlock(hash, this.bloomMask);
    const bits = bloomBits(hash);
    return this.bloom[block + ((bits >>> 5) & 15)]! ^ this.bloom[block + ((bits >>> 23) & 15)]!;
  }

  /** `lookup` with the key's `hashBytes` already taken. */
  lookupHashed(key: Uint8Array, start: number, end: number, hash: number): number {
    const bloom = this.bloom;
    const block = bloomBlock(hash, this.bloomMask);
    const bits = bloomBits(hash);
    if (
      (bloom[block + ((bits >>> 5) & 15)]! & (1 << bits)) === 0 ||
      (bloom[block + ((bits >>> 14) & 15)]! & (1 << (bits >>> 9))) === 0 ||
      (bloom[block + ((bits >>> 23) & 15)]! & (1 << (bits >>> 18))) === 0
    ) {
      return -1;
    }
    const slots = this.slots;
    const mask = this.mask;
    const tag = tagOf(hash);
    let i = hash & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === EMPTY) return -1;
      if (((s ^ tag) & ~ID_MASK) === 0) {
        const id = (s & ID_MASK) - 1;
        if (this.equals(id, key, start, end)) return id;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * The arrays lookupHashed reads, for native/recipient-probe.c, which
   * repeats it over them: good until the next insert or growth step, so a
   * caller takes them afresh for each batch.
   */
  get lookupArrays(): LookupArrays {
    return { arena: this.arena, offsets: this.offsets, slots: this.slots, bloom: this.bloom, idBase: this.idBase };
  }

  /** The id of the key, assigning the next id when it is new. */
  intern(key: Uint8Array, start: number, end: number): number {
    const found = this.lookup(key, start, end);
    if (found >= 0) return found;
    const id = this.nextId;
    this.insert(key, start, end, id);
    return id;
  }

  /** Adds a key under a known id (rebuilding from the store). The key must be new. */
  insert(key: Uint8Array, start: number, end: number, id: number): void {
    if (id > MAX_INTERNED_ID) throw new RangeError(`more than ${MAX_INTERNED_ID} keys`);
    const load = (this.size + 1) / this.slots.length;
    if (load > MAX_LOAD || (load > GROW_LOAD && this.size < BACKGROUND_GROWTH_KEYS)) this.growSlots();
    else if (load > GROW_LOAD && this.growing === undefined) this.startGrowing();
    if (id < this.idBase) throw new RangeError(`id ${id} is below this table's first id ${this.idBase}`);
    const hash = this.file(key, start, end, id);
    placeSlot(this.slots, this.mask, hash, id);
    addToBloom(this.bloom, this.bloomMask, hash);
    // An id the growth has passed (a rebuild inserts ids out of order) goes into the next slots too.
    const next = this.growing;
    if (next !== undefined && id < next.movedUpTo) {
      placeSlot(next.slots, next.mask, hash, id);
      addToBloom(next.bloom, next.bloomMask, hash);
    }
    this.size++;
  }

  /**
   * Puts id's key in the arena and its offset in place; returns the key's
   * hash for its slot, taken from the arena's copy (a caller's key may be a
   * Buffer, and the hash over one kind of array stays the faster).
   */
  private file(key: Uint8Array, start: number, end: number, id: number): number {
    if (id - this.idBase >= this.offsets.length) this.growOffsets(id - this.idBase + 1);
    this.offsets[id - this.idBase] = this.append(key, start, end);
    if (id >= this.nextId) this.nextId = id + 1;
    const keyStart = this.keyStartOf(id);
    return hashBytes(this.arena, keyStart, keyStart + end - start);
  }

  /**
   * insert for many keys in a row (a rebuild): each key goes into the arena
   * at once, and its slot and Bloom bits a run at a time, after a pass that
   * reads the run's slots and words, so their cache misses overlap. Call
   * `flushRun` after the last key.
   */
  insertInRun(key: Uint8Array, start: number, end: number, id: number): void {
    const n = this.runLength;
    // A run needs the slots to stay put: near a growth, keys go in one at a time.
    if ((this.size + n + 1) / this.slots.length > GROW_LOAD || this.growing !== undefined || id > MAX_INTERNED_ID || id < this.idBase) {
      this.flushRun();
      this.insert(key, start, end, id);
      return;
    }
    this.runHashes[n] = this.file(key, start, end, id);
    this.runIds[n] = id;
    this.runLength = n + 1;
    if (this.runLength === RUN_KEYS) this.flushRun();
  }

  /** Places the keys insertInRun holds back. */
  flushRun(): void {
    const n = this.runLength;
    if (n === 0) return;
    const { slots, mask, bloom, bloomMask, runHashes, runIds } = this;
    let touched = 0;
    for (let k = 0; k < n; k++) {
      const hash = runHashes[k]!;
      touched ^= slots[hash & mask]! ^ bloom[bloomBlock(hash, bloomMask)]!;
    }
    this.runTouched = touched;
    for (let k = 0; k < n; k++) {
      placeSlot(slots, mask, runHashes[k]!, runIds[k]!);
      addToBloom(bloom, bloomMask, runHashes[k]!);
    }
    this.size += n;
    this.runLength = 0;
  }

  /** The bytes of id's key (a view: copy it to keep it). */
  keyOf(id: number): Uint8Array {
    const [start, length] = this.locate(id);
    return this.arena.subarray(start, start + length);
  }

  /** The arena that `keyStartOf` points into; a larger one replaces it as keys are added. */
  get arenaBytes(): Uint8Array {
    return this.arena;
  }

  /** Where id's key starts in `arenaBytes`: for comparisons that must not allocate. */
  keyStartOf(id: number): number {
    const off = this.offsets[id - this.idBase]!;
    return this.arena[off] === LONG_KEY ? off + 3 : off + 1;
  }

  keyLengthOf(id: number): number {
    const off = this.offsets[id - this.idBase]!;
    const first = this.arena[off]!;
    return first === LONG_KEY ? this.arena[off + 1]! | (this.arena[off + 2]! << 8) : first;
  }

  /** The table's arrays, trimmed, for a snapshot. */
  exportState(): InternTableState {
    return {
      arena: this.arena.subarray(0, this.arenaUsed),
      offsets: this.offsets.subarray(0, this.nextId - this.idBase),
      slots: this.slots,
      bloom: this.bloom,
      size: this.size,
      nextId: this.nextId,
    };
  }

  /**
   * A table from `exportState`'s arrays; it takes them over. Throws a
   * RangeError for arrays no table could have exported: a snapshot's
   * checksum guards against a flipped bit, not against a writer's mistake,
   * and a table with no empty slot never ends a lookup, one whose keys lie
   * outside its arena finds none of them (a contact on the list "allowed").
   */
  static fromState(state: InternTableState, files?: ContactKeyFiles): ByteInternTable {
    checkCounts(state);
    const t = new ByteInternTable(0, 16, 0, files);
    t.nextId = state.nextId;
    t.arena = state.arena;
    t.arenaUsed = state.arena.length;
    t.offsets = state.offsets;
    t.slots = state.slots;
    t.mask = state.slots.length - 1;
    t.bloom = state.bloom;
    t.bloomMask = state.bloom.length / BLOOM_BLOCK_WORDS - 1;
    t.size = state.size;
    t.checkKeysInArena();
    return t;
  }

  /**
   * In id order, which is about the arena's: in slot order the same reads took a second at ten million keys. An id
   * with no key (a names table's 0) has offset 0, the first key's; a table with no keys has no arena to point into.
   */
  private checkKeysInArena(): void {
    if (this.size === 0) return;
    const length = this.arena.length;
    for (let id = 0; id < this.nextId; id++) {
      if (this.offsets[id]! >= length || this.keyStartOf(id) + this.keyLengthOf(id) > length) {
        throw new RangeError(`intern table state: key ${id} lies past the arena`);
      }
    }
  }

  /** Bytes held in memory, for memory accounting: the key files' are `fileBytes`. */
  get byteSize(): number {
    const inMemory = this.slots.byteLength + this.bloom.byteLength;
    return this.files === undefined ? inMemory + this.arena.byteLength + this.offsets.byteLength : inMemory;
  }

  /** Bytes of the key files, which the page cache holds as far as lookups read them. */
  get fileBytes(): number {
    return this.files?.byteLength ?? 0;
  }

  private locate(id: number): [number, number] {
    const off = this.offsets[id - this.idBase]!;
    const first = this.arena[off]!;
    if (first !== LONG_KEY) return [off + 1, first];
    return [off + 3, this.arena[off + 1]! | (this.arena[off + 2]! << 8)];
  }

  private equals(id: number, key: Uint8Array, start: number, end: number): boolean {
    const arena = this.arena;
    let off = this.offsets[id - this.idBase];
    // The load refused such state, so it changed since (the key files are plain files): read as "not equal", a
    // listed contact would go through unchecked.
    if (off === undefined || off >= arena.length) throw damaged(id);
    let length = arena[off]!;
    if (length === LONG_KEY) {
      length = arena[off + 1]! | (arena[off + 2]! << 8);
      off += 3;
    } else {
      off += 1;
    }
    if (off + length > arena.length) throw damaged(id);
    if (length !== end - start) return false;
    for (let i = 0; i < length; i++) if (arena[off + i] !== key[start + i]) return false;
    return true;
  }

  /**
   * Grows the arena and offsets now, so that the keys `pending` holds (ids
   * from this table's next on) go in without growing them: a write does
   * this before it commits, so a disk with no room for the key files fails
   * the write, not the index's taking in of a write already stored.
   */
  makeRoomFor(pending: ByteInternTable): void {
    if (this.arenaUsed + pending.arenaUsed > this.arena.length) this.growArena(this.arenaUsed + pending.arenaUsed);
    if (pending.nextId - this.idBase > this.offsets.length) this.growOffsets(pending.nextId - this.idBase);
  }

  private growArena(min: number): void {
    const length = Math.max(grown(this.arena.length), min);
    if (this.files !== undefined) {
      this.arena = this.files.arenaOf(min, length);
      return;
    }
    this.arena = inMemory(this.arena, length, this.arenaUsed);
  }

  private append(key: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const need = length + (length >= LONG_KEY ? 3 : 1);
    if (this.arenaUsed + need > this.arena.length) this.growArena(this.arenaUsed + need);
    const off = this.arenaUsed;
    const arena = this.arena;
    if (length >= LONG_KEY) {
      arena[off] = LONG_KEY;
      arena[off + 1] = length & 255;
      arena[off + 2] = length >> 8;
      arena.set(key.subarray(start, end), off + 3);
    } else {
      arena[off] = length;
      // A short key is copied in a loop: a view to hand to set() would be an object per key.
      for (let i = start, o = off + 1; i < end; i++, o++) arena[o] = key[i]!;
    }
    this.arenaUsed += need;
    return off;
  }

  private growOffsets(min: number): void {
    const length = Math.max(min, grown(this.offsets.length));
    if (this.files !== undefined) {
      this.offsets = this.files.offsetsOf(min, length);
      return;
    }
    this.offsets = inMemory(this.offsets, length, this.offsets.length);
  }

  /** Grows the slots now: finishes a growth under way, or rehashes every key. */
  private growSlots(): void {
    if (this.growing === undefined) this.growing = this.nextSlots();
    this.moveKeys(this.growing, Number.POSITIVE_INFINITY);
    this.swapSlots(this.growing);
  }

  private nextSlots(): NextSlots {
    const slots = new Uint32Array(this.slots.length * 2);
    const bloom = new Uint32Array(bloomWords(slots.length));
    adviseHugePages(slots);
    adviseHugePages(bloom);
    return { slots, mask: slots.length - 1, bloom, bloomMask: bloom.length / BLOOM_BLOCK_WORDS - 1, movedUpTo: this.idBase };
  }

  /** Moves the keys into larger slots a slice at a time; lookups use the current slots until all are in. */
  private startGrowing(): void {
    const next = this.nextSlots();
    this.growing = next;
    const step = () => {
      if (this.growing !== next) return;
      if (this.moveKeys(next, performance.now() + GROWTH_SLICE_MS)) this.swapSlots(next);
      else setTimeout(step, 1).unref();
    };
    setTimeout(step, 1).unref();
  }

  /**
   * Moves the keys of more ids into `next`, in id order (the arena is read in
   * order, so only the writes miss the cache), until `deadline`
   * (performance.now()); whether all are in.
   */
  private moveKeys(next: NextSlots, deadline: number): boolean {
    let id = next.movedUpTo;
    while (id < this.nextId) {
      const to = Math.min(this.nextId, id + GROWTH_CLOCK_KEYS);
      for (; id < to; id++) {
        const start = this.keyStartOf(id);
        const end = start + this.keyLengthOf(id);
        const hash = hashBytes(this.arena, start, end);
        // An id a rebuild never inserted has offset 0, which is also the first key's: only a key the slots hold is moved.
        if (this.offsets[id - this.idBase] === 0 && this.lookupHashed(this.arena, start, end, hash) !== id) continue;
        placeSlot(next.slots, next.mask, hash, id);
        addToBloom(next.bloom, next.bloomMask, hash);
      }
      next.movedUpTo = id;
      if (performance.now() >= deadline) break;
    }
    return next.movedUpTo === this.nextId;
  }

  private swapSlots(next: NextSlots): void {
    this.slots = next.slots;
    this.mask = next.mask;
    this.bloom = next.bloom;
    this.bloomMask = next.bloomMask;
    this.growing = undefined;
  }
}

/** The counts and slots of a state, against each other; fromState checks the keys once the table holds them. */
function checkCounts({ offsets, slots, bloom, size, nextId }: InternTableState): void {
  const bad = (what: string): never => {
    throw new RangeError(`intern table state: ${what}`);
  };
  if (!Number.isSafeInteger(nextId) || nextId < 0 || nextId > MAX_INTERNED_ID + 1) bad(`nextId ${nextId}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > nextId) bad(`size ${size} of ${nextId} ids`);
  if (offsets.length !== nextId) bad(`${offsets.length} offsets for ${nextId} ids`);
  if (slots.length < 16 || (slots.length & (slots.length - 1)) !== 0) bad(`${slots.length} slots, not a power of two from 16`);
  if (bloom.length !== bloomWords(slots.length)) bad(`${bloom.length} Bloom words for ${slots.length} slots`);
  if (size > slots.length * MAX_LOAD) bad(`${size} keys in ${slots.length} slots`);
  let filled = 0;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    if (s === EMPTY) continue;
    filled++;
    const id = (s & ID_MASK) - 1;
    if (id < 0 || id >= nextId) bad(`slot ${i} names id ${id} of ${nextId}`);
  }
  if (filled !== size) bad(`${filled} filled slots for ${size} keys`);
}

/** Puts id in the first free slot from the hash's. */
function placeSlot(slots: Uint32Array, mask: number, hash: number, id: number): void {
  let i = hash & mask;
  while (slots[i] !== EMPTY) i = (i + 1) & mask;
  slots[i] = (tagOf(hash) | (id + 1)) >>> 0;
}

function addToBloom(bloom: Uint32Array, bloomMask: number, hash: number): void {
  const block = bloomBlock(hash, bloomMask);
  const bits = bloomBits(hash);
  bloom[block + ((bits >>> 5) & 15)]! |= 1 << bits;
  bloom[block + ((bits >>> 14) & 15)]! |= 1 << (bits >>> 9);
  bloom[block + ((bits >>> 23) & 15)]! |= 1 << (bits >>> 18);
}

function damaged(id: number): RangeError {
  return new RangeError(`intern table: key ${id} lies outside the key arrays: the index is damaged`);
}
