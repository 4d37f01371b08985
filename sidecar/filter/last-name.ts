// A sender or account name looked up in its table, remembered for the next
// request of the same call: a full-form batch's requests mostly repeat one
// name, and looking it up again (hashing it, probing, comparing) was a fifth
// of such a batch's time. Forgotten at each call, as the table may change
// between them.

import type { ByteInternTable } from "../index/byte-intern-table.js";

export class LastName {
  private buf: Uint8Array | undefined;
  private start = 0;
  private end = 0;
  private id = -1;

  forget(): void {
    this.buf = undefined;
  }

  /** The id of `buf[start..end)` in `table`, -1 when it holds no such name. */
  lookup(table: ByteInternTable, buf: Uint8Array, start: number, end: number): number {
    if (buf === this.buf && sameBytes(buf, start, end, this.start, this.end)) return this.id;
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.id = table.lookup(buf, start, end);
    return this.id;
  }
}

function sameBytes(buf: Uint8Array, start: number, end: number, otherStart: number, otherEnd: number): boolean {
  if (end - start !== otherEnd - otherStart) return false;
  for (let i = start, j = otherStart; i < end; i++, j++) if (buf[i] !== buf[j]) return false;
  return true;
}
