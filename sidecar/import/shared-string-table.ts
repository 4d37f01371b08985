// A workbook's shared strings, packed as UTF-8 in one growing buffer. A
// sheet of a million distinct contacts has a million shared strings: held as
// JS strings they cost several times their text and sit in the heap for the
// whole import.

export class SharedStringTable {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  /** offsets[i]..offsets[i + 1] is string i. */
  private offsets = new Uint32Array(1 << 12);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends the next string (shared strings arrive in index order). */
  push(text: string): void {
    const need = this.used + text.length * 3;
    if (need > this.bytes.length) {
      const next = new Uint8Array(Math.max(need, this.bytes.length * 2));
      next.set(this.bytes.subarray(0, this.used));
      this.bytes = next;
    }
    if (this.count + 2 > this.offsets.length) {
      const next = new Uint32Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
    }
    this.used += Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length).write(text, this.used, "utf8");
    this.offsets[++this.count] = this.used;
  }

  /** String `index`, or undefined past the end. */
  get(index: number): string | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offsets[index]!, this.offsets[index + 1]! - this.offsets[index]!).toString("utf8");
  }
}
