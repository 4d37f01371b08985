// The entry keys a dry run has counted as added, so a key that comes twice
// in one file counts as a repeat the second time, as the real import would
// have it. A key is held as a 64-bit fingerprint in an open-addressing
// table filled to at most three quarters (11 to 22 bytes a key): 10 million
// keys take 110 to 220 MB, where a Set of strings would take several times
// that. Two keys share a fingerprint with a chance of about n²/2⁶⁵: for 10
// million keys, one in 400,000.

const EMPTY = 0;

export class EntryKeySet {
  private slots = new Uint32Array(2 * 1024);
  private count = 0;
  private h1 = 0;
  private h2 = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when it was there already. */
  add(contactKey: Uint8Array, channel: number, sender: string, account: string): boolean {
    this.hash(contactKey, channel, sender, account);
    if ((this.count + 1) * 4 > (this.slots.length / 2) * 3) this.grow();
    return this.insert(this.h1, this.h2);
  }

  private insert(h1: number, h2: number): boolean {
    const slots = this.slots;
    const mask = slots.length / 2 - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const a = slots[2 * i]!;
      const b = slots[2 * i + 1]!;
      if (a === EMPTY && b === EMPTY) {
        slots[2 * i] = h1;
        slots[2 * i + 1] = h2;
        this.count++;
        return true;
      }
      if (a === h1 && b === h2) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== EMPTY || old[i + 1] !== EMPTY) this.insert(old[i]!, old[i + 1]!);
    }
  }

  /** FNV-1a and a multiply-xorshift hash over the same bytes, so the two halves are independent; never both 0. */
  private hash(contactKey: Uint8Array, channel: number, sender: string, account: string): void {
    let a = 0x811c9dc5;
    let b = 0x9e3779b9;
    const mix = (v: number) => {
      a = Math.imul(a ^ v, 0x01000193);
      b = Math.imul(b ^ v, 0x85ebca6b);
      b ^= b >>> 13;
    };
    for (let i = 0; i < contactKey.length; i++) mix(contactKey[i]!);
    mix(0x100 | channel);
    for (let i = 0; i < sender.length; i++) mix(sender.charCodeAt(i));
    mix(0x10000);
    for (let i = 0; i < account.length; i++) mix(account.charCodeAt(i));
    this.h1 = a >>> 0;
    // Unsigned, as the Uint32Array gives them back: `| 1` alone would make it signed.
    this.h2 = (b | 1) >>> 0;
  }
}
