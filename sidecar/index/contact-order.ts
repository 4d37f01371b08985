// The interned contacts in the order of their contact text, then their id:
// what ListEntries walks for its contact order and for contact-prefix
// searches. It is kept in memory, built on first use and brought up to date
// at each use, rather than as a B-tree keyed by contact in LMDB: there every
// new contact was a random insert, which made bulk imports several times
// slower and kept the whole tree resident.

import { ContactKind } from "../gen/dnc/v1/types_pb.js";
import type { ByteInternTable } from "./byte-intern-table.js";

/** Past the end of a contact's text: sorts before every character. */
const END = -1;

export class ContactOrder {
  /** Ids below `upTo`, in order. Replaced, never changed in place: a walk under way keeps its array. */
  private sorted: Uint32Array = new Uint32Array(0);
  private upTo = 0;

  constructor(private readonly contacts: ByteInternTable) {}

  /** Contact ids in order, from the first whose text is at least `text` (UTF-8). */
  *idsFrom(text: Uint8Array): Iterable<number> {
    const sorted = this.update();
    for (let i = this.lowerBound(sorted, text); i < sorted.length; i++) yield sorted[i]!;
  }

  /** Compares the contact text of `id` with `text` (UTF-8). */
  compareText(id: number, text: Uint8Array): number {
    for (let i = 0; ; i++) {
      const c = this.charAt(id, i);
      const t = i < text.length ? text[i]! : END;
      if (c !== t) return c - t;
      if (c === END) return 0;
    }
  }

  /** Whether the contact text of `id` starts with `text` (UTF-8). */
  startsWith(id: number, text: Uint8Array): boolean {
    for (let i = 0; i < text.length; i++) if (this.charAt(id, i) !== text[i]) return false;
    return true;
  }

  /** Sorts the contacts interned since the last use and merges them in. */
  private update(): Uint32Array {
    const next = this.contacts.nextId;
    if (this.upTo === next) return this.sorted;
    const fresh = new Uint32Array(next - this.upTo);
    for (let i = 0; i < fresh.length; i++) fresh[i] = this.upTo + i;
    fresh.sort(this.compare);
    this.sorted = this.sorted.length === 0 ? fresh : this.merge(this.sorted, fresh);
    this.upTo = next;
    return this.sorted;
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
    for (let i = 0; ; i++) {
      const ca = this.charAt(a, i);
      const cb = this.charAt(b, i);
      if (ca !== cb) return ca - cb;
      if (ca === END) return a - b;
    }
  };

  /**
   * Byte `i` of the contact's text (its UTF-8 form, as entries store it), or
   * END. A phone key packs digit + 1 per nibble, 0 padding the last byte.
   */
  private charAt(id: number, i: number): number {
    const table = this.contacts;
    const arena = table.arenaBytes;
    const start = table.keyStartOf(id);
    const payload = table.keyLengthOf(id) - 1;
    if (arena[start] === ContactKind.PHONE) {
      const b = i >> 1;
      if (b >= payload) return END;
      const byte = arena[start + 1 + b]!;
      const nibble = (i & 1) === 0 ? byte >> 4 : byte & 15;
      return nibble === 0 ? END : nibble + 47;
    }
    return i < payload ? arena[start + 1 + i]! : END;
  }
}
