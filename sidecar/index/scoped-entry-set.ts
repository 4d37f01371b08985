// The set of sender- and account-scoped entries as (contact, channel, sender,
// account) id tuples, open-addressed in one Uint32Array. These are the few
// entries the per-channel bitmaps cannot express.

const EMPTY = 0;
const TOMBSTONE = 0xffffffff;
const WORDS = 3;
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
  private used = 0;
  private live = 0;

  constructor(capacity = 256) {
    const slots = 1 << Math.max(4, Math.ceil(Math.log2(capacity / 0.6)));
    this.table = new Uint32Array(slots * WORDS);
    this.mask = slots - 1;
  }

  get count(): number {
    return this.live;
  }

  exportState(): ScopedSetState {
    return { table: this.table, used: this.used, live: this.live };
  }

  static fromState(state: ScopedSetState): ScopedEntrySet {
    const s = new ScopedEntrySet(4);
    s.table = state.table;
    s.mask = state.table.length / WORDS - 1;
    s.used = state.used;
    s.live = state.live;
    return s;
  }

  get byteSize(): number {
    return this.table.byteLength;
  }

  has(contactId: number, channel: number, senderId: number, accountId: number): boolean {
    return this.find(contactId + 1, (channel << 24) | senderId, accountId) >= 0;
  }

  /** Returns false when the tuple was there already. */
  add(contactId: number, channel: number, senderId: number, accountId: number): boolean {
    const w0 = contactId + 1;
    const w1 = (channel << 24) | senderId;
    if (this.find(w0, w1, accountId) >= 0) return false;
    if ((this.used + 1) / (this.mask + 1) > 0.6) this.rehash();
    const t = this.table;
    let i = hashTuple(w0, w1, accountId) & this.mask;
    for (;;) {
      const s = t[i * WORDS]!;
      if (s === EMPTY || s === TOMBSTONE) {
        if (s === EMPTY) this.used++;
        t[i * WORDS] = w0;
        t[i * WORDS + 1] = w1;
        t[i * WORDS + 2] = accountId;
        this.live++;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Returns false when the tuple was not there. */
  delete(contactId: number, channel: number, senderId: number, accountId: number): boolean {
    const i = this.find(contactId + 1, (channel << 24) | senderId, accountId);
    if (i < 0) return false;
    this.table[i * WORDS] = TOMBSTONE;
    this.live--;
    return true;
  }

  private find(w0: number, w1: number, w2: number): number {
    const t = this.table;
    let i = hashTuple(w0, w1, w2) & this.mask;
    for (;;) {
      const s = t[i * WORDS]!;
      if (s === EMPTY) return -1;
      if (s === w0 && t[i * WORDS + 1] === w1 >>> 0 && t[i * WORDS + 2] === w2) return i;
      i = (i + 1) & this.mask;
    }
  }

  private rehash(): void {
    const old = this.table;
    const slots = this.live + 1 > (this.mask + 1) * 0.3 ? (this.mask + 1) * 2 : this.mask + 1;
    this.table = new Uint32Array(slots * WORDS);
    this.mask = slots - 1;
    this.used = 0;
    this.live = 0;
    for (let i = 0; i < old.length; i += WORDS) {
      const s = old[i]!;
      if (s === EMPTY || s === TOMBSTONE) continue;
      const w1 = old[i + 1]!;
      this.add(s - 1, w1 >>> 24, w1 & MAX_SCOPE_NAME_ID, old[i + 2]!);
    }
  }
}
