// A minimal protobuf wire-format writer into one growable buffer that is
// reused across calls; `finish` copies the bytes out once.

/** Up to this many bytes (or characters of an ASCII string), copies run in a loop. */
const SHORT_COPY = 256;

export class ProtoWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  reset(): this {
    this.pos = 0;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  varint(value: number): this {
    this.ensure(10);
    const buf = this.buf;
    while (value >= 0x80) {
      buf[this.pos++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    buf[this.pos++] = value;
    return this;
  }

  /**
   * Copies `src[start..end)` without making a view of it (a view is an object
   * per call). A short run (a stored entry, a code) is copied in a loop: the
   * native copy's call costs more than the bytes.
   */
  bytes(src: Uint8Array, start = 0, end = src.length): this {
    const length = end - start;
    this.ensure(length);
    const buf = this.buf;
    let pos = this.pos;
    if (length <= SHORT_COPY) {
      for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    } else if (start === 0 && end === src.length) {
      buf.set(src, pos);
      pos += length;
    } else {
      Buffer.prototype.copy.call(src, buf, pos, start, end);
      pos += length;
    }
    this.pos = pos;
    return this;
  }

  /**
   * A string field; proto3 leaves an empty one out. A short ASCII string
   * (what most fields of an entry hold) is copied a character at a time:
   * counting its UTF-8 bytes and writing them natively cost two calls out of
   * JavaScript per field, for a few bytes each.
   */
  string(field: number, value: string): this {
    const chars = value.length;
    if (chars === 0) return this;
    if (chars <= SHORT_COPY && isAscii(value)) {
      this.tag(field, 2).varint(chars);
      this.ensure(chars);
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < chars; i++) buf[pos++] = value.charCodeAt(i);
      this.pos = pos;
      return this;
    }
    const length = Buffer.byteLength(value, "utf8");
    this.tag(field, 2).varint(length);
    this.ensure(length);
    this.buf.write(value, this.pos, length, "utf8");
    this.pos += length;
    return this;
  }

  /** A varint field; proto3 leaves a zero out. */
  uint(field: number, value: number): this {
    return value === 0 ? this : this.tag(field, 0).varint(value);
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0x80) return false;
  return true;
}

export function varintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}
