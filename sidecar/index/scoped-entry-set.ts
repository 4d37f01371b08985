// The set of sender- and account-scoped entries as (contact, channel, sender,
// account) id tuples, open-addressed in one Uint32Array. These are the
// entries the per-channel bitmaps cannot express: few on most lists, all of
// them on a list scoped per account. A large set grows into its next table
// a slice at a time (the old table answers for what it still holds), so an
// add never stops the filter for a rehash of millions of tuples.

const EMPTY = 0;
const TOMBSTONE = 0xffffffff;
const WORDS = 3;
const MAX_LOAD = 0.6;
/** Tables from this many slots grow in the background; smaller ones (a batch's own set) at once. */
const BACKGROUND_GROWTH_SLOTS = 1 << 16;
/** Longest a background growth step holds the event loop. */
const GROWTH_SLICE_MS = 0.5;
/** Old slots moved by each add while a growth is under way, so adds never outrun it. */
const MOVES_PER_ADD = 4;
/** Sender ids share a word with the channel. */
export const MAX_SCOPE_NAME_ID = (1 << 24) - 1;

function hashTuple(contactId: number, packed: number, accountId: number): number {
  let h = Math.imul(contactId ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ packed ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ accountId ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

export interface ScopedSetState {
  table: Uint32Array;
  used: number;
  live: number;
}

export class ScopedEntrySet {
  private table: Uint32Array;
  private mask: number;
  /** Slots of `table` ever filled (tombstones included), for its load. */
  private used = 0;
  /** Tuples held, in both tables while growing. */
  private live = 0;
  /** While growing: the table being emptied into `table`, and the slots of it already moved. */
  private old: Uint32Array | undefined;
  private oldMask = 0;
  private moved = 0;

  constructor(capacity = 256) {
    const slots = 1 << Math.max(4, Math.ceil(Math.log2(capacity / MAX_LOAD)));
    this.table = new Uint32Array(slots * WORDS);
    this.mask = slots - 1;
  }

  get count(): number {
    return this.live;
  }

  exportState(): ScopedSetState {
    this.finishGrowth();
    return { table: this.table, used: this.used, live: this.live };
  }

  /** Whether a growth is under way (the old table still holds tuples). */
  get growing(): boolean {
    return this.old !== undefined;
  }

  /** Throws a RangeError for a table no set could have exported (see ByteInternTable.fromState). */
  static fromState(state: ScopedSetState): ScopedEntrySet {
    checkState(state);
    const s = new ScopedEntrySet(4);
    s.table = state.table;
    s.mask = state.table.length / WORDS - 1;
    s.used = state.used;
    s.live = state.live;
    return s;
  }

  get byteSize(): number {
    return this.table.byteLength + (this.old?.byteLength ?? 0);
  }

  has(contactId: number, channel: number, senderId: number, accountId: number): boolean {
    const w0 = contactId + 1;
    const w1 = (channel << 24) | senderId;
    return find(this.table, this.mask, w0, w1, accountId) >= 0 || (this.old !== undefined && find(this.old, this.oldMask, w0, w1, accountId) >= 0);
  }

  /** Returns false when the tuple was there already. */
  add(contactId: number, channel: number, senderId: number, accountId: number): boolean {
    if (this.has(contactId, channel, senderId, accountId)) return false;
    if ((this.used + 1) / (this.mask + 1) > MAX_LOAD) this.grow();
    this.insert(contactId + 1, (channel << 24) | senderId, accountId);
    this.live++;
    if (this.old !== undefined) this.moveSome(MOVES_PER_ADD, Infinity);
    return true;
  }

  /** Returns false when the tuple was not there. */
  delete(contactId: number, channel: number, senderId: number, accountId: number): boolean {
    const w0 = contactId + 1;
    const w1 = (channel << 24) | senderId;
    let i = find(this.table, this.mask, w0, w1, accountId);
    if (i >= 0) this.table[i * WORDS] = TOMBSTONE;
    else if (this.old !== undefined && (i = find(this.old, this.oldMask, w0, w1, accountId)) >= 0) this.old[i * WORDS] = TOMBSTONE;
    else return false;
    this.live--;
    return true;
  }

  /** Puts a tuple that neither table holds into `table`. */
  private insert(w0: number, w1: number, w2: number): void {
    const t = this.table;
    let i = hashTuple(w0, w1, w2) & this.mask;
    for (;;) {
      const s = t[i * WORDS]!;
      if (s === EMPTY || s === TOMBSTONE) {
        if (s === EMPTY) this.used++;
        t[i * WORDS] = w0;
        t[i * WORDS + 1] = w1;
        t[i * WORDS + 2] = w2;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** A table twice the size (or the same size, when tombstones made the load), filled now or in the background. */
  private grow(): void {
    this.finishGrowth();
    const slots = this.live + 1 > (this.mask + 1) * 0.3 ? (this.mask + 1) * 2 : this.mask + 1;
    this.old = this.table;
    this.oldMask = this.mask;
    this.moved = 0;
    this.table = new Uint32Array(slots * WORDS);
    this.mask = slots - 1;
    this.used = 0;
    if (slots < BACKGROUND_GROWTH_SLOTS) {
      this.finishGrowth();
      return;
    }
    const old = this.old;
    const step = () => {
      if (this.old === old && !this.moveSome(Infinity, performance.now() + GROWTH_SLICE_MS)) setTimeout(step, 1).unref();
    };
    setTimeout(step, 1).unref();
  }

  private finishGrowth(): void {
    if (this.old !== undefined) this.moveSome(Infinity, Infinity);
  }

  /**
   * Moves up to `slots` slots of the old table (checking the clock every 128
   * against `deadline`, from performance.now()); whether it is empty now, and
   * then the growth is over.
   */
  private moveSome(slots: number, deadline: number): boolean {
    const old = this.old!;
    const end = old.length / WORDS;
    let n = 0;
    while (this.moved < end) {
      const k = this.moved++ * WORDS;
      const s = old[k]!;
      if (s !== EMPTY && s !== TOMBSTONE) {
        this.insert(s, old[k + 1]!, old[k + 2]!);
        // A tombstone keeps the old table's probe chains whole for the tuples it still holds.
        old[k] = TOMBSTONE;
      }
      if (++n >= slots) break;
      if ((n & 127) === 0 && performance.now() >= deadline) break;
    }
    if (this.moved < end) return false;
    this.old = undefined;
    return true;
  }
}

function checkState({ table, used, live }: ScopedSetState): void {
  const slots = table.length / WORDS;
  if (!Number.isInteger(slots) || slots < 16 || (slots & (slots - 1)) !== 0) throw new RangeError(`scoped set state: ${table.length} words, not 3 a slot for a power of two from 16`);
  let filled = 0;
  let held = 0;
  for (let k = 0; k < table.length; k += WORDS) {
    const s = table[k]!;
    if (s === EMPTY) continue;
    filled++;
    if (s !== TOMBSTONE) held++;
  }
  // An empty slot must remain, or a lookup of a tuple not held never ends.
  if (filled !== used || held !== live || used > slots * MAX_LOAD) throw new RangeError(`scoped set state: ${filled} filled and ${held} held slots of ${slots}, said ${used} and ${live}`);
}

function find(t: Uint32Array, mask: number, w0: number, w1: number, w2: number): number {
  let i = hashTuple(w0, w1, w2) & mask;
  for (;;) {
    const s = t[i * WORDS]!;
    if (s === EMPTY) return -1;
    if (s === w0 && t[i * WORDS + 1] === w1 >>> 0 && t[i * WORDS + 2] === w2) return i;
    i = (i + 1) & mask;
  }
}
