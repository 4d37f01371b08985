// The interned contacts in the order of their contact text, then their id:
// what ListEntries walks for its contact order and for contact-prefix
// searches. It is kept in memory rather than as a B-tree keyed by contact in
// LMDB, where every new contact was a random insert that made bulk imports
// several times slower and kept the whole tree resident. It is built on
// first use; a few new contacts are sorted in at the next use, many (after
// an import) by a background sort done a slice per event-loop turn, so no
// filter call waits behind it. Until it is caught up, a walk is refused as
// UNAVAILABLE rather than answered from a partial order. The index snapshot
// keeps the order (its state), so a restart does not sort every contact again.

import { UnavailableError } from "../errors.js";
import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import type { ByteInternTable } from "./byte-intern-table.js";

/** Past the end of a contact's text: sorts before every character. */
const END = -1;
/** Contacts sorted per slice of a background sort, and comparisons per slice of a merge: a few milliseconds each. */
const SORT_SLICE = 2_048;
const MERGE_SLICE = 50_000;

/** The order as the snapshot keeps it: the ids below `upTo`, sorted. */
export interface ContactOrderState {
  sorted: Uint32Array;
  upTo: number;
}

export class ContactOrder {
  /** Ids below `upTo`, in order. Replaced, never changed in place: a walk under way keeps its array. */
  private sorted: Uint32Array = new Uint32Array(0);
  private upTo = 0;
  private sorting: Promise<void> | undefined;

  /** `syncLimit`: at most this many new contacts are sorted in during a walk; more go to the background. */
  constructor(
    private readonly contacts: ByteInternTable,
    private readonly syncLimit = 16_384,
  ) {}

  /** An order that starts from `state`, as a snapshot saved it; undefined when the state does not fit the table (then the order is built anew). */
  static fromState(contacts: ByteInternTable, state: ContactOrderState): ContactOrder | undefined {
    if (state.sorted.length !== state.upTo || state.upTo > contacts.nextId) return undefined;
    const order = new ContactOrder(contacts);
    order.sorted = state.sorted;
    order.upTo = state.upTo;
    return order;
  }

  /** The ids placed so far, for the snapshot; a background sort under way is not in it yet. */
  exportState(): ContactOrderState {
    return { sorted: this.sorted, upTo: this.upTo };
  }

  /**
   * Contact ids in order, from the first whose text is at least `text`
   * (UTF-8). Throws UNAVAILABLE while a background sort is catching up.
   */
  *idsFrom(text: Uint8Array): Iterable<number> {
    const sorted = this.current();
    for (let i = this.lowerBound(sorted, text); i < sorted.length; i++) yield sorted[i]!;
  }

  /** Starts a background sort when many contacts are waiting to be placed (after a bulk write). */
  catchUpIfBehind(): void {
    if (this.contacts.nextId - this.upTo > this.syncLimit) this.catchUp();
  }

  /** Resolves once the order holds every contact interned when it was called. */
  async caughtUp(): Promise<void> {
    while (this.upTo < this.contacts.nextId) await this.catchUp();
  }

  private catchUp(): Promise<void> {
    this.sorting ??= this.sortInBackground().finally(() => (this.sorting = undefined));
    return this.sorting;
  }

  private current(): Uint32Array {
    const behind = this.contacts.nextId - this.upTo;
    if (behind === 0) return this.sorted;
    if (behind <= this.syncLimit && this.sorting === undefined) {
      this.placeNow();
      return this.sorted;
    }
    void this.catchUp();
    throw new UnavailableError(`the contact order is being brought up to date (${behind} contacts to place): retry in a few seconds`);
  }

  /** Compares the contact text of `id` with `text` (UTF-8). */
  compareText(id: number, text: Uint8Array): number {
    const table = this.contacts;
    const arena = table.arenaBytes;
    const start = table.keyStartOf(id);
    const length = table.keyLengthOf(id);
    for (let i = 0; ; i++) {
      const c = textByte(arena, start, length, i);
      const t = i < text.length ? text[i]! : END;
      if (c !== t) return c - t;
      if (c === END) return 0;
    }
  }

  /** Whether the contact text of `id` starts with `text` (UTF-8). */
  startsWith(id: number, text: Uint8Array): boolean {
    const table = this.contacts;
    const arena = table.arenaBytes;
    const start = table.keyStartOf(id);
    const length = table.keyLengthOf(id);
    for (let i = 0; i < text.length; i++) if (textByte(arena, start, length, i) !== text[i]) return false;
    return true;
  }

  /** Sorts the few contacts interned since the last walk and merges them in, now. */
  private placeNow(): void {
    const next = this.contacts.nextId;
    const fresh = this.idsBetween(this.upTo, next).sort(this.compare);
    this.sorted = this.sorted.length === 0 ? fresh : this.merge(this.sorted, fresh);
    this.upTo = next;
  }

  /** Sorts the contacts interned since, a slice per event-loop turn, until none is left out. */
  private async sortInBackground(): Promise<void> {
    while (this.upTo < this.contacts.nextId) {
      const next = this.contacts.nextId;
      const fresh = await sliced(this.sortSteps(this.idsBetween(this.upTo, next)));
      const merged = this.sorted.length === 0 ? fresh : await sliced(this.mergeSteps(this.sorted, 0, this.sorted.length, fresh, 0, fresh.length, new Uint32Array(this.sorted.length + fresh.length), 0));
      this.sorted = merged;
      this.upTo = next;
    }
  }

  private idsBetween(from: number, to: number): Uint32Array {
    const ids = new Uint32Array(to - from);
    for (let i = 0; i < ids.length; i++) ids[i] = from + i;
    return ids;
  }

  /** A bottom-up merge sort: sorted slices, then merged pairs of runs, a slice of comparisons at a time. */
  private *sortSteps(ids: Uint32Array): Generator<void, Uint32Array> {
    for (let a = 0; a < ids.length; a += SORT_SLICE) {
      ids.subarray(a, Math.min(a + SORT_SLICE, ids.length)).sort(this.compare);
      yield;
    }
    let src: Uint32Array = ids;
    let dst: Uint32Array = new Uint32Array(ids.length);
    let merged = 0;
    for (let width = SORT_SLICE; width < ids.length; width *= 2) {
      for (let lo = 0; lo < ids.length; lo += 2 * width) {
        const mid = Math.min(lo + width, ids.length);
        const hi = Math.min(lo + 2 * width, ids.length);
        // Long runs yield inside the merge; short ones, every slice's worth of them.
        yield* this.mergeSteps(src, lo, mid, src, mid, hi, dst, lo);
        merged += hi - lo;
        if (merged >= MERGE_SLICE) {
          merged = 0;
          yield;
        }
      }
      [src, dst] = [dst, src];
    }
    return src;
  }

  /** Merges a[aFrom..aTo) and b[bFrom..bTo) into out from `o`; returns out. */
  private *mergeSteps(a: Uint32Array, aFrom: number, aTo: number, b: Uint32Array, bFrom: number, bTo: number, out: Uint32Array, o: number): Generator<void, Uint32Array> {
    let i = aFrom;
    let j = bFrom;
    let work = 0;
    while (i < aTo && j < bTo) {
      out[o++] = this.compare(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
      if (++work === MERGE_SLICE) {
        work = 0;
        yield;
      }
    }
    while (i < aTo) out[o++] = a[i++]!;
    while (j < bTo) out[o++] = b[j++]!;
    return out;
  }

  /** Few new ids into many: each finds its place by binary search, the runs between are block copies. */
  private merge(sorted: Uint32Array, fresh: Uint32Array): Uint32Array {
    const out = new Uint32Array(sorted.length + fresh.length);
    let from = 0;
    let o = 0;
    for (const id of fresh) {
      let lo = from;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compare(sorted[mid]!, id) < 0) lo = mid + 1;
        else hi = mid;
      }
      out.set(sorted.subarray(from, lo), o);
      o += lo - from;
      from = lo;
      out[o++] = id;
    }
    out.set(sorted.subarray(from), o);
    return out;
  }

  private lowerBound(sorted: Uint32Array, text: Uint8Array): number {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareText(sorted[mid]!, text) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private readonly compare = (a: number, b: number): number => {
    const table = this.contacts;
    const arena = table.arenaBytes;
    const sa = table.keyStartOf(a);
    const sb = table.keyStartOf(b);
    const la = table.keyLengthOf(a);
    const lb = table.keyLengthOf(b);
    if ((arena[sa] === ContactKind.PHONE) === (arena[sb] === ContactKind.PHONE)) {
      // Same packing: the payload bytes sort as the texts do (a phone's digit + 1 per nibble, 0 padding).
      const n = Math.min(la, lb);
      for (let k = 1; k < n; k++) {
        const d = arena[sa + k]! - arena[sb + k]!;
        if (d !== 0) return d;
      }
      return la - lb || a - b;
    }
    for (let i = 0; ; i++) {
      const ca = textByte(arena, sa, la, i);
      const cb = textByte(arena, sb, lb, i);
      if (ca !== cb) return ca - cb;
      if (ca === END) return a - b;
    }
  };
}

/**
 * Byte `i` of the text (its UTF-8 form, as entries store it) of the key at
 * `arena[start..start + length)`, or END. The key's first byte is its kind; a
 * phone key packs digit + 1 per nibble, 0 padding the last byte.
 */
function textByte(arena: Uint8Array, start: number, length: number, i: number): number {
  const payload = length - 1;
  if (arena[start] === ContactKind.PHONE) {
    const b = i >> 1;
    if (b >= payload) return END;
    const byte = arena[start + 1 + b]!;
    const nibble = (i & 1) === 0 ? byte >> 4 : byte & 15;
    return nibble === 0 ? END : nibble + 47;
  }
  return i < payload ? arena[start + 1 + i]! : END;
}

/** Runs a generator of steps to its end, one step per event-loop turn. */
async function sliced<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
